"""/api/v1/keys and /api/v1/principals: who may act, and with which credentials.

Anyone may make and revoke keys of their own, up to the role of the key they call with
(a narrowed key cannot mint a wider one). A key for another principal, listing every
key, and managing principals are admin-only; every create and revoke is audited.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shared.db import models
from shared.db.models import ApiKey, PrincipalKind, Role

from services.gateway.auth import (
    IdentityError, create_key, create_principal, disable, get_principal_row, revoke_key,
)
from services.gateway.deps import Admin, DbSession, RowId, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1", tags=["identity"], responses=declare(*COMMON, 404, 409))
NAME = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$"


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME, description="A unique name for the key, e.g. alice-laptop")
    role: Role | None = Field(default=None, description="Narrow the key below its principal's role (default: the same)")
    principal: str | None = Field(default=None, pattern=NAME, description="Whose key (admin only); default: yours")


class KeyOut(BaseModel):
    id: int
    name: str
    prefix: str
    role: str
    principal: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="The secret: shown once, stored only as a hash")


class PrincipalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=NAME)
    kind: PrincipalKind = PrincipalKind.user
    role: Role


class PrincipalOut(BaseModel):
    id: int
    name: str
    kind: str
    role: str
    created_at: datetime
    disabled_at: datetime | None


def _key_out(key: ApiKey) -> dict:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "role": key.role, "principal": key.principal.name,
            "created_at": key.created_at, "last_used_at": key.last_used_at, "revoked_at": key.revoked_at}


@router.post("/keys", status_code=status.HTTP_201_CREATED, response_model=KeyCreated)
def create(body: KeyCreate, db: DbSession, caller: Viewer) -> KeyCreated:
    """A new key for yourself, or (admin) for another principal."""
    owner_name = body.principal or caller.name
    if owner_name != caller.name and not caller.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an admin may create a key for another principal")
    owner = get_principal_row(db, owner_name)
    if owner is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND,
                            f"no principal named {owner_name!r}; an admin creates it with POST /api/v1/principals")
    role = body.role or (caller.role if owner.id == caller.id else Role(owner.role))
    if owner.id == caller.id and not caller.role.allows(role):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"the key you call with has the {caller.role.value} role; it cannot make a {role.value} key")
    try:
        secret = create_key(db, body.name, role, actor=caller.name, principal=owner)
    except IdentityError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT if "exists" in str(exc) else status.HTTP_422_UNPROCESSABLE_CONTENT,
                            str(exc)) from exc
    row = db.scalar(select(ApiKey).where(ApiKey.name == body.name))
    return KeyCreated(**_key_out(row), key=secret)


@router.get("/keys", response_model=list[KeyOut])
def list_keys(db: DbSession, caller: Viewer) -> list[KeyOut]:
    """Your keys; an admin sees every key."""
    query = select(ApiKey).options(selectinload(ApiKey.principal)).order_by(ApiKey.id)
    if not caller.is_admin:
        query = query.where(ApiKey.principal_id == caller.id)
    return [KeyOut(**_key_out(key)) for key in db.scalars(query)]


@router.post("/keys/{key_id}/revoke", response_model=KeyOut)
def revoke(key_id: RowId, db: DbSession, caller: Viewer) -> KeyOut:
    """Revoke one of your keys (an admin: anyone's). Revoking twice changes nothing."""
    key = db.get(ApiKey, key_id)
    if key is None or (key.principal_id != caller.id and not caller.is_admin):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no key {key_id} of yours")
    revoke_key(db, key, actor=caller.name)
    return KeyOut(**_key_out(key))


@router.post("/principals", status_code=status.HTTP_201_CREATED, response_model=PrincipalOut)
def create_principal_route(body: PrincipalCreate, db: DbSession, caller: Admin) -> PrincipalOut:
    try:
        row = create_principal(db, body.name, body.role, actor=caller.name, kind=body.kind)
    except IdentityError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    db.refresh(row)
    return PrincipalOut.model_validate(row, from_attributes=True)


@router.post("/principals/{principal_id}/disable", response_model=PrincipalOut)
def disable_principal(principal_id: RowId, db: DbSession, caller: Admin) -> PrincipalOut:
    """Every key of a disabled principal stops authenticating at once (audited)."""
    row = db.get(models.Principal, principal_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no principal {principal_id}")
    if row.id == caller.id:
        raise HTTPException(status.HTTP_409_CONFLICT, "an admin cannot disable their own principal")
    disable(db, row, actor=caller.name)
    return PrincipalOut.model_validate(row, from_attributes=True)


@router.get("/principals", response_model=list[PrincipalOut])
def list_principals(db: DbSession, caller: Admin) -> list[PrincipalOut]:
    rows = db.scalars(select(models.Principal).order_by(models.Principal.id))
    return [PrincipalOut.model_validate(row, from_attributes=True) for row in rows]
