"""checkov's expression helpers, made cheaper by ``checkov_render_memos.py``, answer as checkov's own.

Each replacement keeps the original as ``__wrapped__``; these tests call both on the
same inputs, arbitrary ones (hypothesis) and the texts that made the change worth it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.policy_env


@pytest.fixture(scope="module")
def find_brackets_pairs(engine):  # the engine installs the tuning
    from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform

    replaced = evaluate_terraform.find_brackets_pairs
    assert replaced.__wrapped__ is not replaced  # the tuned one is installed
    return replaced


_EXPRESSIONS = [
    "${merge({'Name': '${data.aws_caller_identity.current.account_id}-rds'},{'git_file': 'db.tf'})}",
    "[for zone in ['eu-west-1a', 'eu-west-1b'] : zone if contains(data.x.names,zone)]",
    "${aws_eip.nat[\"0\"].id}",
    "}{ ][ {[}] {}{} [[]] x{y}z",
    "#! /bin/bash\necho '${aws_db_instance.default.endpoint}'\nif [ -f x ]; then { echo; }; fi\n" * 40,
    "",
]


@pytest.mark.parametrize("text", _EXPRESSIONS)
@pytest.mark.parametrize("pair", [("{", "}"), ("[", "]")])
def test_bracket_pairs_of_real_expressions_are_checkovs(find_brackets_pairs, text, pair):
    assert find_brackets_pairs(text, *pair) == find_brackets_pairs.__wrapped__(text, *pair)


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="{}[]()$'\"ab .\n", max_size=80))
def test_bracket_pairs_of_any_text_are_checkovs(find_brackets_pairs, text):
    for pair in (("{", "}"), ("[", "]"), ("(", ")")):  # "(" is not tuned: it must still answer
        assert find_brackets_pairs(text, *pair) == find_brackets_pairs.__wrapped__(text, *pair)
