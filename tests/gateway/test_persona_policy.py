"""The minimum persona is server-side policy from the config service: a request may raise
it, never lower it, and the run records which policy applied."""

from __future__ import annotations

import copy
import time

from shared.config.client import get_client

from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _in(environment: str, stack: str, persona: str) -> dict:
    body = copy.deepcopy(with_stack(PRIVATE_LOGS_BUCKET, stack))
    body["intent"]["environment"] = environment
    body["persona"] = persona
    return body


def test_a_prod_request_asking_for_devops_runs_as_security(api, keys):
    run = api.post("/api/v1/requests", json=_in("prod", "prod-logs", "devops"), headers=keys.requester)
    assert run.status_code == 202, run.text
    detail = run.json()
    assert (detail["persona_requested"], detail["persona_applied"], detail["persona"]) == \
        ("devops", "security", "security")
    assert detail["persona_policy"]["key"] == "policy.min_persona"
    assert detail["persona_policy"]["rule"] == "environments.prod"
    assert detail["persona_policy"]["minimum"] == "security"


def test_a_request_may_raise_the_persona_in_dev(api, keys):
    raised = api.post("/api/v1/requests", json=_in("dev", "dev-strict-logs", "security"), headers=keys.requester).json()
    assert (raised["persona_requested"], raised["persona_applied"]) == ("security", "security")
    plain = api.post("/api/v1/requests", json=_in("dev", "dev-plain-logs", "devops"), headers=keys.requester).json()
    assert (plain["persona_requested"], plain["persona_applied"]) == ("devops", "devops")
    assert plain["persona_policy"]["rule"] == "default"


def _wait_for_policy(expected_default: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        value = get_client().value("policy.min_persona", env="test", service="gateway")
        if (value or {}).get("default", "devops") == expected_default:
            return
        time.sleep(0.1)
    raise AssertionError(f"policy.min_persona default never became {expected_default}")


def test_an_operator_policy_in_config_raises_every_environment_and_is_recorded(api, keys):
    strict = {"key": "policy.min_persona", "scope": {"env": "test", "service": "gateway"},
              "value": {"default": "security"}}
    created = api.post("/api/v1/config", json=strict, headers=keys.admin)
    assert created.status_code in (200, 201), created.text
    item = created.json()
    try:
        _wait_for_policy("security")
        run = api.post("/api/v1/requests", json=_in("dev", "dev-policy-logs", "devops"), headers=keys.requester).json()
        assert (run["persona_requested"], run["persona_applied"]) == ("devops", "security")
        assert run["persona_policy"]["source"] == "config"
        assert run["persona_policy"]["scope"] == {"env": "test", "service": "gateway", "tenant": None}
    finally:
        disabled = api.patch(f"/api/v1/config/{item['id']}", json={"version": item["version"], "enabled": False},
                             headers=keys.admin)
        assert disabled.status_code == 200, disabled.text
    _wait_for_policy("devops")
    relaxed = api.post("/api/v1/requests", json=_in("dev", "dev-policy-after", "devops"), headers=keys.requester).json()
    assert relaxed["persona_applied"] == "devops"
