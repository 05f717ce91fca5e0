"""The `io.modelcontextprotocol/tasks` extension (2026-07-28, SEP-2663): a run as an MCP task.

A client that declares the extension on its request gets a task handle from request_change
as soon as the run is recorded, instead of a call held open for hours of approval wait.
The task id is the run id and the run's row in Postgres is the task's state, so a task
survives a gateway restart and every gateway replica answers `tasks/get` for it.

run status -> task status: queued/planning/validating/awaiting_approval/applying/verifying
-> working (statusMessage says which; awaiting_approval names the approve_run step);
cancelled -> cancelled; every other end -> completed, with get_run's result (a blocked,
rejected or failed run is a completed tool call whose result says so, isError true).
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp.server.extension import Extension, MethodBinding
from mcp.server.mcpserver import Context
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS, CallToolRequestParams, CallToolResult, RequestParams, TextContent
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from shared.db.models import Role, RunStatus

from services.gateway.mcp import backend
from services.gateway.mcp.auth import current_principal
from services.gateway.mcp.views import RunView, run_text

EXTENSION_ID = "io.modelcontextprotocol/tasks"
POLL_INTERVAL_MS = 2000
TASK_TOOLS = {"request_change"}
FAILED_ENDS = {RunStatus.failed.value, RunStatus.blocked.value, RunStatus.rejected.value}


def _declares(capabilities: Any) -> bool:
    extensions = getattr(capabilities, "extensions", None) or {}
    return EXTENSION_ID in extensions


def tasks_requested(ctx: Context) -> bool:
    """The client declared the extension on this (2026-07-28) request."""
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS and _declares(ctx.client_capabilities)


class TaskIdParams(RequestParams):
    task_id: str


class UpdateTaskParams(TaskIdParams):
    input_responses: dict[str, Any] | None = None


def task_state(view: RunView) -> dict[str, Any]:
    base = {"taskId": view.id, "createdAt": view.created_at.isoformat(), "lastUpdatedAt": view.updated_at.isoformat(), "ttlMs": None,
            "pollIntervalMs": POLL_INTERVAL_MS}
    status = RunStatus(view.status)
    if status is RunStatus.cancelled:
        return {**base, "status": "cancelled", "statusMessage": view.error or "run cancelled"}
    if status.terminal:
        result = CallToolResult(content=[TextContent(type="text", text=run_text(view))],
                                structured_content=view.model_dump(mode="json"),
                                is_error=view.status in FAILED_ENDS)
        return {**base, "status": "completed", "statusMessage": f"run {view.status}",
                "result": result.model_dump(mode="json", by_alias=True, exclude_none=True)}
    message = f"run {view.status}"
    if status is RunStatus.awaiting_approval:
        message += ": waiting for a second person with the approver role (approve_run or reject_run)"
    return {**base, "status": "working", "statusMessage": message}


def _principal(ctx: ServerRequestContext, role: Role):
    principal = current_principal(ctx.request)
    if principal is None or not principal.role.allows(role):
        raise MCPError(code=INVALID_PARAMS, message=f"this needs the {role.value} role")
    return principal


async def _view(task_id: str) -> RunView:
    try:
        return await anyio.to_thread.run_sync(backend.get_run, task_id)
    except backend.ToolRefused as exc:
        raise MCPError(code=INVALID_PARAMS, message=f"unknown task {task_id}: {exc}") from exc


async def get_task(ctx: ServerRequestContext, params: TaskIdParams) -> HandlerResult:
    _principal(ctx, Role.viewer)
    return {"resultType": "complete", **task_state(await _view(params.task_id))}


async def update_task(ctx: ServerRequestContext, params: UpdateTaskParams) -> HandlerResult:
    """Our tasks never wait for client input (approval is a second person's act), so answers are ignored."""
    _principal(ctx, Role.viewer)
    await _view(params.task_id)
    return {"resultType": "complete"}


async def cancel_task(ctx: ServerRequestContext, params: TaskIdParams) -> HandlerResult:
    principal = _principal(ctx, Role.requester)
    try:
        await anyio.to_thread.run_sync(backend.cancel, principal, params.task_id, "cancelled through tasks/cancel")
    except backend.ToolRefused as exc:
        raise MCPError(code=INVALID_PARAMS, message=str(exc)) from exc
    return {"resultType": "complete"}


class RunTasks(Extension):
    identifier = EXTENSION_ID

    def methods(self):
        versions = frozenset(MODERN_PROTOCOL_VERSIONS)
        return (
            MethodBinding("tasks/get", TaskIdParams, get_task, versions),
            MethodBinding("tasks/update", UpdateTaskParams, update_task, versions),
            MethodBinding("tasks/cancel", TaskIdParams, cancel_task, versions),
        )

    async def intercept_tool_call(self, params: CallToolRequestParams, ctx: ServerRequestContext,
                                  call_next: CallNext) -> HandlerResult:
        result = await call_next(ctx)
        if params.name not in TASK_TOOLS or ctx.protocol_version not in MODERN_PROTOCOL_VERSIONS:
            return result
        if not _declares(ctx.session.client_capabilities):
            return result
        structured = getattr(result, "structured_content", None) or {}
        run = structured.get("run") if structured.get("outcome") == "run" else None
        if getattr(result, "is_error", False) or not run:
            return result  # needs_input, an answer, or a refusal: an ordinary result
        return {"resultType": "task", **task_state(RunView.model_validate(run))}
