"""`mcpcloud mcp`: the same MCP server on stdin/stdout, for hosts that start a local process.

The caller is the owner of the API key in `MCP_API_KEY`, resolved once at start: a host
config holds that key like any other secret. Logs go to stderr (stdout is the protocol).
The process talks to Postgres and the broker directly, as the gateway does.
"""

from __future__ import annotations

import logging
import sys

import anyio

from shared.settings import get_settings

from services.gateway.mcp import audit
from services.gateway.mcp.auth import principal_for_key, set_stdio_principal
from services.gateway.mcp.server import build_server


def run() -> int:
    settings = get_settings()
    logging.basicConfig(stream=sys.stderr, level=settings.log_level.upper(),
                        format="%(asctime)s %(levelname)s mcpcloud-mcp %(name)s: %(message)s")
    if settings.api_key is None:
        print("set MCP_API_KEY to your API key (`mcpcloud keys create NAME`) to serve MCP on stdio", file=sys.stderr)
        return 2
    principal = principal_for_key(settings.api_key.get_secret_value())
    if principal is None:
        print("MCP_API_KEY is unknown or revoked (or its principal is disabled)", file=sys.stderr)
        return 2
    set_stdio_principal(principal)
    logging.getLogger(__name__).info("serving MCP on stdio as %s (%s)", principal.name, principal.role.value)
    try:
        anyio.run(build_server().run_stdio_async)
    finally:
        audit.queued.flush()
    return 0
