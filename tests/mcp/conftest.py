"""A real gateway process serving /mcp, and MCP SDK clients for it (streamable HTTP, bearer keys)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO, TEST_ENV, free_port


@dataclass(frozen=True)
class Gateway:
    url: str
    log: Path
    extra_env: dict[str, str]

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


def start_gateway(log_dir: Path, **env: str) -> tuple[subprocess.Popen, Gateway]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = log_dir / f"gateway-{port}.log"
    handle = open(log, "w")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "services.gateway.app:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env={**os.environ, **TEST_ENV, "MCP_GATEWAY_PUBLIC_URL": url, **env},
        stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"gateway did not start: {log.read_text()[-3000:]}")
        time.sleep(0.2)
    return process, Gateway(url=url, log=log, extra_env=env)


def stop_gateway(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def gateway(database, tmp_path_factory) -> Iterator[Gateway]:
    """One gateway process (uvicorn) for the MCP tests, with the test settings."""
    process, gw = start_gateway(tmp_path_factory.mktemp("mcp-gateway"), MCP_MCP_WAIT_SECONDS="60")
    try:
        yield gw
    finally:
        stop_gateway(process)


def bearer(headers: dict[str, str]) -> str:
    """The API key of one of the `keys` fixture's header dicts."""
    return headers["X-API-Key"]


@asynccontextmanager
async def mcp_client(url: str, token: str | None, *, headers: dict[str, str] | None = None, **options):
    """An MCP SDK client over streamable HTTP with `Authorization: Bearer <token>`."""
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    async with httpx2.AsyncClient(headers=sent, timeout=httpx2.Timeout(120, read=300)) as http:
        async with Client(streamable_http_client(url, http_client=http), **options) as client:
            yield client
