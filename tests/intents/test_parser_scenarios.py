"""Every text of the scenario requests (scenario_requests.yaml) parsed to the intent it expects."""

from __future__ import annotations

import pytest
import yaml

from shared.examples import SCENARIOS

from services.gateway.intents import IntentDefaults, parse_request

from tests.intents.labelled import SCENARIOS as SCENARIO_FILE

REQUESTS = {item["id"]: item for item in yaml.safe_load(SCENARIO_FILE.read_text(encoding="utf-8"))}


def _flat(intent) -> dict:
    data = intent.model_dump(mode="json")
    return {**data, "app": data["app"]["name"] if data.get("app") else None,
            "resource": "s3_bucket" if data["buckets"] else None}


@pytest.mark.parametrize("scenario", [s for s in REQUESTS if "intent" in REQUESTS[s]["expect"] and s != "eks-app-short"
                                      and s != "review-then-actions"])
def test_scenario_text_gives_its_expected_intent(scenario):
    request = REQUESTS[scenario]
    parsed = parse_request(request["text"], persona=request["persona"])
    expected = request["expect"]["intent"]
    if expected.get("action") == "summarize":
        assert parsed.kind == "query" and parsed.intent is None and parsed.missing == []
        return
    assert parsed.missing == [] and parsed.kind == "change"
    flat = _flat(parsed.intent)
    assert {key: flat[key] for key in expected} == expected


def test_the_short_eks_request_asks_for_the_app_in_korean():
    request = REQUESTS["eks-app-short"]
    parsed = parse_request(request["text"], persona=request["persona"])
    assert parsed.intent is None
    assert [(m.field, m.question) for m in parsed.missing] == [("app", "어떤 앱을 배포할까요? (이미지와 태그, 예: nginx:1.27.3)")]
    assert {k: parsed.understood[k] for k in ("cloud", "platform", "action")} == {"cloud": "aws", "platform": "eks",
                                                                                  "action": "deploy"}


def test_review_then_actions_reviews_the_latest_run_under_the_security_persona():
    request = REQUESTS["review-then-actions"]
    alone = parse_request(request["text"], persona=request["persona"])
    assert [m.field for m in alone.missing] == ["target"]  # nothing earlier to review: asked, not guessed
    previous = SCENARIOS["eks-nginx-argocd"]
    defaults = IntentDefaults(previous=previous, previous_source="your latest run 1234")
    parsed = parse_request(request["text"], persona=request["persona"], defaults=defaults)
    assert parsed.persona == "security" and parsed.missing == []
    assert (parsed.intent.action, parsed.intent.ci) == ("review_and_deploy", "github_actions")
    assert parsed.intent.target == previous.target
    assert {"field": "target", "value": previous.target, "source": "your latest run 1234"} in [
        d.model_dump() for d in parsed.defaulted]


def test_scenario_texts_match_the_example_intents_where_the_text_says_so():
    """The texts of shared/examples.py's scenarios read as those intents in every field the text gives."""
    parsed = parse_request(REQUESTS["root-pod"]["text"]).intent
    example = SCENARIOS["root-pod"]
    assert (parsed.app.name, parsed.app.image, parsed.app.tag, parsed.app.namespace, parsed.environment, parsed.stack) == (
        example.app.name, example.app.image, example.app.tag, example.app.namespace, example.environment, example.stack)
    assert parsed.app.run_as_root and parsed.app.privileged
    logs = parse_request(REQUESTS["private-logs-bucket"]["text"]).intent
    assert (logs.stack, logs.buckets[0].name, logs.buckets[0].versioning) == ("app-logs", "mcp-app-logs-apne2", True)
