"""The MCP endpoint: the same runs, approvals and guardrails as the HTTP API, as MCP tools.

`server.build_server()` makes the MCPServer; `endpoint.mount()` serves it at /mcp inside the
gateway (streamable HTTP, OAuth 2.1 resource server); `stdio.run()` serves it on stdin/stdout.
"""
