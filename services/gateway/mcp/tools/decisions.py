"""approve_run, reject_run: the second person's decision, with the same four-eyes rule as HTTP."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from shared.db.models import Role

from services.gateway.mcp import backend
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of
from services.gateway.mcp.views import RunView, run_text

Comment = Annotated[str | None, Field(max_length=2000, description="Why; stored with the decision")]


def _result(view: RunView) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=run_text(view))],
                          structured_content=view.model_dump(mode="json"))


async def approve_run(
    ctx: Context,
    run_id: Annotated[str, Field(description="The run awaiting approval")],
    content_sha256: Annotated[str | None, Field(pattern=r"^[0-9a-f]{64}$", description=(
        "The bundle_sha256 you reviewed (from get_run); the approval is refused if the files differ"))] = None,
    comment: Comment = None,
) -> RunView:
    """Approve a run someone else requested: its change is applied and deployed.

    Only a run awaiting approval with a passed guardrail verdict can be approved, never by its
    own requester. Pass content_sha256 to bind the approval to the files you read.
    """
    principal = principal_of(ctx)
    return _result(await blocking(backend.approve, principal, run_id, comment, content_sha256))


async def reject_run(
    ctx: Context,
    run_id: Annotated[str, Field(description="The run awaiting approval")],
    comment: Comment = None,
) -> RunView:
    """Reject a run awaiting approval: nothing is applied and the run ends rejected."""
    principal = principal_of(ctx)
    return _result(await blocking(backend.reject, principal, run_id, comment))


SPECS = [
    spec(approve_run, toolset="decisions", role=Role.approver, title="Approve a run", read_only=False,
         destructive=True, idempotent=False, open_world=True),
    spec(reject_run, toolset="decisions", role=Role.approver, title="Reject a run", read_only=False,
         destructive=True, idempotent=False),
]
