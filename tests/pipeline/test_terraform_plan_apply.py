"""With a terraform binary configured, a run plans before approval and applies after it.

The binary is a stand-in that answers like terraform (tests/fixtures/fake_terraform.py,
replaying recorded output); no cloud is reachable from here.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

FIXTURES = Path(__file__).resolve().parent.parent / "terraform" / "fixtures"
FAKE_TERRAFORM = Path(__file__).resolve().parent.parent / "fixtures" / "fake_terraform.py"


def test_plan_is_shown_before_approval_and_applied_only_after(api, workers, keys, tmp_path):
    calls = tmp_path / "terraform-calls.jsonl"
    workers.restart("terraform", MCP_TERRAFORM_BINARY=str(FAKE_TERRAFORM), FAKE_TF_FIXTURES=str(FIXTURES),
                    FAKE_TF_LOG=str(calls), MCP_TERRAFORM_WORK_DIR=str(tmp_path / "work"))
    try:
        run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-planned"),
                          headers=keys.requester).json()["id"]
        run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
        assert run["status"] == "awaiting_approval", run
        plan = next(step for step in run["steps"] if step["name"] == "terraform.plan")
        assert plan["status"] == "succeeded" and plan["detail"] == "Plan: 8 to add, 0 to change, 0 to destroy."
        assert "Terraform has been successfully initialized!" in plan["log"]
        assert [json.loads(line)["args"][0] for line in calls.read_text().splitlines()] == ["init", "plan", "show"]

        api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.approver).raise_for_status()
        run = wait_for_status(api, keys.viewer, run_id, {"succeeded", "not_applied", "failed"})
        apply = next(step for step in run["steps"] if step["name"] == "terraform.apply")
        assert apply["status"] == "succeeded", apply
        assert [json.loads(line)["args"][0] for line in calls.read_text().splitlines()][-1] == "apply"
        assert run["status"] == "succeeded", run  # a bucket-only change: applied is the whole change
        assert "Terraform: applied" in run["report"]["text"]
    finally:
        workers.restart("terraform")
