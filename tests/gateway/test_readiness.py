"""A real gateway process with a store or the broker down: it says which, and loses nothing."""

from __future__ import annotations

import time
import uuid

import httpx

from sqlalchemy import select

from shared.db.models import Outbox, Run
from shared.db.session import session_scope

from tests.conftest import free_port, gateway_server, wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _gateway(**env: str):
    """A real gateway process (uvicorn) with the test settings plus `env`."""
    return gateway_server("gateway-readiness", **env)


def _wait_up(port: int) -> httpx.Response:
    """Wait for a gateway process to answer /readyz; return that answer."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        except httpx.TransportError:
            assert time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.3)


def test_readyz_is_503_and_names_neo4j_when_neo4j_is_down(database):
    with _gateway(MCP_NEO4J_URI=f"bolt://127.0.0.1:{free_port()}") as server:
        port = server.port
        response = _wait_up(port)
        assert response.status_code == 503
        body = response.json()
        assert body["down"] == ["neo4j"], body
        assert body["checks"]["postgres"] == "ok" and body["checks"]["redis"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


def test_a_request_while_the_broker_is_down_is_recorded_queued_and_runs_later(database, api, workers, keys):
    """202 with the run `queued`: its chain waits in the outbox and is sent by a relay that
    reaches the broker (here the in-process gateway's background relay)."""
    with _gateway(MCP_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0", MCP_REAPER_INTERVAL_SECONDS="0") as server:
        port = server.port
        _wait_up(port)
        body = with_stack(PRIVATE_LOGS_BUCKET, "logs-no-broker")
        response = httpx.post(f"http://127.0.0.1:{port}/api/v1/requests", json=body, headers=keys.requester, timeout=60)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "queued"
        run_id = uuid.UUID(response.json()["id"])
        with session_scope() as session:
            pending = session.scalars(select(Outbox).where(Outbox.run_id == run_id)).one()
            assert pending.reason == "run.create"
            if pending.sent_at is None:  # as a rule: the relay takes rows a second old
                assert "Connection refused" in (pending.last_error or ""), pending.last_error
                assert session.get(Run, run_id).status == "queued"  # recorded, not lost, not failed
            else:  # a slow machine: the in-process gateway's relay already sent it, after the refused send
                assert pending.attempts >= 2, (pending.attempts, pending.last_error)
    run = wait_for_status(api, keys.viewer, str(run_id), {"awaiting_approval", "blocked", "failed"}, timeout=180)
    assert run["status"] == "awaiting_approval", run
    with session_scope() as session:
        assert session.scalars(select(Outbox).where(Outbox.run_id == run_id)).one().sent_at is not None
