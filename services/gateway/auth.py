"""API keys: random tokens shown once, stored only as SHA-256 hashes.

A key looks like `mcp_<prefix>_<secret>`; the prefix (not secret) lets an operator tell
keys apart in listings and logs. Keys carry one role: viewer < requester < approver < admin.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models import ApiKey, AuditLog, Role


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


def authenticate(session: Session, key: str) -> ApiKey | None:
    found = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    if found is not None:
        found.last_used_at = datetime.now(UTC)
    return found


def ensure_key(session: Session, name: str, role: Role, key: str) -> bool:
    """Register a known key if missing (the bootstrap admin key of a fresh install)."""
    if session.scalar(select(ApiKey.id).where(ApiKey.key_hash == hash_key(key))) is not None:
        return False
    create_key(session, name, role, actor="bootstrap", key=key)
    return True
