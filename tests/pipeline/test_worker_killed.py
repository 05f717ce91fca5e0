"""A worker killed mid-step loses nothing: the reaper re-sends the step within 30 s.

The broker's visibility timeout is 300 s here, as in production, so the step can only
come back that fast through its lease: the killed worker's heartbeat stops, the
gateway's reaper (shared/reaper.py) sees it after `step_lease_seconds` and re-sends the
step and the rest of its chain. The step is recorded once, and the run goes on.
"""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from shared.db.models import AuditLog
from shared.db.session import session_scope

from tests.conftest import TEST_ENV, wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

SLOW_STEP_SECONDS = 60
RECOVERY_TARGET_SECONDS = 30


def _step(api, headers, run_id: str, name: str) -> dict | None:
    run = api.get(f"/api/v1/runs/{run_id}", headers=headers).json()
    return next((step for step in run["steps"] if step["name"] == name), None)


def test_terraform_worker_killed_mid_step_is_running_again_within_30s(api, workers, keys):
    assert int(TEST_ENV["MCP_BROKER_VISIBILITY_TIMEOUT"]) >= 300  # recovery cannot come from the broker
    slow = workers.restart("terraform", MCP_FAULT_STEP_DELAY=json.dumps({"terraform.generate": SLOW_STEP_SECONDS}))
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-killed"),
                      headers=keys.requester).json()["id"]

    deadline = time.monotonic() + 90
    while (step := _step(api, keys.viewer, run_id, "terraform.generate")) is None or step["status"] != "running":
        assert time.monotonic() < deadline, f"terraform.generate never started: {step}"
        time.sleep(0.2)
    slow.kill()  # SIGKILL of the process group, mid-step: the task was never acknowledged
    killed_at = time.monotonic()
    workers.restart("terraform")  # a supervisor brings the worker back (without the slowdown)

    while (step := _step(api, keys.viewer, run_id, "terraform.generate"))["attempts"] < 2:
        assert time.monotonic() - killed_at < 120, f"step not re-sent in 120 s: {step}"
        time.sleep(0.2)
    recovered = time.monotonic() - killed_at
    assert recovered < RECOVERY_TARGET_SECONDS, f"the step ran again only {recovered:.1f}s after the kill"

    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"}, timeout=180)
    assert run["status"] == "awaiting_approval", run
    generate = [step for step in run["steps"] if step["name"] == "terraform.generate"]
    assert len(generate) == 1  # one row for the step, however often it was delivered
    assert generate[0]["status"] == "succeeded"
    assert generate[0]["attempts"] == 2 and generate[0]["executions"] == 2
    assert [step["name"] for step in run["steps"]].count("policy.validate") == 1
    with session_scope() as session:
        resumes = session.scalars(select(AuditLog).where(AuditLog.action == "run.resume",
                                                         AuditLog.target_id == run_id)).all()
    assert [entry.detail["from_step"] for entry in resumes] == ["terraform.generate"], [r.detail for r in resumes]
    assert "heartbeat stopped" in resumes[0].detail["why"]
