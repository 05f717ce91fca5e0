"""Destroy requests (Action.destroy, from the trust area): only a stack the caller built and named."""

from __future__ import annotations

import pytest

from shared.contracts.intent import Action
from shared.examples import SCENARIOS

from services.gateway.intents import IntentDefaults, parse_request

pytestmark = pytest.mark.skipif(not hasattr(Action, "destroy"), reason="Action.destroy is not in this branch's contract")
LATEST = IntentDefaults(previous=SCENARIOS["public-website-bucket"], previous_source="your latest run 42")


@pytest.mark.parametrize("text", ["website 스택 삭제해줘", "Destroy the website stack", "tear down stack website"])
def test_a_named_stack_of_the_latest_run_is_destroyed(text):
    parsed = parse_request(text, defaults=LATEST)
    assert parsed.missing == [] and parsed.intent.action == "destroy" and parsed.intent.stack == "website"
    assert parsed.intent.buckets == SCENARIOS["public-website-bucket"].buckets


@pytest.mark.parametrize("text", ["삭제해줘 스택", "Destroy it", "Destroy the payments stack"])
def test_an_unnamed_or_unknown_stack_is_asked(text):
    parsed = parse_request(text, defaults=LATEST)
    assert parsed.intent is None and [m.field for m in parsed.missing] == ["target"]


@pytest.mark.parametrize("text", ["Remove public access from the bucket for logs", "버킷 공개 설정 빼고 로그용 버킷 만들어줘"])
def test_removing_a_setting_is_not_a_destroy(text):
    parsed = parse_request(text, defaults=LATEST)
    assert parsed.intent is None or parsed.intent.action != "destroy"
