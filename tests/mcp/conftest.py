"""A real gateway process serving /mcp, and MCP SDK clients for it (streamable HTTP, bearer keys)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import gateway_server


@dataclass(frozen=True)
class Gateway:
    url: str
    log: Path
    extra_env: dict[str, str]

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"


@pytest.fixture(scope="session")
def gateway(database, tmp_path_factory) -> Iterator[Gateway]:
    """One gateway process (uvicorn) for the MCP tests, with the test settings."""
    server = gateway_server("gateway-mcp", tmp_path_factory.mktemp("mcp-gateway"), MCP_MCP_WAIT_SECONDS="60")
    server.extra_env["MCP_GATEWAY_PUBLIC_URL"] = server.url  # its RFC 9728 metadata names its own address
    with server:
        yield Gateway(url=server.url, log=server.log_path, extra_env=server.extra_env)


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
