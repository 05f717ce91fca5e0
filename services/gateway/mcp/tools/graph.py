"""import_graph: load a Terraform state, `terraform show -json` output, a kubectl list or run
records into the infrastructure graph (admin).

The same code path as POST /api/v1/graph/import (`services.gateway.graph_service`): the same
request model and size limit, the same `rag.graph_import` task, one transaction in the rag
worker; importing the same file twice changes nothing, and a file the importer cannot read
is refused with the reason and nothing written.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from shared.contracts import GraphImportResult
from shared.db.models import Role

from services.gateway import graph_service
from services.gateway.celery_client import get_celery
from services.gateway.mcp.backend import ToolRefused
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of


def _import(content: str, filename: str, options: dict[str, str]) -> GraphImportResult:
    try:
        request = graph_service.build_request(content.encode("utf-8"), filename, **options)
        return graph_service.submit(get_celery(), request)
    except graph_service.ImportRefused as exc:
        raise ToolRefused(exc.message) from exc


async def import_graph(
    ctx: Context,
    content: Annotated[str, Field(min_length=2, description=(
        "The file's JSON text: Terraform state v4, `terraform show -json`, `kubectl get -o json` list or run records"))],
    filename: Annotated[str, Field(max_length=200, description="The file's name, quoted in messages")] = "",
    format: Literal["auto", "terraform-state", "terraform-show", "kubernetes", "runs"] = "auto",
    stack: Annotated[str, Field(max_length=200, description="Stack target cloud/region/env/name the resources belong to")] = "",
    account: Annotated[str, Field(max_length=64, description="Cloud account, when the state has no ARNs")] = "",
    region: Annotated[str, Field(max_length=40, description="Region, when the state has no ARNs")] = "",
    cluster: Annotated[str, Field(max_length=100, description="The cluster a kubectl list was read from")] = "",
    role: Literal["desired", "observed"] = "observed",
) -> GraphImportResult:
    """Import one file into the infrastructure graph in one transaction (idempotent): counts of nodes and relationships."""
    principal_of(ctx)
    options = {"format": format, "stack": stack, "account": account, "region": region, "cluster": cluster, "role": role}
    result = await blocking(_import, content, filename, options)
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.kinds.items()))
    text = (f"imported {result.format}: {result.nodes} nodes ({result.nodes_created} new), {result.relationships} "
            f"relationships ({result.relationships_created} new){f'; {kinds}' if kinds else ''}")
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=result.model_dump(mode="json"))


SPECS = [
    spec(import_graph, toolset="graph", role=Role.admin, title="Import state into the infrastructure graph",
         read_only=False, idempotent=True),
]
