"""validate_iac: the guardrail verdict (checkov + our pack) on files, outside any run."""

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
from services.gateway.mcp.views import VerdictView


async def validate_iac(
    ctx: Context,
    files: Annotated[dict[str, str], Field(min_length=1, description=(
        "Relative path -> file text: Terraform (.tf) and Kubernetes manifests (.yaml)"))],
    persona: Annotated[Persona, Field(description="Whose strictness applies (security is strictest)")] = Persona.devops,
) -> VerdictView:
    """Scan Terraform and Kubernetes files: passed or blocked, with checkov ids and file:line."""
    principal_of(ctx)
    verdict = VerdictView.of(await blocking(backend.scan, files, persona))
    lines = [f"guardrails {verdict.status}: {verdict.checks_passed} checks passed, {verdict.checks_failed} failed, "
             f"{verdict.findings_total} findings ({verdict.scanner})"]
    lines += [f"{'BLOCKING ' if f.blocking else ''}{f.check_id} {f.location} {f.resource}: {f.message}"
              for f in verdict.findings]
    if verdict.findings_total > len(verdict.findings):
        lines.append(f"... {verdict.findings_total - len(verdict.findings)} more not shown")
    return CallToolResult(content=[TextContent(type="text", text="\n".join(lines))],
                          structured_content=verdict.model_dump(mode="json"))


SPECS = [
    spec(validate_iac, toolset="guardrails", role=Role.requester, title="Validate Terraform and manifests",
         read_only=True, idempotent=True),
]
