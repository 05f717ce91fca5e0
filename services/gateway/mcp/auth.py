"""Who is calling: bearer tokens (API keys or OIDC JWTs) become a principal with a role.

The MCP SDK's bearer middleware calls `BearerTokenVerifier.verify_token` for every HTTP
request to /mcp; the principal travels in `AccessToken.claims` to the tool handlers, which
read it with `principal_from(ctx)`. Over stdio there is no HTTP request: the principal is
the one resolved once from `MCP_API_KEY` at start.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import asdict
from typing import Any

import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.provider import AccessToken

from shared.db.models import PrincipalKind, Role
from shared.db.session import session_scope
from shared.settings import get_settings

from services.gateway.auth import Principal, create_principal, get_principal_row, resolve_principal
from services.gateway.mcp.oidc import OidcVerifier, TokenIdentity, load_config

log = logging.getLogger(__name__)
PRINCIPAL_CLAIM = "mcpcloud_principal"


def principal_for_key(key: str) -> Principal | None:
    with session_scope() as session:
        return resolve_principal(session, key)


def principal_for_identity(identity: TokenIdentity) -> Principal | None:
    """The principal row of a token's subject, made at its first call (just-in-time); a disabled one is refused.

    The role is the token's (the issuer's groups decide it, per call); the row gives the
    principal an id, so four eyes and idempotency compare ids exactly as for API keys.
    """
    with session_scope() as session:
        row = get_principal_row(session, identity.name)
        if row is None:
            row = create_principal(session, identity.name, identity.role, actor=f"oidc:{identity.issuer}",
                                   kind=PrincipalKind.user)
        if row.disabled_at is not None:
            log.info("JWT for %s refused: principal disabled", identity.name)
            return None
        return Principal(id=row.id, name=row.name, kind=PrincipalKind(row.kind), role=identity.role)


def _claims(principal: Principal) -> dict[str, Any]:
    raw = asdict(principal)
    return {**raw, "kind": principal.kind.value, "role": principal.role.value}


class BearerTokenVerifier:
    """An API key (`mcp_…`) or a JWT from the configured OIDC issuer; anything else is refused.

    A verified token's principal is kept for `mcp_token_cache_seconds` (never past a JWT's
    exp), so an agent's burst of calls costs one key lookup, not one per call; a revoked key
    or disabled principal stops working on /mcp within that time. Refusals are not cached.
    """

    MAX_CACHED = 4096

    def __init__(self) -> None:
        self._oidc = OidcVerifier()
        self._cache: dict[str, tuple[float, AccessToken]] = {}
        self._lock = threading.Lock()

    def _cached(self, digest: str) -> AccessToken | None:
        with self._lock:
            hit = self._cache.get(digest)
            if hit is None:
                return None
            if hit[0] <= time.monotonic():
                del self._cache[digest]
                return None
            return hit[1]

    def _remember(self, digest: str, token: AccessToken) -> None:
        ttl = get_settings().mcp_token_cache_seconds
        if token.expires_at is not None:
            ttl = min(ttl, token.expires_at - time.time())
        if ttl <= 0:
            return
        with self._lock:
            if len(self._cache) >= self.MAX_CACHED:
                self._cache.clear()
            self._cache[digest] = (time.monotonic() + ttl, token)

    def _verify_cached(self, token: str) -> AccessToken | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        found = self._cached(digest)
        if found is None:
            found = self._verify(token)
            if found is not None:
                self._remember(digest, found)
        return found

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
            principal = principal_for_identity(identity) if identity is not None else None
            if principal is None:
                return None
            return AccessToken(token=token, client_id=principal.name, scopes=[principal.role.value],
                               expires_at=identity.expires_at, subject=identity.subject,
                               claims={"iss": identity.issuer, PRINCIPAL_CLAIM: _claims(principal)})
        principal = principal_for_key(token)
        if principal is None:
            return None
        return AccessToken(token=token, client_id=principal.name, scopes=[principal.role.value],
                           subject=principal.name, claims={PRINCIPAL_CLAIM: _claims(principal)})

    async def verify_token(self, token: str) -> AccessToken | None:
        digest = hashlib.sha256(token.encode()).hexdigest()
        if (found := self._cached(digest)) is not None:
            return found
        return await anyio.to_thread.run_sync(self._verify_cached, token)


_stdio_principal: Principal | None = None


def set_stdio_principal(principal: Principal) -> None:
    global _stdio_principal
    _stdio_principal = principal


def principal_from_token(token: AccessToken | None) -> Principal | None:
    raw: dict[str, Any] | None = (token.claims or {}).get(PRINCIPAL_CLAIM) if token else None
    if raw is None:
        return None
    return Principal(id=raw["id"], name=raw["name"], kind=PrincipalKind(raw["kind"]), role=Role(raw["role"]),
                     key_name=raw.get("key_name"))


def current_principal(request: Any = None) -> Principal | None:
    """The principal of this request: the HTTP request's bearer token, else the stdio principal."""
    user = getattr(request, "scope", {}).get("user") if request is not None else None
    token = getattr(user, "access_token", None) or get_access_token()
    return principal_from_token(token) or _stdio_principal
