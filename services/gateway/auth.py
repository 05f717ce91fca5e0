"""API keys: random tokens shown once, stored only as SHA-256 hashes.

A key looks like `mcp_<prefix>_<secret>`; the prefix (not secret) lets an operator tell
keys apart in listings and logs. Keys carry one role: viewer < requester < approver < admin.
"""

from __future__ import annotations

import hashlib
import secrets
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shared.db.models import ApiKey, AuditLog, Role
from shared.db.session import get_engine

log = logging.getLogger(__name__)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    prefix = secrets.token_hex(4)
    return f"mcp_{prefix}_{secrets.token_urlsafe(32)}", prefix


def create_key(session: Session, name: str, role: Role, actor: str, key: str | None = None) -> str:
    """Create a key (or register a given one, e.g. the bootstrap admin key); return it."""
    if key is None:
        key, prefix = new_key()
    else:
        prefix = key.split("_")[1][:16] if key.startswith("mcp_") and key.count("_") >= 2 else key[:8]
    session.add(ApiKey(name=name, prefix=prefix, key_hash=hash_key(key), role=role.value))
    session.add(AuditLog(actor=actor, action="api_key.create", target_type="api_key", target_id=name,
                         detail={"role": role.value, "prefix": prefix}))
    return key


TOUCH_EVERY = timedelta(seconds=60)


def authenticate(session: Session, key: str) -> ApiKey | None:
    found = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
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


def ensure_key(session: Session, name: str, role: Role, key: str) -> bool:
    """Register a known key if missing (the bootstrap admin key of a fresh install)."""
    if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key))) is not None:
        return False
    create_key(session, name, role, actor="bootstrap", key=key)
    return True
