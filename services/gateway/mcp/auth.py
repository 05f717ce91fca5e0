"""Who is calling: bearer tokens (API keys or OIDC JWTs) become a principal with a role.

The MCP SDK's bearer middleware calls `BearerTokenVerifier.verify_token` for every HTTP
request to /mcp; the principal travels in `AccessToken.claims` to the tool handlers, which
read it with `principal_from(ctx)`. Over stdio there is no HTTP request: the principal is
the one resolved once from `MCP_API_KEY` at start.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from shared.db.models import Role
from shared.db.session import session_scope

from services.gateway.auth import authenticate
from services.gateway.mcp.oidc import OidcVerifier, load_config

log = logging.getLogger(__name__)
PRINCIPAL_CLAIM = "mcpcloud_principal"


@dataclass(frozen=True)
class McpPrincipal:
    """The caller as the runs service sees it: `name` is the actor on runs, approvals and audit rows."""

    name: str
    role: Role
    kind: str  # "api_key" or "oidc"

    def allows(self, role: Role) -> bool:
        return self.role.allows(role)


def principal_for_key(key: str) -> McpPrincipal | None:
    with session_scope() as session:
        found = authenticate(session, key)
        return None if found is None else McpPrincipal(name=found.name, role=Role(found.role), kind="api_key")


class BearerTokenVerifier:
    """An API key (`mcp_…`) or a JWT from the configured OIDC issuer; anything else is refused."""

    def __init__(self) -> None:
        self._oidc = OidcVerifier()

    def _verify(self, token: str) -> AccessToken | None:
        token = token.strip()
        if not token:
            return None
        if token.count(".") == 2 and not token.startswith("mcp_"):
            config = load_config()
            if config is None:
                log.info("JWT refused: no OIDC issuer is configured (config key auth.oidc)")
                return None
            identity = self._oidc.verify(config, token)
            if identity is None:
                return None
            principal = McpPrincipal(name=identity.name, role=identity.role, kind="oidc")
            return AccessToken(token=token, client_id=identity.name, scopes=[identity.role.value],
                               expires_at=identity.expires_at, subject=identity.subject,
                               claims={"iss": identity.issuer, PRINCIPAL_CLAIM: asdict(principal)})
        principal = principal_for_key(token)
        if principal is None:
            return None
        return AccessToken(token=token, client_id=principal.name, scopes=[principal.role.value],
                           subject=principal.name, claims={PRINCIPAL_CLAIM: asdict(principal)})

    async def verify_token(self, token: str) -> AccessToken | None:
        return await anyio.to_thread.run_sync(self._verify, token)


_stdio_principal: McpPrincipal | None = None


def set_stdio_principal(principal: McpPrincipal) -> None:
    global _stdio_principal
    _stdio_principal = principal


def principal_from_token(token: AccessToken | None) -> McpPrincipal | None:
    raw: dict[str, Any] | None = (token.claims or {}).get(PRINCIPAL_CLAIM) if token else None
    if raw is None:
        return None
    return McpPrincipal(name=raw["name"], role=Role(raw["role"]), kind=raw["kind"])


def current_principal(request: Any = None) -> McpPrincipal | None:
    """The principal of this request: the HTTP request's bearer token, else the stdio principal."""
    user = getattr(request, "scope", {}).get("user") if request is not None else None
    token = getattr(user, "access_token", None) or get_access_token()
    return principal_from_token(token) or _stdio_principal
