"""A real gateway process with a store or the broker down: it says which, and loses nothing."""

from __future__ import annotations

import time
import uuid

import httpx

from shared.db.models import Run
from shared.db.session import session_scope

from tests.conftest import free_port, gateway_server
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


def test_a_request_while_the_broker_is_down_gets_503_and_the_run_is_recorded_failed(database, keys):
    with _gateway(MCP_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0") as server:
        port = server.port
        _wait_up(port)
        body = with_stack(PRIVATE_LOGS_BUCKET, "logs-no-broker")
        response = httpx.post(f"http://127.0.0.1:{port}/api/v1/requests", json=body, headers=keys.requester, timeout=60)
        assert response.status_code == 503
        assert "broker is unavailable" in response.json()["detail"]
        run_id = response.json()["detail"].split("run ")[1].split(" ")[0]
        with session_scope() as session:
            run = session.get(Run, uuid.UUID(run_id))
            assert run.status == "failed" and "broker" in run.error  # recorded, not lost
