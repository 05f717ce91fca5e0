"""A store outage delays runs but loses none, and records no step twice.

Each test starts its own Postgres and Redis (tests/pipeline/private_stack.py) so it can
stop them without touching the shared stores other sessions use.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.db.models import Outbox, RunStep

from tests.conftest import logs_dir
from tests.pipeline.private_stack import SETTLED, TERMINAL, PrivateStack


@pytest.fixture(scope="module")
def private_stack(stores):
    stack = PrivateStack(logs_dir() / "private-store-faults")
    try:
        yield stack.start()
    finally:
        stack.stop()


def _steps_recorded(stack: PrivateStack) -> int:
    with Session(stack.engine) as session:
        return session.scalar(select(func.count()).select_from(RunStep)) or 0


def test_postgres_stopped_for_six_seconds_mid_run_loses_no_run(private_stack):
    stack = private_stack
    run_ids = stack.submit(6, prefix="pg-outage")
    stop = threading.Event()
    approver = stack.approver(run_ids, stop)
    deadline = time.monotonic() + 120
    while _steps_recorded(stack) < 8:  # the runs are mid-chain
        assert time.monotonic() < deadline, "no steps recorded in 120 s"
        time.sleep(0.3)

    stack.pg.stop("fast")  # every connection of every worker and of the gateway is cut
    time.sleep(6)
    stack.pg.start()

    seen = stack.wait_settled(run_ids, TERMINAL, timeout=300)
    stop.set()
    approver.join(timeout=10)
    report = stack.report(run_ids)
    assert report["lost"] == [], report
    assert set(seen.values()) <= TERMINAL, report
    assert report["steps_recorded_twice"] == [], report
    assert report["duplicate_side_effects"] == [], report
    assert report["failed"] == [], report  # a six-second outage is waited out, not failed
    assert report["by_status"] == {"not_applied": len(run_ids)}, report


def test_approval_during_a_redis_outage_is_kept_and_runs_when_redis_is_back(private_stack):
    stack = private_stack
    [run_id] = stack.submit(1, prefix="redis-outage")
    assert stack.wait_settled([run_id], SETTLED, timeout=180)[run_id] == "awaiting_approval"

    stack.redis.stop()  # the broker and the event store are gone
    with stack.client() as client:
        started = time.monotonic()
        answer = client.post(f"/api/v1/runs/{run_id}/approve", headers=stack.keys["approver"])
        approve_seconds = time.monotonic() - started
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "applying"  # recorded; chain B waits in the outbox
        # a new request is recorded as queued too (202), never failed
        created = client.post("/api/v1/requests", headers=stack.keys["requester"], json=_body("redis-outage-new"))
        assert created.status_code == 202, created.text
        assert created.json()["status"] == "queued"
        new_id = created.json()["id"]
    assert approve_seconds < 15, approve_seconds
    with Session(stack.engine) as session:
        pending = session.scalars(select(Outbox.reason).where(Outbox.sent_at.is_(None))).all()
    assert sorted(pending) == ["run.approve", "run.create"], pending
    time.sleep(3)
    assert stack.statuses([run_id, new_id]) == {run_id: "applying", new_id: "queued"}

    stack.redis.start()  # the gateway's relay sends both chains
    stop = threading.Event()
    approver = stack.approver([new_id], stop)
    seen = stack.wait_settled([run_id, new_id], TERMINAL, timeout=240)
    stop.set()
    approver.join(timeout=10)
    assert seen == {run_id: "not_applied", new_id: "not_applied"}, stack.report([run_id, new_id])
    with Session(stack.engine) as session:
        assert session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) == 0


def test_a_step_running_through_a_postgres_restart_is_recorded_once(private_stack):
    """The step's lock lives on a connection the restart cuts: the heartbeat takes it again
    (or, if the reaper re-sent the step first, this execution drops its result): one row,
    one chain, the run goes on."""
    stack = private_stack
    stack.workers["terraform"].stop()
    offset = (stack.log_dir / "terraform.log").stat().st_size  # this test's lines only
    stack.start_worker("terraform", MCP_FAULT_STEP_DELAY=json.dumps({"terraform.generate": 20}))
    try:
        [run_id] = stack.submit(1, prefix="pg-mid-step")
        deadline = time.monotonic() + 120
        while _step_status(stack, run_id, "terraform.generate") != "running":
            assert time.monotonic() < deadline, "terraform.generate never started"
            time.sleep(0.3)
        time.sleep(3)
        stack.pg.stop("fast")
        time.sleep(6)
        stack.pg.start()
        seen = stack.wait_settled([run_id], SETTLED, timeout=240)
    finally:
        stack.workers["terraform"].stop()
        stack.start_worker("terraform")
    assert seen == {run_id: "awaiting_approval"}, stack.report([run_id])
    report = stack.report([run_id])
    assert report["steps_recorded_twice"] == [] and report["duplicate_side_effects"] == [], report
    log = (stack.log_dir / "terraform.log").read_text()[offset:]
    retaken = "holds its step lock again" in log
    dropped = "result dropped" in log
    assert retaken or dropped, "the lock connection was cut but neither retaken nor given up"
    with Session(stack.engine) as session:
        generate = session.scalars(select(RunStep).where(RunStep.name == "terraform.generate",
                                                         RunStep.run_id == run_id)).one()
    assert generate.status == "succeeded"
    assert generate.executions == (1 if retaken and not dropped else 2), (retaken, dropped, generate.executions)


def _step_status(stack: PrivateStack, run_id: str, name: str) -> str | None:
    with Session(stack.engine) as session:
        return session.scalar(select(RunStep.status).where(RunStep.run_id == run_id, RunStep.name == name))


def _body(stack: str) -> dict:
    from shared.examples import request_body

    body = request_body("private-logs-bucket")
    return {**body, "intent": {**body["intent"], "stack": stack}}


def test_gateway_answers_while_postgres_restarts_and_recovers(private_stack):
    """The gateway's own connections survive a restart (pool pre-ping): no request fails after it."""
    stack = private_stack
    stack.pg.stop("fast")
    stack.pg.start()
    with httpx.Client(base_url=stack.gateway.url, timeout=30) as client:
        answer = client.get("/api/v1/runs", headers=stack.keys["requester"])
    assert answer.status_code == 200, answer.text


def test_a_read_while_postgres_is_down_is_a_503_not_a_500(private_stack):
    """The caller learns the store is away and may retry; nothing pretends to have worked."""
    stack = private_stack
    stack.pg.stop("fast")
    try:
        with httpx.Client(base_url=stack.gateway.url, timeout=60) as client:
            answer = client.get("/api/v1/runs", headers=stack.keys["requester"])
    finally:
        stack.pg.start()
    assert answer.status_code == 503, answer.text
    assert "Postgres" in answer.json()["detail"] and answer.headers["retry-after"] == "5"
