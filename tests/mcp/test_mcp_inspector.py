"""A second, independent MCP client: the MCP Inspector CLI (npm, tools/mcp-inspector) on the running gateway."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import REPO
from tests.mcp.conftest import bearer

INSPECTOR = REPO / "tools" / "mcp-inspector" / "node_modules" / ".bin" / "mcp-inspector"


def _inspector(gateway, key: str, tmp_path, *args: str) -> subprocess.CompletedProcess:
    if not INSPECTOR.exists():
        pytest.fail(f"{INSPECTOR} is missing: run scripts/bootstrap.sh (npm ci in tools/mcp-inspector)")
    return subprocess.run(
        [str(INSPECTOR), "--cli", gateway.mcp_url, "--transport", "http",
         "--header", f"Authorization: Bearer {key}", *args],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={**os.environ, "HOME": str(tmp_path), "MCP_CATALOG_PATH": str(tmp_path / "mcp.json")},
    )


def test_the_inspector_lists_tools_and_calls_one(gateway, keys, tmp_path):
    listed = _inspector(gateway, bearer(keys.viewer), tmp_path, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    names = {tool["name"] for tool in json.loads(listed.stdout)["tools"]}
    assert names == {"get_run", "list_runs", "summarize", "search_knowledge"}

    called = _inspector(gateway, bearer(keys.viewer), tmp_path, "--method", "tools/call", "--tool-name", "list_runs",
                        "--tool-arg", "limit=2")
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert result["isError"] is False and result["structuredContent"]["limit"] == 2


def test_the_inspector_sees_a_tool_error_and_no_tool_the_key_may_not_call(gateway, keys, tmp_path):
    bad_id = _inspector(gateway, bearer(keys.viewer), tmp_path, "--method", "tools/call",
                        "--tool-name", "get_run", "--tool-arg", "run_id=not-a-run")
    assert bad_id.returncode == 5, (bad_id.returncode, bad_id.stdout, bad_id.stderr)
    assert "is not a run id" in bad_id.stdout + bad_id.stderr
    hidden = _inspector(gateway, bearer(keys.viewer), tmp_path, "--method", "tools/call",
                        "--tool-name", "reject_run", "--tool-arg", "run_id=00000000-0000-0000-0000-000000000000")
    assert hidden.returncode == 5 and "reject_run" in hidden.stderr  # not listed for a viewer
