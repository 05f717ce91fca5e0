"""With a terraform binary configured, a run plans before approval and applies after it
exactly the saved plan that was approved; a plan made stale by a moved state is refused.

The binary is a stand-in that answers like terraform (tests/fixtures/fake_terraform.py,
replaying recorded output); no cloud is reachable from here. The real binary's state
backend, lock and stale-plan refusal are tested in tests/terraform/test_tf_state.py.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path

from shared.db.models import TerraformPlan
from shared.db.session import session_scope

from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

FIXTURES = Path(__file__).resolve().parent.parent / "terraform" / "fixtures"
FAKE_TERRAFORM = Path(__file__).resolve().parent.parent / "fixtures" / "fake_terraform.py"


def _fake(workers, tmp_path, calls: Path, **extra: str) -> None:
    workers.restart("terraform", MCP_TERRAFORM_BINARY=str(FAKE_TERRAFORM), FAKE_TF_FIXTURES=str(FIXTURES),
                    FAKE_TF_LOG=str(calls), MCP_TERRAFORM_WORK_DIR=str(tmp_path / "work"), **extra)


def _planned(api, keys, stack: str) -> dict:
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, stack), headers=keys.requester).json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval", run
    return run


def test_plan_is_shown_before_approval_and_applied_only_after(api, workers, keys, tmp_path):
    calls = tmp_path / "terraform-calls.jsonl"
    _fake(workers, tmp_path, calls)
    try:
        run = _planned(api, keys, "logs-planned")
        plan = next(step for step in run["steps"] if step["name"] == "terraform.plan")
        assert plan["status"] == "succeeded" and plan["detail"] == "Plan: 8 to add, 0 to change, 0 to destroy."
        assert "Terraform has been successfully initialized!" in plan["log"]
        assert "state: pg backend (schema_name=tfstate_" in plan["log"] and "mcpcloud@" not in plan["log"]
        assert [json.loads(line)["args"][0] for line in calls.read_text().splitlines()] == ["init", "plan", "show"]
        with session_scope() as session:  # the saved plan file is kept in Postgres for the apply
            saved = session.get(TerraformPlan, uuid.UUID(run["id"]))
            assert hashlib.sha256(saved.plan).hexdigest() == saved.sha256 == run["plan_sha256"]

        approved = api.post(f"/api/v1/runs/{run['id']}/approve", json={"content_sha256": run["content_sha256"]},
                            headers=keys.approver)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approvals"][0]["plan_sha256"] == run["plan_sha256"]
        run = wait_for_status(api, keys.viewer, run["id"], {"succeeded", "not_applied", "failed"})
        apply = next(step for step in run["steps"] if step["name"] == "terraform.apply")
        assert apply["status"] == "succeeded", apply
        assert f"applying saved plan {run['plan_sha256']}" in apply["log"]
        assert [json.loads(line)["args"] for line in calls.read_text().splitlines()][-1] == \
            ["apply", "-input=false", "-no-color", "-lock-timeout=60s", "tfplan"]
        assert run["status"] == "succeeded", run  # a bucket-only change: applied is the whole change
        assert "Terraform: applied" in run["report"]["text"]
    finally:
        workers.restart("terraform")


def test_a_plan_made_stale_by_a_moved_state_is_refused_at_apply(api, workers, keys, tmp_path):
    calls = tmp_path / "terraform-calls.jsonl"
    _fake(workers, tmp_path, calls)
    try:
        run = _planned(api, keys, "logs-stale")
        _fake(workers, tmp_path, calls, FAKE_TF_STALE="1")  # the state moves while the run waits for approval
        api.post(f"/api/v1/runs/{run['id']}/approve", headers=keys.approver).raise_for_status()
        run = wait_for_status(api, keys.viewer, run["id"], {"succeeded", "not_applied", "failed"})
        assert run["status"] == "failed"
        apply = next(step for step in run["steps"] if step["name"] == "terraform.apply")
        assert apply["status"] == "failed"
        assert "state moved since approval" in apply["detail"] and "nothing was applied" in apply["detail"]
        assert not [step for step in run["steps"] if step["name"] == "k8s.deploy" and step["status"] == "succeeded"]
    finally:
        workers.restart("terraform")


def test_a_binary_set_after_an_unplanned_approval_applies_nothing_and_says_why(api, workers, keys, tmp_path):
    run = _planned(api, keys, "logs-unplanned")  # planned by a worker without a terraform binary
    plan = next(step for step in run["steps"] if step["name"] == "terraform.plan")
    assert plan["status"] == "skipped" and "no terraform or tofu binary configured" in plan["detail"]
    calls = tmp_path / "terraform-calls.jsonl"
    _fake(workers, tmp_path, calls)
    try:
        api.post(f"/api/v1/runs/{run['id']}/approve", headers=keys.approver).raise_for_status()
        run = wait_for_status(api, keys.viewer, run["id"], {"succeeded", "not_applied", "failed"})
        apply = next(step for step in run["steps"] if step["name"] == "terraform.apply")
        assert apply["status"] == "skipped"
        assert apply["detail"].startswith("nothing applied: no plan was made before approval")
        assert not calls.exists()  # terraform was never called
    finally:
        workers.restart("terraform")
