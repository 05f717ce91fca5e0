"""The canonical form's line rewrites answer as the regular expressions they replaced.

``canonical.py`` used to compile a pattern for every label value and every module call
name of a request; a never-seen stack's names miss ``re``'s cache, so that was most of
the canonical step's own cost. Its string-level ``_value_at`` and its one-pattern
``_ReferenceRenamer`` are held here to the old patterns on arbitrary lines and names
(hypothesis): lines made of the characters that matter (quotes, ``=``, commas, ASCII
and Unicode white space, the key and the value themselves), keys with quotes and
spaces, names that are prefixes of each other or hold dots and spaces.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.policy.canonical import _ReferenceRenamer, _value_at

pytestmark = pytest.mark.policy_env


def _old_pattern(key: str, value: str, quoted_key: bool) -> re.Pattern[str]:
    name = rf'"?{re.escape(key)}"?' if quoted_key else re.escape(key)
    return re.compile(rf'^(\s*{name}\s*=\s*"){re.escape(value)}("\s*,?\s*)$')


def _old_rewrite(line: str, key: str, value: str, quoted_key: bool, replacement: str) -> str | None:
    pattern = _old_pattern(key, value, quoted_key)
    if not pattern.match(line):
        return None
    return pattern.sub(lambda m: f"{m.group(1)}{replacement}{m.group(2)}", line)


def _new_rewrite(line: str, key: str, value: str, quoted_key: bool, replacement: str) -> str | None:
    at = _value_at(line, key, value, quoted_key)
    return None if at is None else line[:at] + replacement + line[at + len(value):]


_KEYS = st.sampled_from(["name", "bucket_name", "stack", "kubernetes.io/role/elb", "a b", " k", "k ", 'x"y', "", "=",
                         "env"])
_VALUES = st.sampled_from(["kr-dev", "acme-board-b0", "a", "", " ", "x=y", "data set 0", "name", "a,b", "é"])
_PIECES = st.sampled_from([" ", "\t", "\u00a0", "\u2003", "\x1c", "\r", '"', "=", ",", "a", "-", "#", "\\"])


@st.composite
def _line(draw):
    key, value = draw(_KEYS), draw(_VALUES)
    parts = [draw(st.lists(_PIECES, max_size=3)), [draw(st.sampled_from(["", '"']))], [key],
             [draw(st.sampled_from(["", '"']))], draw(st.lists(_PIECES, max_size=3)),
             [draw(st.sampled_from(["=", "", "=="]))], draw(st.lists(_PIECES, max_size=3)),
             [draw(st.sampled_from(['"', "", "'"]))], [draw(st.sampled_from([value, value + "x", "", key]))],
             [draw(st.sampled_from(['"', "", '""']))], draw(st.lists(_PIECES, max_size=4))]
    line = "".join("".join(p) for p in parts)
    if draw(st.booleans()):  # fully random lines too
        line = "".join(draw(st.lists(st.one_of(_PIECES, st.sampled_from([key, value])), max_size=12)))
    return line, key, value


@settings(max_examples=4000, deadline=None)
@given(case=_line(), quoted_key=st.booleans())
def test_a_value_is_found_and_replaced_exactly_where_the_old_pattern_matched(case, quoted_key):
    line, key, value = case
    assert _new_rewrite(line, key, value, quoted_key, "canonlabel0") == _old_rewrite(
        line, key, value, quoted_key, "canonlabel0")


def test_the_lines_the_generator_writes_are_rewritten():
    assert _new_rewrite('  bucket_name        = "acme-board-apne1-b0"', "bucket_name", "acme-board-apne1-b0", False,
                        "canonlabel0") == '  bucket_name        = "canonlabel0"'
    assert _new_rewrite('      stack       = "kr-dev",', "stack", "kr-dev", True, "canonlabel1") == (
        '      stack       = "canonlabel1",')
    assert _new_rewrite('    "kubernetes.io/role/elb" = "1"', "kubernetes.io/role/elb", "1", True, "p") == (
        '    "kubernetes.io/role/elb" = "p"')
    assert _new_rewrite('  bucket_name = "acme" # a comment', "bucket_name", "acme", False, "p") is None


def _old_renamed(text: str, renames: dict[str, str]) -> tuple[str, bool]:
    for original, canonical in renames.items():
        text = re.sub(rf"(?<![\w.-])module\.{re.escape(original)}(?![\w-])", f"module.{canonical}", text)
    left = any(re.search(rf"(?<![\w.-])module\.{re.escape(original)}(?![\w-])", text) for original in renames)
    return text, left


_NAMES = st.sampled_from(["vpc", "eks", "bucket", "bucket_2", "bucket-2", "b", "bucket_acme-board-b0", "x.y", "a module.x",
                          "x", "é", "ü_1"])
_TEXT_PIECES = st.one_of(_NAMES.map(lambda n: f"module.{n}"), st.sampled_from(
    [" ", ".", "-", "_", "a", "[0]", ".id", "\n", "${", "}", "module.", "xmodule.", "= ", "2", "s"]))


@settings(max_examples=3000, deadline=None)
@given(names=st.lists(_NAMES, min_size=1, max_size=5, unique=True), pieces=st.lists(_TEXT_PIECES, max_size=20))
def test_references_are_renamed_as_renaming_each_name_in_turn_did(names, pieces):
    renames = {name: f"canonical_{i}" for i, name in enumerate(names)}
    text = "".join(pieces)
    renamer = _ReferenceRenamer(renames)
    renamed = renamer.rename(text)
    assert (renamed, renamer.left_in(renamed)) == _old_renamed(text, renames)


def test_a_name_that_holds_a_reference_to_another_is_renamed_as_before():
    """One pattern for both would rename the longer name's whole text; in turn, the
    first name's reference inside it is renamed first and the longer name then is not."""
    renames = {"x": "canonical_0", "a module.x": "canonical_1"}
    renamer = _ReferenceRenamer(renames)
    assert renamer.rename("module.a module.x") == _old_renamed("module.a module.x", renames)[0] == (
        "module.a module.canonical_0")


def test_terraform_identifiers_share_one_pattern_and_other_names_do_not():
    assert len(_ReferenceRenamer({"vpc": "canonical_0", "bucket_a-1": "canonical_1"}).patterns) == 1
    assert len(_ReferenceRenamer({"vpc": "canonical_0", "x.y": "canonical_1"}).patterns) == 2
