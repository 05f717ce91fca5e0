"""Persona strictness is read from the config service at run time, without restarts."""

from __future__ import annotations

from tests.conftest import wait_for_status
from tests.scenarios import EKS_NGINX_ARGOCD, with_stack


def test_a_stricter_devops_persona_in_config_blocks_low_findings_then_relaxes_again(api, workers, keys):
    strict = {"key": "persona.devops", "scope": {"service": "policy"},
              "value": {"blocks_at": "LOW"}}
    created = api.post("/api/v1/config", json=strict, headers=keys.admin)
    assert created.status_code in (200, 201), created.text
    item = created.json()
    try:
        run_id = api.post("/api/v1/requests", json=with_stack(EKS_NGINX_ARGOCD, "persona-strict"),
                          headers=keys.requester).json()["id"]
        run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
        assert run["status"] == "blocked", run
        assert not [f for f in run["findings"] if f["blocking"]]  # blocked by strictness, not by a guardrail
        validate = next(step for step in run["steps"] if step["name"] == "policy.validate")
        assert "block at LOW (config persona.devops)" in validate["log"]
    finally:
        disabled = api.patch(f"/api/v1/config/{item['id']}", json={"version": item["version"], "enabled": False},
                             headers=keys.admin)
        assert disabled.status_code == 200, disabled.text

    run_id = api.post("/api/v1/requests", json=with_stack(EKS_NGINX_ARGOCD, "persona-relaxed"),
                      headers=keys.requester).json()["id"]
    assert wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})["status"] == \
        "awaiting_approval"
