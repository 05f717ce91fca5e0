"""A run as an MCP task (io.modelcontextprotocol/tasks, SEP-2663): a handle at once, then tasks/get.

The client side here is written from the extension's specification (CreateTaskResult with
resultType "task", tasks/get polling), not from the server's code.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

import anyio
import pytest
from mcp.client.extension import ClientExtension, ResultClaim
from mcp_types import Request, RequestParams, Result

from tests.mcp.conftest import bearer, mcp_client
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

pytestmark = pytest.mark.anyio


class CreateTaskResult(Result):
    result_type: Literal["task"] = "task"
    task_id: str
    status: str
    status_message: str | None = None
    created_at: str
    last_updated_at: str
    ttl_ms: int | None = None
    poll_interval_ms: int | None = None


class GetTaskResult(Result):
    result_type: str | None = None
    task_id: str
    status: str
    status_message: str | None = None
    result: dict[str, Any] | None = None


class TaskIdParams(RequestParams):
    task_id: str


class TasksClient(ClientExtension):
    identifier = "io.modelcontextprotocol/tasks"

    def claims(self):
        async def not_resolved(result, ctx):  # the test polls tasks/get itself
            raise AssertionError("call with allow_claimed=True")
        return [ResultClaim(result_type="task", model=CreateTaskResult, resolve=not_resolved)]


async def _get(client, task_id: str) -> GetTaskResult:
    request = Request[TaskIdParams, str](method="tasks/get", params=TaskIdParams(task_id=task_id))
    return await client.session.send_request(request, GetTaskResult)


async def test_a_task_capable_client_gets_a_task_at_once_and_follows_the_run_to_its_end(gateway, keys, workers):
    body = with_stack(PRIVATE_LOGS_BUCKET, f"task-logs-{uuid.uuid4().hex[:6]}")
    async with mcp_client(gateway.mcp_url, bearer(keys.requester), extensions=[TasksClient()]) as requester:
        handle = await requester.session.call_tool("request_change", {"intent": body["intent"]}, allow_claimed=True)
        assert isinstance(handle, CreateTaskResult) and handle.status == "working", handle
        uuid.UUID(handle.task_id)  # the task id is the run id
        with anyio.fail_after(90):
            while "awaiting_approval" not in ((task := await _get(requester, handle.task_id)).status_message or ""):
                assert task.status == "working", task
                await anyio.sleep(0.3)
        assert "approve_run" in task.status_message

    async with mcp_client(gateway.mcp_url, bearer(keys.approver)) as approver:
        run = (await approver.call_tool("get_run", {"run_id": handle.task_id})).structured_content
        approved = await approver.call_tool("approve_run", {"run_id": handle.task_id,
                                                            "content_sha256": run["bundle_sha256"]})
        assert not approved.is_error, approved.content

    async with mcp_client(gateway.mcp_url, bearer(keys.viewer), extensions=[TasksClient()]) as viewer:
        with anyio.fail_after(120):
            while (task := await _get(viewer, handle.task_id)).status == "working":
                await anyio.sleep(0.5)
    assert task.status == "completed", task
    final = task.result["structuredContent"]
    assert final["id"] == handle.task_id and final["status"] in ("succeeded", "not_applied") and final["report"]
    assert task.result["isError"] is False


async def test_a_client_without_the_extension_gets_an_ordinary_result(gateway, keys, workers):
    body = with_stack(PRIVATE_LOGS_BUCKET, f"notask-logs-{uuid.uuid4().hex[:6]}")
    async with mcp_client(gateway.mcp_url, bearer(keys.requester)) as client:
        result = await client.call_tool("request_change", {"intent": body["intent"], "wait_seconds": 0})
    assert result.structured_content["outcome"] == "run" and result.structured_content["run"]["id"]
