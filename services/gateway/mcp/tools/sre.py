"""summarize: the latest runs, their failing steps and errors, for an SRE (bounded)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from typing import Literal

from shared.contracts.summary import MAX_RUNS, RunSummaryReport
from shared.db.models import Role

from services.gateway.mcp import backend
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of


async def summarize(
    ctx: Context,
    status: Annotated[str | None, Field(description=(
        "'failed' (failed or blocked runs), or one run status such as awaiting_approval"))] = None,
    stack: Annotated[str | None, Field(max_length=40, description="Only runs of this stack")] = None,
    focus: Annotated[list[Literal["status", "logs"]] | None, Field(
        description="'logs' adds every step's last log lines (failed steps always have theirs)")] = None,
    limit: Annotated[int, Field(ge=1, le=MAX_RUNS, description=f"How many of the latest runs (at most {MAX_RUNS})")] = 5,
    language: Annotated[Literal["en", "ko"], Field(description="Language of the summary text")] = "en",
) -> RunSummaryReport:
    """The latest runs, their steps, errors and log tails, as recorded (bounded: runs, characters, log lines)."""
    principal = principal_of(ctx)
    query = {"status": status, "stack": stack, "focus": focus, "limit": limit, "language": language}
    summary = await blocking(backend.summarize, principal, {k: v for k, v in query.items() if v}, limit)
    return CallToolResult(content=[TextContent(type="text", text=summary.text)],
                          structured_content=summary.model_dump(mode="json"))


SPECS = [
    spec(summarize, toolset="sre", role=Role.viewer, title="Summarize recent runs", read_only=True, idempotent=True),
]
