"""/mcp in the gateway: streamable HTTP behind the bearer middleware, and RFC 9728 metadata.

The gateway is an OAuth 2.1 resource server: /mcp answers 401 with
`WWW-Authenticate: Bearer resource_metadata="<url>"` to a request without a valid token,
and the metadata (`/.well-known/oauth-protected-resource` and its /mcp path form) names
the authorization server configured in the config service (`auth.oidc.issuer`), if any.
The session manager is made anew in each gateway lifespan (an SDK session manager runs
once), and the route delegates to the current one.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from urllib.parse import urlparse

import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from shared.settings import get_settings

from services.gateway.mcp import audit
from services.gateway.mcp.auth import BearerTokenVerifier
from services.gateway.mcp.oidc import load_config
from services.gateway.mcp.server import build_server

PATH = "/mcp"
METADATA_PATH = "/.well-known/oauth-protected-resource"


def resource_url() -> str:
    return get_settings().gateway_public_url.rstrip("/") + PATH


def metadata_url() -> str:
    parsed = urlparse(resource_url())
    return f"{parsed.scheme}://{parsed.netloc}{METADATA_PATH}{parsed.path}"


def protected_resource_metadata() -> dict:
    try:
        config = load_config()
    except Exception:  # noqa: BLE001 - a broken entry must not hide the rest of the metadata
        config = None
    body = {"resource": resource_url(), "bearer_methods_supported": ["header"], "resource_name": "MCP Cloud",
            "scopes_supported": ["viewer", "requester", "approver", "admin"]}
    if config is not None:
        body["authorization_servers"] = [config.issuer]
    return body


def _security() -> TransportSecuritySettings:
    settings = get_settings()
    public = urlparse(settings.gateway_public_url)
    hosts = list(settings.mcp_allowed_hosts)
    if public.netloc and public.netloc not in hosts:
        hosts.append(public.netloc)
    origins = list(settings.mcp_allowed_origins)
    if f"{public.scheme}://{public.netloc}" not in origins:
        origins.append(f"{public.scheme}://{public.netloc}")
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts,
                                     allowed_origins=origins)


class McpEndpoint:
    """The ASGI app at /mcp; `app` is set while the gateway's lifespan runs."""

    def __init__(self) -> None:
        self.app = None
        self.verifier = BearerTokenVerifier()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.app is None:
            response = JSONResponse({"detail": "the MCP endpoint is not running (gateway starting or stopping)"},
                                    status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @asynccontextmanager
    async def running(self):
        server = build_server()
        server.streamable_http_app(streamable_http_path=PATH, transport_security=_security())  # makes the manager
        manager = server.session_manager
        guarded = RequireAuthMiddleware(StreamableHTTPASGIApp(manager), [], metadata_url())
        app = AuthenticationMiddleware(AuthContextMiddleware(guarded), backend=BearerAuthBackend(self.verifier))
        async with manager.run():
            self.app = app
            try:
                yield
            finally:
                self.app = None
                await anyio.to_thread.run_sync(audit.queued.flush)


endpoint = McpEndpoint()


def mount(app: FastAPI) -> None:
    """Serve /mcp and the protected resource metadata on the gateway app."""
    app.router.routes.append(Route(PATH, endpoint=endpoint))

    @app.get(METADATA_PATH, include_in_schema=False)
    @app.get(METADATA_PATH + PATH, include_in_schema=False)
    def resource_metadata() -> JSONResponse:
        return JSONResponse(protected_resource_metadata())
