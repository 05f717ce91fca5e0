"""The parser over the labelled set: every case's fields exactly as labelled (defaults included)."""

from __future__ import annotations

import pytest

from services.gateway.intents import parse_request

from tests.intents.labelled import actual_fields, differences, expected_fields, load_cases

CASES = load_cases()


def _param(case: dict) -> object:
    marks = [pytest.mark.xfail(reason=f"holdout miss: {case['known_gap']}", strict=True)] if case.get("known_gap") else []
    return pytest.param(case, id=case["id"], marks=marks)


def test_the_set_is_big_and_varied():
    assert len(CASES) >= 150
    splits = {c["split"] for c in CASES}
    assert splits == {"tune", "holdout"}
    assert sum(1 for c in CASES if "missing" in c["expect"]) >= 15
    assert sum(1 for c in CASES if c["expect"].get("ignored")) >= 15


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_labelled_request(case):
    parsed = parse_request(case["text"], persona=case.get("persona"))
    assert differences(expected_fields(case), actual_fields(parsed)) == {}
    if parsed.missing:
        assert parsed.intent is None and all(m.question for m in parsed.missing)
