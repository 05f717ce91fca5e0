"""`mcpcloud mcp`: the stdio server as a subprocess, driven by the SDK client."""

from __future__ import annotations

import os
import sys

import pytest
from mcp import Client, StdioServerParameters

from tests.conftest import REPO, TEST_ENV
from tests.mcp.conftest import bearer

pytestmark = pytest.mark.anyio


def _server(key: str | None) -> StdioServerParameters:
    env = {**os.environ, **TEST_ENV}
    env.pop("MCP_API_KEY", None)
    if key:
        env["MCP_API_KEY"] = key
    return StdioServerParameters(command=sys.executable, args=["-m", "services.gateway.cli", "mcp"], env=env,
                                 cwd=str(REPO))


async def test_the_stdio_server_serves_the_key_owners_tools_and_refuses_the_rest(database, keys):
    async with Client(_server(bearer(keys.viewer))) as client:
        names = {tool.name for tool in (await client.list_tools()).tools}
        assert names == {"get_run", "list_runs", "summarize", "search_knowledge"}
        listed = await client.call_tool("list_runs", {"limit": 3})
        assert not listed.is_error and listed.structured_content["limit"] == 3
        refused = await client.call_tool("request_change", {"text": "S3 버킷 만들어줘"})
        assert refused.is_error and "not available" in refused.content[0].text
        prompts = {prompt.name for prompt in (await client.list_prompts()).prompts}
        assert prompts == {"devops", "security", "sre"}


async def test_the_stdio_server_starts_a_run_for_a_requester(database, keys, workers):
    async with Client(_server(bearer(keys.requester))) as client:
        result = await client.call_tool("request_change", {
            "text": "Create a private S3 bucket for logs in Seoul with versioning", "wait_seconds": 60})
    run = result.structured_content["run"]
    assert run["status"] == "awaiting_approval" and run["requested_by"].startswith("requester-"), result.content


def test_without_a_key_the_stdio_server_exits_and_says_why(database):
    import subprocess

    server = _server(None)
    done = subprocess.run([server.command, *server.args], env=server.env, cwd=server.cwd, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "MCP_API_KEY" in done.stderr and done.stdout == ""
