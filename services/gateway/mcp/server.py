"""The MCPServer: the tools of `tools.TOOLS`, the gate, resources, prompts and the tasks extension."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from services.gateway.mcp import prompts, resources
from services.gateway.mcp.gate import gate
from services.gateway.mcp.tasks import RunTasks
from services.gateway.mcp.tools import TOOLS

INSTRUCTIONS = (
    "MCP Cloud turns infrastructure requests into guarded, approved changes. request_change starts a run "
    "(from words or a structured intent); a second person approves it with approve_run. get_run and "
    "list_runs follow runs; validate_iac scans files; search_knowledge searches the catalog, guardrails and "
    "runbooks; summarize reports recent runs; import_graph (admins) loads Terraform state or kubectl lists into "
    "the infrastructure graph."
)


def build_server() -> MCPServer:
    server = MCPServer("mcpcloud", title="MCP Cloud", version="0.1.0", instructions=INSTRUCTIONS,
                       extensions=[RunTasks()], middleware=[gate], log_level="WARNING")
    for spec in TOOLS.values():
        server.add_tool(spec.fn, name=spec.name, title=spec.title, annotations=spec.annotations,
                        structured_output=True)
    resources.register(server)
    prompts.register(server)
    return server
