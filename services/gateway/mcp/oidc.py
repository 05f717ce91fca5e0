"""JWTs from an OIDC issuer set in the config service (key `auth.oidc`), mapped to a principal.

The issuer, audience, keys (a JWKS URL or an inline JWKS) and the claim mapping live in
the config service so an operator can change them without a deploy; invalidation makes a
change visible at the next token. Verification is PyJWT's: signature, `iss`, `aud`, `exp`,
`nbf`. A token whose claims map to no role is refused (fail closed) unless the operator
set `default_role`.

    {"issuer": "https://idp.example.com", "audience": "http://127.0.0.1:8000/mcp",
     "jwks_url": "https://idp.example.com/.well-known/jwks.json",
     "principal_claim": "email", "role_claim": "groups",
     "role_map": {"platform-approvers": "approver", "platform-devs": "requester"}}
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import jwt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.db.models import Role

log = logging.getLogger(__name__)
CONFIG_KEY = "auth.oidc"
_ROLE_ORDER = [Role.viewer, Role.requester, Role.approver, Role.admin]


class OidcConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=1)
    audience: str | list[str] = Field(description="The aud this server accepts (its resource URL, RFC 8707)")
    jwks_url: str | None = None
    jwks: dict[str, Any] | None = Field(default=None, description="An inline JWKS: {\"keys\": [...]}")
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    principal_claim: str = "sub"
    role_claim: str = "roles"
    role_map: dict[str, Role] = Field(default_factory=dict, description="claim value -> role")
    default_role: Role | None = None
    name_prefix: str = Field(default="oidc:", description="Keeps token principals apart from API key names")
    leeway_seconds: int = Field(default=30, ge=0, le=300)

    @model_validator(mode="after")
    def _one_key_source(self) -> OidcConfig:
        if (self.jwks_url is None) == (self.jwks is None):
            raise ValueError("set exactly one of jwks_url and jwks")
        if "none" in (a.lower() for a in self.algorithms):
            raise ValueError("algorithm 'none' is never accepted")
        return self


@dataclass(frozen=True)
class TokenIdentity:
    name: str
    role: Role
    subject: str
    issuer: str
    expires_at: int | None
    claims: dict[str, Any] = field(default_factory=dict)


class OidcVerifier:
    """Verifies JWTs against the configured issuer; keeps one JWKS client per URL (PyJWT caches keys)."""

    def __init__(self) -> None:
        self._jwk_clients: dict[str, jwt.PyJWKClient] = {}

    def _signing_key(self, config: OidcConfig, token: str) -> Any:
        if config.jwks is not None:
            header = jwt.get_unverified_header(token)
            keys = jwt.PyJWKSet.from_dict(config.jwks).keys
            kid = header.get("kid")
            matching = [k for k in keys if kid is None or k.key_id == kid]
            if not matching:
                raise jwt.InvalidTokenError(f"no key with kid {kid!r} in the configured JWKS")
            return matching[0].key
        client = self._jwk_clients.get(config.jwks_url)
        if client is None:
            client = self._jwk_clients[config.jwks_url] = jwt.PyJWKClient(config.jwks_url, cache_keys=True, timeout=5)
        return client.get_signing_key_from_jwt(token).key

    def verify(self, config: OidcConfig, token: str) -> TokenIdentity | None:
        try:
            claims = jwt.decode(
                token, self._signing_key(config, token), algorithms=config.algorithms, audience=config.audience,
                issuer=config.issuer, leeway=config.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            log.info("JWT refused: %s", exc)
            return None
        subject = claims.get(config.principal_claim)
        if not isinstance(subject, str) or not subject:
            log.info("JWT refused: claim %r is missing or not a string", config.principal_claim)
            return None
        role = map_role(config, claims.get(config.role_claim))
        if role is None:
            log.info("JWT for %s refused: no role mapped from claim %r", subject, config.role_claim)
            return None
        return TokenIdentity(name=f"{config.name_prefix}{subject}", role=role, subject=str(claims.get("sub", subject)),
                             issuer=config.issuer, expires_at=claims.get("exp"), claims=claims)


def map_role(config: OidcConfig, value: Any) -> Role | None:
    """The highest role any claim value maps to; a space-separated string counts as a list (scope style)."""
    values = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    mapped = [config.role_map[v] for v in values if isinstance(v, str) and v in config.role_map]
    if not mapped:
        return config.default_role
    return max(mapped, key=_ROLE_ORDER.index)


def load_config() -> OidcConfig | None:
    """The `auth.oidc` entry for the gateway, or None when JWTs are not configured."""
    from shared.config import get_client
    from shared.settings import get_settings

    raw = get_client().value(CONFIG_KEY, None, env=get_settings().env, service="gateway")
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = json.loads(raw)
    return OidcConfig.model_validate(raw)
