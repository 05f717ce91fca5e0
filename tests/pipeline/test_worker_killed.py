"""A worker killed mid-step loses nothing: the step runs again and is recorded once."""

from __future__ import annotations

import json
import time

from tests.conftest import TEST_ENV, wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

SLOW_STEP_SECONDS = 60


def _step(api, headers, run_id: str, name: str) -> dict | None:
    run = api.get(f"/api/v1/runs/{run_id}", headers=headers).json()
    return next((step for step in run["steps"] if step["name"] == name), None)


def test_terraform_worker_killed_mid_step_and_the_run_still_finishes(api, workers, keys):
    slow = workers.restart("terraform", MCP_FAULT_STEP_DELAY=json.dumps({"terraform.generate": SLOW_STEP_SECONDS}))
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-killed"),
                      headers=keys.requester).json()["id"]

    deadline = time.monotonic() + 60
    while (step := _step(api, keys.viewer, run_id, "terraform.generate")) is None or step["status"] != "running":
        assert time.monotonic() < deadline, f"terraform.generate never started: {step}"
        time.sleep(0.2)
    slow.kill()  # SIGKILL, mid-step: the task was never acknowledged

    # Redis hands an unacknowledged task to a worker once its visibility timeout passed.
    time.sleep(int(TEST_ENV["MCP_BROKER_VISIBILITY_TIMEOUT"]) + 1)
    workers.restart("terraform")

    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"}, timeout=120)
    assert run["status"] == "awaiting_approval", run
    generate = [step for step in run["steps"] if step["name"] == "terraform.generate"]
    assert len(generate) == 1  # one row for the step, however often it was delivered
    assert generate[0]["status"] == "succeeded"
    assert generate[0]["attempts"] == 2 and generate[0]["executions"] == 2
    assert [step["name"] for step in run["steps"]].count("policy.validate") == 1
