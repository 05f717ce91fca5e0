"""Principals and their API keys: who is calling, and with which role.

A principal is a person or a service identity; it holds the role (viewer < requester <
approver < admin). An API key belongs to one principal and may only *narrow* its role
(e.g. a viewer key of an approver), never widen it; the effective role is the lower of
the two. Four eyes and idempotency compare principal ids, so a person holding two keys
is still one person. A key looks like `mcp_<prefix>_<secret>`, is shown once and stored
only as a SHA-256 hash; the prefix lets an operator tell keys apart in listings.

`resolve_principal` is the one way from a bearer token to a `Principal`; other token
kinds (e.g. OIDC JWTs) resolve to the same `Principal` type in their own module.
"""

from __future__ import annotations

import hashlib
import secrets
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.db import models
from shared.db.models import ApiKey, AuditLog, PrincipalKind, Role
from shared.db.session import get_engine

log = logging.getLogger(__name__)
TOUCH_EVERY = timedelta(seconds=60)

ROLE_ORDER = [Role.viewer, Role.requester, Role.approver, Role.admin]


@dataclass(frozen=True)
class Principal:
    """The caller, as every route and service sees it."""

    id: int
    name: str
    kind: PrincipalKind
    role: Role
    key_name: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role.allows(Role.admin)


class IdentityError(ValueError):
    """A principal or key request that cannot be honoured (the message says why)."""


def narrower(first: Role, second: Role) -> Role:
    return min(first, second, key=ROLE_ORDER.index)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return f"mcp_{prefix}_{secrets.token_urlsafe(32)}", prefix


def _audit(session: Session, actor: str, action: str, target_type: str, target_id: str, **detail: object) -> None:
    session.add(AuditLog(actor=actor, action=action, target_type=target_type, target_id=target_id, detail=detail or None))


def get_principal_row(session: Session, name: str) -> models.Principal | None:
    return session.scalar(select(models.Principal).where(models.Principal.name == name))


def create_principal(session: Session, name: str, role: Role, actor: str,
                     kind: PrincipalKind = PrincipalKind.user) -> models.Principal:
    if get_principal_row(session, name) is not None:
        raise IdentityError(f"a principal named {name!r} exists already")
    row = models.Principal(name=name, kind=kind.value, role=role.value)
    session.add(row)
    session.flush()
    _audit(session, actor, "principal.create", "principal", str(row.id), name=name, kind=kind.value, role=role.value)
    return row


def create_key(
    session: Session, name: str, role: Role | None, actor: str, key: str | None = None,
    principal: models.Principal | None = None,
) -> str:
    """Create a key (or register a given one, e.g. the bootstrap admin key); return it.

    Without `principal`, the key gets a principal of its own named like the key (one
    person, one key: the shape of every key made before principals existed). The key's
    role defaults to the principal's and may not exceed it.
    """
    if principal is None:
        principal = get_principal_row(session, name) or create_principal(session, name, role or Role.viewer, actor)
    if principal.disabled_at is not None:
        raise IdentityError(f"principal {principal.name!r} is disabled")
    granted = Role(principal.role)
    role = role or granted
    if not granted.allows(role):
        raise IdentityError(f"a key cannot have more than its principal's role: {principal.name!r} is {granted.value}, "
                            f"asked for {role.value}")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise IdentityError(f"a key named {name!r} exists already; choose another name")
    if key is None:
        key, prefix = new_key()
    else:
        prefix = key.split("_")[1][:16] if key.startswith("mcp_") and key.count("_") >= 2 else key[:8]
    row = ApiKey(name=name, prefix=prefix, key_hash=hash_key(key), role=role.value, principal_id=principal.id)
    session.add(row)
    session.flush()
    _audit(session, actor, "api_key.create", "api_key", str(row.id), name=name, principal=principal.name,
           role=role.value, prefix=prefix)
    return key


def revoke_key(session: Session, key: ApiKey, actor: str) -> None:
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        _audit(session, actor, "api_key.revoke", "api_key", str(key.id), name=key.name, principal=key.principal.name)


def disable(session: Session, principal: models.Principal, actor: str) -> None:
    if principal.disabled_at is None:
        principal.disabled_at = datetime.now(UTC)
        _audit(session, actor, "principal.disable", "principal", str(principal.id), name=principal.name)


def authenticate(session: Session, key: str) -> ApiKey | None:
    """The live key (not revoked, its principal not disabled) for this secret."""
    found = session.scalar(
        select(ApiKey).join(models.Principal)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None), models.Principal.disabled_at.is_(None))
    )
    if found is not None and (found.last_used_at is None or datetime.now(UTC) - found.last_used_at > TOUCH_EVERY):
        _touch(found.id)
    return found


def _touch(key_id: int) -> None:
    """Record when a key was last used, in a transaction of its own.

    Not in the request's transaction: that would hold a row lock on the key for the whole
    request (a server-sent event stream lasts minutes), and every other request with the
    same key would queue behind it. At most once a minute per key, and never waited for.
    """
    try:
        with get_engine().begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '100ms'"))
            connection.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=func.now()))
    except DBAPIError as exc:  # a busy row or a store hiccup: the next use records it
        log.debug("last_used_at of key %s not recorded: %s", key_id, exc)


def resolve_principal(session: Session, bearer_token: str) -> Principal | None:
    """The caller behind an API key, with the key's (possibly narrowed) role; None if unknown."""
    found = authenticate(session, bearer_token)
    if found is None:
        return None
    owner = found.principal
    return Principal(id=owner.id, name=owner.name, kind=PrincipalKind(owner.kind),
                     role=narrower(Role(owner.role), Role(found.role)), key_name=found.name)


def ensure_key(session: Session, name: str, role: Role, key: str) -> bool:
    """Register a known key if missing (the bootstrap admin key of a fresh install)."""
    if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key))) is not None:
        return False
    create_key(session, name, role, actor="bootstrap", key=key)
    return True
