"""FastAPI dependencies: the database session, the caller's identity and role (the one auth dependency)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from celery import Celery
from fastapi import Depends, Header, HTTPException, Path, status
from sqlalchemy.orm import Session

from shared.db.models import Role
from shared.db.session import session_scope

from services.gateway.auth import Principal, resolve_principal
from services.gateway.celery_client import get_celery


def get_db() -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on error."""
    with session_scope() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db)]
#: A row id in a path: Postgres ids are bigint, so a larger number is a 422 here, not a 500 there.
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
CeleryApp = Annotated[Celery, Depends(get_celery)]


__all__ = ["Principal", "current_principal", "require", "Viewer", "Requester", "Approver", "Admin"]


def _key_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key.strip()
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def current_principal(
    db: DbSession,
    authorization: Annotated[str | None, Header()] = None,
    x_api_key: Annotated[str | None, Header()] = None,
) -> Principal:
    key = _key_from_headers(authorization, x_api_key)
    if not key:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    principal = resolve_principal(db, key)
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked API key (or its principal is disabled)",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def require(role: Role) -> Callable[..., Principal]:
    def check(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this needs the {role.value} role; principal '{principal.name}' "
                f"(key '{principal.key_name}') has {principal.role.value}",
            )
        return principal

    return check


Viewer = Annotated[Principal, Depends(require(Role.viewer))]
Requester = Annotated[Principal, Depends(require(Role.requester))]
Approver = Annotated[Principal, Depends(require(Role.approver))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
