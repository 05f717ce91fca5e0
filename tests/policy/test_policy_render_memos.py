"""checkov's expression helpers, made cheaper by ``checkov_render_memos.py`` and
``checkov_tuning.py``, answer as checkov's own.

Each replacement keeps the original as ``__wrapped__``; these tests call both on the
same inputs, arbitrary ones (hypothesis) and the texts that made the change worth it.
The memoised ones (references in a text, evaluated expressions) are asked twice, and
what the first call returned is edited in between: a memo must hand out copies.
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


_TERRAFORM_TEXTS = [
    "${var.name}-logs",
    "${module.vpc.private_subnet_ids}",
    "${aws_s3_bucket.this.id}",
    "${local.tags}",
    "${var.public_read ? 1 : 0}",
    "${merge(var.tags, {'Name': var.name})}",
    "${[for s in var.subnets : s.id]}",
    "${length(var.availability_zones) > 1 ? 2 : 1}",
    "${data.aws_iam_policy_document.assume.json}",
    "[\"a\", \"b\"]",
    "{'a': [1, 2], 'b': {'c': true}}",
    "true",
    "${each.value.name}",
    "${count.index}",
]
_RESOURCE_TYPES = (["aws_s3_bucket", "aws_iam_role"], [], ["google_container_cluster"])


def _references(found) -> list:
    return [(r.block_type, list(r.sub_parts), r.origin_value) for r in found]


@pytest.mark.parametrize("text", _TERRAFORM_TEXTS)
def test_references_in_a_text_are_checkovs_on_every_call(engine, text):
    from checkov.terraform.graph_builder import utils

    memoised = utils.get_referenced_vertices_in_str_value
    original = memoised.__wrapped__
    for resource_types in _RESOURCE_TYPES:
        expected = _references(original(str_value=text, aliases={}, resources_types=resource_types))
        first = memoised(str_value=text, aliases={}, resources_types=resource_types)
        for reference in first:  # a caller that edits what it got changes no later answer
            reference.sub_parts.append("edited")
        assert _references(memoised(str_value=text, aliases={}, resources_types=resource_types)) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["${", "}", "var.", "module.", "x", ".", "aws_s3_bucket", "[0]", " ", "(", ")", "'",
                                      "local.a", "data.", "each.key", "?", ":", "1"]), max_size=10).map("".join))
def test_references_in_any_text_are_checkovs(engine, text):
    from checkov.terraform.graph_builder import utils

    memoised = utils.get_referenced_vertices_in_str_value
    for _ in range(2):
        assert _references(memoised(str_value=text, aliases={}, resources_types=["aws_s3_bucket"])) == _references(
            memoised.__wrapped__(str_value=text, aliases={}, resources_types=["aws_s3_bucket"]))


@pytest.mark.parametrize("text", _TERRAFORM_TEXTS)
def test_evaluated_expressions_are_checkovs_on_every_call(engine, text):
    from checkov.terraform.graph_builder.variable_rendering import evaluate_terraform as module

    memoised = module.evaluate_terraform
    original = memoised.__wrapped__
    for keep in (True, False):
        expected = original(text, keep)
        first = memoised(text, keep)
        assert first == expected
        if isinstance(first, (list, dict)):  # a caller that edits what it got changes no later answer
            first.clear()
        assert memoised(text, keep) == expected
