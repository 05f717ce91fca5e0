"""The one door every MCP message passes: who may see and call which tool, and the audit row.

tools/list shows a caller only the tools their role, the read-only setting and the toolset
filter allow; tools/call of anything else is refused the same way (the tool is not there
for them). Every tool call, allowed or not, writes one audit_log row: principal, tool,
arguments with secrets redacted, result status and run id.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import anyio.to_thread
from mcp.server.context import CallNext, HandlerResult, ServerRequestContext
from mcp_types import CallToolResult, ListToolsResult, TextContent

from shared.settings import get_settings
from shared.storable import escaped, field_name, find_unstorable

from services.gateway.mcp import audit
from services.gateway.auth import Principal
from services.gateway.mcp.auth import current_principal
from services.gateway.mcp.tools import TOOLS, allowed

log = logging.getLogger(__name__)
TOOLSETS_HEADER = "x-mcp-toolsets"
READONLY_HEADER = "x-mcp-readonly"
_SECRET_KEY = re.compile(r"secret|password|passwd|token|api[_-]?key|authorization|credential|private", re.I)
_SECRET_VALUE = re.compile(r"^(mcp_[0-9a-f]+_\S+|eyJ[\w-]+\.[\w-]+\.[\w-]+|-----BEGIN [A-Z ]*PRIVATE KEY-----.*)$", re.S)
_KEEP_KEYS = {"idempotency_key"}
MAX_ARG_TEXT = 500


def redact(value: Any, key: str = "") -> Any:
    """Arguments as stored in the audit log: secrets replaced, file bodies reduced to their size."""
    if key and key not in _KEEP_KEYS and _SECRET_KEY.search(key):
        return "[redacted]"
    if key == "files" and isinstance(value, dict):
        return {path: f"{len(text) if isinstance(text, str) else 0} chars" for path, text in list(value.items())[:50]}
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value[:50]]
    if isinstance(value, str):
        if _SECRET_VALUE.match(value.strip()):
            return "[redacted]"
        return value if len(value) <= MAX_ARG_TEXT else value[:MAX_ARG_TEXT] + "…"
    return value


def visible_tools(request: Any, principal: Principal | None) -> set[str]:
    settings = get_settings()
    headers = getattr(request, "headers", None) or {}
    toolsets = set(settings.mcp_toolsets)
    if asked := headers.get(TOOLSETS_HEADER):
        toolsets &= {name.strip() for name in asked.split(",") if name.strip()}
    readonly = settings.mcp_readonly or headers.get(READONLY_HEADER, "").strip().lower() in ("1", "true", "yes")
    return allowed(principal.role if principal else None, readonly=readonly, toolsets=toolsets)


def _status_and_run(result: HandlerResult, arguments: dict[str, Any]) -> tuple[str, str | None]:
    data = result.model_dump(by_alias=True, mode="json") if hasattr(result, "model_dump") else dict(result or {})
    structured = data.get("structuredContent") or {}
    run_id = (structured.get("run") or {}).get("id") if isinstance(structured.get("run"), dict) else None
    run_id = run_id or (structured.get("id") if "steps" in structured else None) or arguments.get("run_id")
    if data.get("resultType") == "task":
        return "task", data.get("taskId")
    if data.get("resultType") == "input_required":
        return "input_required", run_id
    if data.get("isError"):
        return "error", run_id
    return structured.get("outcome", "ok"), run_id


def _error_text(result: HandlerResult) -> str | None:
    if isinstance(result, CallToolResult) and result.is_error:
        return " ".join(c.text for c in result.content if isinstance(c, TextContent))
    if isinstance(result, dict) and result.get("isError"):
        return " ".join(c.get("text", "") for c in result.get("content", []))
    return None


async def gate(ctx: ServerRequestContext, call_next: CallNext) -> HandlerResult:
    if ctx.method not in ("tools/list", "tools/call"):
        return await call_next(ctx)
    principal = current_principal(ctx.request)
    visible = visible_tools(ctx.request, principal)
    if ctx.method == "tools/list":
        result = await call_next(ctx)
        if isinstance(result, ListToolsResult):
            result.tools = [tool for tool in result.tools if tool.name in visible]
        elif isinstance(result, dict):
            result = {**result, "tools": [tool for tool in result.get("tools", []) if tool.get("name") in visible]}
        return result
    params = ctx.params or {}
    name, arguments = str(params.get("name", "")), dict(params.get("arguments") or {})
    shown = escaped(redact(arguments))  # the audit row never holds a NUL or a lone surrogate
    if (found := find_unstorable({"name": name, "arguments": arguments})) is not None:
        # stdio callers reach here; over HTTP the gateway's request guard refused the body already
        loc, what = found
        message = f"invalid arguments: {field_name(loc)} holds {what}, which cannot be stored; remove it"
        await _audit(audit.row(principal, escaped(name), shown, "refused", None, message), durable=True)
        return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
    if name not in visible:
        role = principal.role.value if principal else "no"
        message = (f"tool {name!r} is not available to {principal.name if principal else 'an anonymous caller'} "
                   f"({role} role, or removed by the read-only/toolset settings); tools/list shows what is")
        await _audit(audit.row(principal, name, shown, "refused", arguments.get("run_id"), message), durable=True)
        return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)
    try:
        result = await call_next(ctx)
    except Exception as exc:
        await _audit(audit.row(principal, name, shown, "protocol_error", arguments.get("run_id"), str(exc)),
                     durable=True)
        raise
    status, run_id = _status_and_run(result, arguments)
    await _audit(audit.row(principal, name, shown, status, run_id, _error_text(result)), durable=TOOLS[name].writes)
    return result


async def _audit(entry, *, durable: bool) -> None:
    if durable:
        await anyio.to_thread.run_sync(audit.write_now, entry)
    else:
        audit.queued.put(entry)
