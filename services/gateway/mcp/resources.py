"""Resources: run reports, generated files and the catalog's vetted modules, read by URI.

    mcpcloud://runs/{run_id}/report            the run's report and facts (JSON)
    mcpcloud://runs/{run_id}/artifacts/{path}  one generated file (path with '/' as '%2F' or plain)
    mcpcloud://catalog/modules                 the vetted module catalog: names, clouds, inputs
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import anyio.to_thread
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from shared.contracts import RunMessage
from shared.db.session import session_scope

from services.gateway import runs_service
from services.gateway.mcp.auth import current_principal
from services.gateway.mcp.backend import ToolRefused, _run_id


def _message(run_id: str) -> RunMessage:
    try:
        with session_scope() as session:
            run = runs_service.get_run(session, _run_id(run_id))
            if run is None:
                raise ResourceError(f"run {run_id} not found")
            return RunMessage.model_validate(run.message)
    except ToolRefused as exc:
        raise ResourceError(str(exc)) from exc


def _require_principal() -> None:
    if current_principal() is None:
        raise ResourceError("not authenticated")


def report(run_id: str) -> str:
    _require_principal()
    message = _message(run_id)
    if message.report is None:
        raise ResourceError(f"run {run_id} has no report yet (it is written when the run ends)")
    return json.dumps(message.report.model_dump(mode="json"), ensure_ascii=False)


def artifact(run_id: str, path: str) -> str:
    _require_principal()
    wanted, bundle = unquote(path), _message(run_id).bundle
    for file in (bundle.files if bundle else []):
        if file.path == wanted:
            return file.content
    raise ResourceError(f"run {run_id} has no artifact {wanted!r}")


def catalog_modules() -> str:
    _require_principal()
    from shared.catalog import load_catalog

    return json.dumps([module.model_dump(mode="json") for module in load_catalog().values()], ensure_ascii=False)


def register(server: MCPServer) -> None:
    async def report_resource(run_id: str) -> str:
        return await anyio.to_thread.run_sync(report, run_id)

    async def artifact_resource(run_id: str, path: str) -> str:
        return await anyio.to_thread.run_sync(artifact, run_id, path)

    async def catalog_resource() -> str:
        return await anyio.to_thread.run_sync(catalog_modules)

    server.resource("mcpcloud://runs/{run_id}/report", name="run-report", mime_type="application/json",
                    description="A run's report: what was observed, and its facts")(report_resource)
    server.resource("mcpcloud://runs/{run_id}/artifacts/{path}", name="run-artifact", mime_type="text/plain",
                    description="One generated file of a run (Terraform or a manifest)")(artifact_resource)
    server.resource("mcpcloud://catalog/modules", name="catalog-modules", mime_type="application/json",
                    description="The vetted Terraform modules requests are built from")(catalog_resource)
