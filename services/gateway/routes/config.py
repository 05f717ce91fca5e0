"""/api/v1/config: resolve values, create/patch/rotate items, read their audit.

Roles: any key may resolve and list (secrets redacted); admin keys write, rotate and
read audit trails. A secret's plaintext is returned only with `reveal=true` and only to
admin keys or service keys named in `config_secret_readers`; everything else shows
`value: null, redacted: true`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.config import ConfigUnavailable, Resolved, get_client
from shared.config.entry import plain_value
from shared.config.keys import KeyProviderError
from shared.config.resolve import Scope
from shared.db.models_config import ConfigAudit, ConfigItem

from services.gateway import config_service as svc
from services.gateway.deps import Admin, DbSession, Principal, RowId, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1/config", tags=["config"], responses=declare(*COMMON, 404, 409))

KEY = r"^[a-z0-9][a-z0-9_.\-/]*$"
ScopeName = Annotated[str | None, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.\-]+$")]


class ScopeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    env: ScopeName = None
    service: ScopeName = None
    tenant: ScopeName = None


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(min_length=1, max_length=200, pattern=KEY)
    scope: ScopeIn = ScopeIn()
    value: Any
    is_secret: bool = False
    json_schema: dict[str, Any] | None = None
    cacheable: bool = True
    enabled: bool = True


class ItemPatch(BaseModel):
    """Only the fields sent change; `version` is the one you read (stale: 409)."""
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    value: Any = None
    enabled: bool | None = None
    cacheable: bool | None = None
    json_schema: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _something(self) -> ItemPatch:
        if not self.model_fields_set - {"version"}:
            raise ValueError("nothing to change: send value, enabled, cacheable or json_schema with version")
        return self


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int | None = Field(default=None, ge=1)
    value: Any = None


class ItemOut(BaseModel):
    id: int
    key: str
    scope: dict[str, str | None]
    value: Any
    redacted: bool
    is_secret: bool
    enabled: bool
    cacheable: bool
    json_schema: dict[str, Any] | None
    version: int
    secret_version: int | None
    secret_key_id: str | None
    updated_by: str | None
    updated_at: datetime


class ResolvedOut(BaseModel):
    key: str
    id: int
    version: int
    scope: dict[str, str | None]
    value: Any
    redacted: bool
    is_secret: bool


class AuditOut(BaseModel):
    id: int
    action: str
    actor: str | None
    diff: dict[str, Any] | None
    created_at: datetime


def _allowed_to_reveal(principal: Principal, reveal: bool) -> bool:
    if reveal and not svc.can_read_secrets(principal.name, principal.role):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            f"key '{principal.name}' may not read secrets: it needs the admin role or to be a "
                            "service key listed in config_secret_readers")
    return reveal


def _item_out(item: ConfigItem, reveal: bool = False) -> ItemOut:
    hidden = item.is_secret and not reveal
    value = None if hidden else (svc.reveal(item) if item.is_secret else plain_value(item))
    return ItemOut(id=item.id, key=item.key, scope=item.scope, value=value, redacted=hidden, is_secret=item.is_secret,
                   enabled=item.enabled, cacheable=item.cacheable, json_schema=item.json_schema, version=item.version,
                   secret_version=item.secret_version, secret_key_id=item.secret_key_id, updated_by=item.updated_by,
                   updated_at=item.updated_at)


def _resolved_out(found: Resolved, reveal: bool) -> ResolvedOut:
    hidden = found.is_secret and not reveal
    return ResolvedOut(key=found.key, id=found.item_id, version=found.version, scope=found.scope,
                       value=None if hidden else found.value, redacted=hidden, is_secret=found.is_secret)


def _call(action):
    try:
        return action()
    except svc.ConfigError as exc:
        raise HTTPException(exc.status, exc.message) from exc
    except ConfigUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from exc
    except KeyProviderError as exc:  # a secret sealed under a KEK this server does not hold
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"a secret in the answer cannot be opened by this server: {exc}") from exc


@router.get("/resolve", response_model=list[ResolvedOut])
def resolve(
    principal: Viewer,
    key: Annotated[str | None, Query(max_length=200)] = None,
    prefix: Annotated[str | None, Query(max_length=200)] = None,
    env: Annotated[str | None, Query(max_length=100)] = None,
    service: Annotated[str | None, Query(max_length=100)] = None,
    tenant: Annotated[str | None, Query(max_length=100)] = None,
    reveal: bool = False,
) -> list[ResolvedOut]:
    """The most specific enabled value per key: tenant > service > env > global (see shared/config/resolve.py)."""
    if (key is None) == (prefix is None):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "send exactly one of key= or prefix=")
    reveal = _allowed_to_reveal(principal, reveal)
    client = get_client()
    if key is not None:
        found = _call(lambda: client.get(key, env=env, service=service, tenant=tenant))
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                f"no enabled value of {key!r} for env={env} service={service} tenant={tenant}")
        return [_resolved_out(found, reveal)]
    found_all = _call(lambda: client.get_prefix(prefix, env=env, service=service, tenant=tenant))
    return [_resolved_out(found, reveal) for found in found_all.values()]


@router.get("", response_model=list[ItemOut])
def list_items(db: DbSession, principal: Viewer, prefix: Annotated[str, Query(max_length=200)] = "",
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ItemOut]:
    """Every row (all scopes), secrets always redacted."""
    return [_item_out(item) for item in svc.list_items(db, prefix, limit)]


@router.get("/{item_id}", response_model=ItemOut)
def get_item(item_id: RowId, db: DbSession, principal: Viewer, reveal: bool = False) -> ItemOut:
    reveal = _allowed_to_reveal(principal, reveal)
    return _item_out(_call(lambda: svc.get_item(db, item_id)), reveal)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ItemOut)
def create_item(body: ItemCreate, db: DbSession, principal: Admin) -> ItemOut:
    item = _call(lambda: svc.create_item(
        db, key=body.key, scope=Scope(**body.scope.model_dump()), value=body.value, actor=principal.name,
        is_secret=body.is_secret, json_schema=body.json_schema, cacheable=body.cacheable, enabled=body.enabled))
    return _item_out(item)


@router.patch("/{item_id}", response_model=ItemOut)
def patch_item(item_id: RowId, body: ItemPatch, db: DbSession, principal: Admin) -> ItemOut:
    """Change value / enabled / cacheable / json_schema; a stale `version` gets 409 and changes nothing."""
    sent = body.model_fields_set
    item = _call(lambda: svc.update_item(
        db, item_id, version=body.version, actor=principal.name,
        value=body.value if "value" in sent else svc.UNSET, enabled=body.enabled, cacheable=body.cacheable,
        json_schema=body.json_schema if "json_schema" in sent else svc.UNSET))
    return _item_out(item)


@router.post("/{item_id}/rotate", response_model=ItemOut)
def rotate_item(item_id: RowId, db: DbSession, principal: Admin, body: RotateIn | None = None) -> ItemOut:
    """New data key for a secret (and a new value if sent); every sealed version is kept."""
    body = body or RotateIn()
    item = _call(lambda: svc.rotate_item(db, item_id, actor=principal.name, version=body.version,
                                         value=body.value if "value" in body.model_fields_set else svc.UNSET))
    return _item_out(item)


@router.get("/{item_id}/audit", response_model=list[AuditOut])
def item_audit(item_id: RowId, db: DbSession, principal: Admin) -> list[AuditOut]:
    rows: list[ConfigAudit] = _call(lambda: svc.audit_of(db, item_id))
    return [AuditOut.model_validate(row, from_attributes=True) for row in rows]
