"""/readyz names the store that is down (a real gateway process pointed at a dead Neo4j)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

from tests.conftest import REPO, TEST_ENV


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readyz_is_503_and_names_neo4j_when_neo4j_is_down(database):
    port, dead = _free_port(), _free_port()
    env = {**os.environ, **TEST_ENV, "MCP_NEO4J_URI": f"bolt://127.0.0.1:{dead}"}
    gateway = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.gateway.app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "gateway did not start"
                time.sleep(0.3)
        assert response.status_code == 503
        body = response.json()
        assert body["down"] == ["neo4j"], body
        assert body["checks"]["postgres"] == "ok" and body["checks"]["redis"] == "ok"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
    finally:
        gateway.terminate()
        gateway.wait(timeout=20)
