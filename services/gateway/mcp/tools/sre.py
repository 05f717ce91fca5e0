"""summarize: the latest runs, their failing steps and errors, for an SRE (bounded)."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from shared.contracts import Persona
from shared.db.models import Role

from services.gateway.mcp import backend
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of
from services.gateway.mcp.views import SummaryView


async def summarize(
    ctx: Context,
    persona: Annotated[Persona | None, Field(description="Only runs of this persona")] = None,
    limit: Annotated[int, Field(ge=1, le=50, description="How many of the latest runs to look at")] = 10,
) -> SummaryView:
    """What happened lately: counts by status, the last run, and what failed where (from the run records)."""
    principal_of(ctx)
    summary = await blocking(backend.summarize, persona, limit)
    return CallToolResult(content=[TextContent(type="text", text=summary.text)],
                          structured_content=summary.model_dump(mode="json"))


SPECS = [
    spec(summarize, toolset="sre", role=Role.viewer, title="Summarize recent runs", read_only=True, idempotent=True),
]
