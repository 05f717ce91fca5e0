"""The event stream falls back to Postgres: a lost publish or a deleted stream never leaves a
client waiting, and it still ends at the run's terminal status."""

from __future__ import annotations

import json
import threading
import time
import uuid

import redis
from sqlalchemy import update

from shared.db.models import Run
from shared.db.session import session_scope
from shared.events import stream_key
from shared.settings import get_settings

from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _events(api, headers, url) -> list[dict]:
    with api.stream("GET", url, headers=headers) as stream:
        return [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]


def _waiting_run(api, keys, stack: str) -> dict:
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, stack), headers=keys.requester).json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval", run
    return run


def _published(client: redis.Redis, run_id: str, status: str, timeout: float = 30) -> None:
    """Wait for the worker's publish of `status`: it comes right after the commit a poll can see first."""
    deadline = time.monotonic() + timeout
    while True:
        bodies = [json.loads(fields[b"data"]) for _, fields in client.xrange(stream_key(run_id))]
        if any(body.get("event") == "run.status" and body.get("status") == status for body in bodies):
            return
        assert time.monotonic() < deadline, f"no run.status {status} event in the stream: {bodies}"
        time.sleep(0.1)


def test_a_deleted_stream_is_replayed_from_postgres(api, workers, keys):
    run = _waiting_run(api, keys, "sse-deleted-logs")
    client = redis.Redis.from_url(get_settings().redis_url)
    _published(client, run["id"], "awaiting_approval")  # else a late publish would recreate the stream
    client.delete(stream_key(run["id"]))

    events = _events(api, keys.viewer, f"/api/v1/runs/{run['id']}/events?until=awaiting_approval")
    assert {event["source"] for event in events} == {"postgres"}
    steps = [(event["step"], event["status"]) for event in events if event.get("event", "").startswith("step.")]
    assert steps == [(step["name"], step["status"]) for step in run["steps"]]
    assert events[-1] == {"event": "run.status", "run_id": run["id"], "status": "awaiting_approval", "source": "postgres"}


def test_a_lost_terminal_publish_still_ends_the_stream(api, workers, keys, monkeypatch):
    monkeypatch.setattr(get_settings(), "sse_silence_seconds", 0.5)
    run = _waiting_run(api, keys, "sse-lost-logs")

    def finish_without_publishing() -> None:  # a worker that wrote the row and died before publishing
        time.sleep(1.5)
        with session_scope() as session:
            session.execute(update(Run).where(Run.id == uuid.UUID(run["id"])).values(status="cancelled"))

    writer = threading.Thread(target=finish_without_publishing)
    writer.start()
    started = time.monotonic()
    events = _events(api, keys.viewer, f"/api/v1/runs/{run['id']}/events")
    writer.join()
    assert time.monotonic() - started < 10
    assert [e["status"] for e in events if e.get("event") == "run.status"][-2:] == ["awaiting_approval", "cancelled"]
    assert events[-1]["source"] == "postgres"
    assert "source" not in events[0]  # the stream itself was replayed first


def test_a_silence_longer_than_the_redis_socket_timeout_keeps_the_stream_open(api, workers, keys, monkeypatch):
    """The stream blocks on Redis for up to a silence (15 s by default) while a run waits on
    something slow (an approval, a workflow run); redis-py 8's 5 s socket timeout ended
    such a stream with an error instead of a ping."""
    monkeypatch.setattr(get_settings(), "sse_silence_seconds", 6.0)
    run = _waiting_run(api, keys, "sse-silent-logs")

    def finish_later() -> None:
        time.sleep(8)
        with session_scope() as session:
            session.execute(update(Run).where(Run.id == uuid.UUID(run["id"])).values(status="cancelled"))

    writer = threading.Thread(target=finish_later)
    writer.start()
    try:
        events = _events(api, keys.viewer, f"/api/v1/runs/{run['id']}/events")
    finally:
        writer.join()
    assert any(event == {} for event in events), events  # a ping after the first 6 s of silence
    assert [e["status"] for e in events if e.get("event") == "run.status"][-1] == "cancelled"
