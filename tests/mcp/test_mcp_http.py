"""An MCP host over streamable HTTP against a real gateway process and the real workers."""

from __future__ import annotations

import time
import uuid

import anyio
import httpx
import pytest
from sqlalchemy import select

from shared.db.models import AuditLog
from shared.db.session import session_scope

from tests.mcp.conftest import bearer, mcp_client
from tests.scenarios import PRIVATE_LOGS_BUCKET, PUBLIC_WEBSITE_BUCKET, with_stack

pytestmark = pytest.mark.anyio
READ_TOOLS = {"get_run", "list_runs", "summarize", "search_knowledge"}
WRITE_TOOLS = {"request_change", "approve_run", "reject_run"}


def _stack(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:6]}"


async def _tool_names(url: str, token: str, **headers: str) -> set[str]:
    async with mcp_client(url, token, headers=headers) as client:
        return {tool.name for tool in (await client.list_tools()).tools}


async def test_each_role_sees_only_its_tools_and_every_tool_has_hints_and_an_output_schema(gateway, keys):
    assert await _tool_names(gateway.mcp_url, bearer(keys.viewer)) == READ_TOOLS
    assert await _tool_names(gateway.mcp_url, bearer(keys.requester)) == READ_TOOLS | {"request_change",
                                                                                      "validate_iac"}
    async with mcp_client(gateway.mcp_url, bearer(keys.approver)) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == READ_TOOLS | WRITE_TOOLS | {"validate_iac"}
    for tool in tools.values():
        assert tool.output_schema and tool.input_schema and tool.annotations
        hints = tool.annotations
        assert None not in (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint, hints.open_world_hint)
        assert hints.read_only_hint == (tool.name in READ_TOOLS | {"validate_iac"})
    assert tools["approve_run"].annotations.destructive_hint is True
    assert "content_sha256" in tools["approve_run"].input_schema["properties"]


async def test_read_only_and_toolset_headers_remove_tools_and_their_calls(gateway, keys):
    assert await _tool_names(gateway.mcp_url, bearer(keys.approver), **{"X-MCP-Readonly": "true"}) == (
        READ_TOOLS | {"validate_iac"})
    assert await _tool_names(gateway.mcp_url, bearer(keys.approver), **{"X-MCP-Toolsets": "sre"}) == {"summarize"}
    async with mcp_client(gateway.mcp_url, bearer(keys.approver), headers={"X-MCP-Readonly": "1"}) as client:
        result = await client.call_tool("reject_run", {"run_id": str(uuid.uuid4())})
    assert result.is_error and "not available" in result.content[0].text


async def test_without_a_token_the_server_answers_401_with_its_resource_metadata(gateway):
    response = httpx.post(gateway.mcp_url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                          headers={"Accept": "application/json, text/event-stream"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    metadata_url = f"{gateway.url}/.well-known/oauth-protected-resource/mcp"
    assert challenge.startswith("Bearer ") and f'resource_metadata="{metadata_url}"' in challenge
    metadata = httpx.get(metadata_url).json()
    assert metadata["resource"] == gateway.mcp_url and metadata["bearer_methods_supported"] == ["header"]
    assert httpx.get(f"{gateway.url}/.well-known/oauth-protected-resource").json() == metadata
    wrong = httpx.post(gateway.mcp_url, json={}, headers={"Authorization": "Bearer mcp_00000000_not-a-key"})
    assert wrong.status_code == 401


async def test_a_run_requested_over_mcp_reaches_approval_with_progress_and_is_approved_by_another_key(
        gateway, keys, workers):
    body = with_stack(PRIVATE_LOGS_BUCKET, _stack("mcp-logs"))
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as requester:
        result = await requester.call_tool("request_change", {"intent": body["intent"], "wait_seconds": 90},
                                           progress_callback=on_progress)
        assert not result.is_error, result.content
        outcome = result.structured_content
        run = outcome["run"]
        assert outcome["outcome"] == "run" and run["status"] == "awaiting_approval", run
        assert run["verdict"]["status"] == "passed" and len(run["bundle_sha256"]) == 64
        assert outcome["waited"].endswith("reached")
        assert any(message and message.startswith("policy.validate") for _, _, message in progress), progress

        own = await requester.call_tool("approve_run", {"run_id": run["id"]})
        assert own.is_error and "not available" in own.content[0].text  # a requester has no approve tool

    async with mcp_client(gateway.mcp_url, bearer(keys.viewer)) as viewer:
        refused = await viewer.call_tool("approve_run", {"run_id": run["id"]})
        assert refused.is_error
        listed = await viewer.call_tool("list_runs", {"limit": 5})
        assert run["id"] in {item["id"] for item in listed.structured_content["items"]}

    async with mcp_client(gateway.mcp_url, bearer(keys.approver)) as approver:
        stale = await approver.call_tool("approve_run", {"run_id": run["id"], "content_sha256": "0" * 64})
        assert stale.is_error and "not the " + "0" * 64 in stale.content[0].text
        approved = await approver.call_tool("approve_run", {"run_id": run["id"], "content_sha256": run["bundle_sha256"],
                                                            "comment": "read the bucket policy"})
        assert not approved.is_error, approved.content
        assert approved.structured_content["approvals"][0]["actor"].startswith("approver-")
        deadline = time.monotonic() + 120
        while True:
            final = (await approver.call_tool("get_run", {"run_id": run["id"]})).structured_content
            if final["status"] in ("succeeded", "not_applied", "failed") or time.monotonic() > deadline:
                break
            await anyio.sleep(0.5)
        assert final["status"] in ("succeeded", "not_applied"), final
        report = await approver.read_resource(f"mcpcloud://runs/{run['id']}/report")
        assert final["report"] and final["report"][:40] in report.contents[0].text

    over_http = httpx.get(f"{gateway.url}/api/v1/runs/{run['id']}", headers=keys.viewer).json()
    assert over_http["status"] == final["status"] and over_http["requested_by"] == run["requested_by"]
    assert over_http["report"]["text"] == final["report"]
    with session_scope() as session:
        calls = session.scalars(select(AuditLog).where(AuditLog.action == "mcp.tool_call",
                                                       AuditLog.target_id == run["id"])).all()
    seen = {(row.detail["tool"], row.detail["status"]) for row in calls}
    assert {("request_change", "run"), ("approve_run", "error"), ("approve_run", "ok")} <= seen, seen
    assert ("approve_run", "refused") in seen


async def test_a_blocked_request_shows_checkov_findings_with_file_and_line(gateway, keys, workers):
    body = with_stack(PUBLIC_WEBSITE_BUCKET, _stack("mcp-site"))
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as client:
        result = await client.call_tool("request_change", {"intent": body["intent"], "wait_seconds": 90})
    run = result.structured_content["run"]
    assert run["status"] == "blocked" and run["verdict"]["status"] == "blocked"
    blocking = [f for f in run["verdict"]["findings"] if f["blocking"]]
    assert blocking and all(":" in f["location"] and f["location"].split(":")[1].isdigit() for f in blocking)


async def test_validate_iac_returns_the_guardrail_verdict_and_redacts_the_files_in_the_audit_log(
        gateway, keys, workers):
    files = {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "x-open"\n  acl = "public-read"\n}\n'}
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as client:
        result = await client.call_tool("validate_iac", {"files": files, "persona": "security"})
    verdict = result.structured_content
    assert not result.is_error and verdict["status"] == "blocked"
    assert any(f["check_id"].startswith("CKV") and f["location"].startswith("main.tf:") for f in verdict["findings"])
    with anyio.fail_after(10):  # a read's audit row is written by the background writer
        while True:
            with session_scope() as session:
                rows = session.scalars(select(AuditLog).where(AuditLog.action == "mcp.tool_call")
                                       .order_by(AuditLog.id.desc()).limit(5)).all()
            if audit := next((r for r in rows if r.detail["tool"] == "validate_iac"), None):
                break
            await anyio.sleep(0.1)
    assert audit.detail["arguments"]["files"] == {"main.tf": f"{len(files['main.tf'])} chars"}
    assert audit.actor.startswith("requester-") and audit.detail["status"] == "ok"


async def test_a_2025_client_with_a_session_is_served_too(gateway, keys):
    async with mcp_client(gateway.mcp_url, bearer(keys.viewer), mode="legacy") as client:
        assert client.protocol_version.startswith("2025")
        result = await client.call_tool("summarize", {"limit": 3})
    assert not result.is_error and result.structured_content["text"].startswith(("Latest ", "No run matches"))
