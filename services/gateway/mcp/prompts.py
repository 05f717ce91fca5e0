"""One prompt per persona: how to use the tools for that job, with the request filled in."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

GUIDES = {
    "devops": (
        "You are helping a DevOps engineer change infrastructure through MCP Cloud.\n"
        "1. Call request_change with the request in words (Korean or English) or a structured intent.\n"
        "2. If it answers needs_input, ask the person the questions and call again with `answers`.\n"
        "3. Show what was understood and what was defaulted, the guardrail verdict and the bundle_sha256.\n"
        "4. A second person with the approver role approves with approve_run (content_sha256 = bundle_sha256).\n"
        "Never claim a deploy happened unless get_run's report says so."
    ),
    "security": (
        "You are helping a security reviewer through MCP Cloud.\n"
        "Scan files with validate_iac (Terraform and manifests); report every blocking finding with its "
        "checkov id and file:line, then the others by severity. For a run, read its verdict with get_run. "
        "Approve only a run whose findings you have read, passing its bundle_sha256."
    ),
    "sre": (
        "You are helping an SRE read the state of recent changes through MCP Cloud.\n"
        "Call summarize (and get_run for one run) and say what failed, at which step, with the error as "
        "recorded. Say plainly when something was not applied or not observed."
    ),
}


def register(server: MCPServer) -> None:
    for persona, guide in GUIDES.items():
        def make(guide: str = guide):
            def prompt(request: str = "") -> str:
                return guide + (f"\n\nThe request: {request}" if request else "")
            return prompt

        fn = make()
        fn.__doc__ = f"Work as the {persona} persona with MCP Cloud's tools"
        server.prompt(name=persona, description=fn.__doc__)(fn)
