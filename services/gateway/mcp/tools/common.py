"""What every tool handler shares: who is calling, and running blocking service code off the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from services.gateway.auth import Principal
from services.gateway.mcp.auth import current_principal
from services.gateway.mcp.backend import ToolRefused

T = TypeVar("T")


def principal_of(ctx: Context) -> Principal:
    principal = current_principal(ctx.request_context.request)
    if principal is None:  # the gate refuses earlier; this keeps a handler from ever running anonymous
        raise ToolError("not authenticated: send 'Authorization: Bearer <API key or token>'")
    return principal


async def blocking(fn: Callable[..., T], *args: Any) -> T:
    """Run a service call in a thread; a refusal the caller can fix becomes a tool error with its message."""
    try:
        return await anyio.to_thread.run_sync(fn, *args)
    except ToolRefused as exc:
        raise ToolError(str(exc)) from exc
