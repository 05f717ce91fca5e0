"""/api/v1/me (who the caller is) and /api/v1/locks (targets being applied, admin)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from shared.db.models import Run, TargetLock

from services.gateway.deps import Admin, DbSession, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1", tags=["identity"], responses=declare(*COMMON))


@router.get("/me")
def me(principal: Viewer) -> dict:
    """The caller's principal and role, as the gateway resolved them from the key."""
    fields = dataclasses.asdict(principal)
    return {name: (value.value if hasattr(value, "value") else value) for name, value in fields.items()}


class LockOut(BaseModel):
    target: str
    run_id: UUID
    run_status: str
    requested_by: str
    acquired_at: datetime


@router.get("/locks", response_model=list[LockOut])
def locks(db: DbSession, principal: Admin) -> list[LockOut]:
    """Targets held by an applying run: no other run on them can be approved until it ends."""
    rows = db.execute(
        select(TargetLock, Run.status, Run.requested_by).join(Run, Run.id == TargetLock.run_id)
        .order_by(TargetLock.acquired_at)
    ).all()
    return [LockOut(target=lock.target, run_id=lock.run_id, run_status=status, requested_by=requested_by,
                    acquired_at=lock.acquired_at) for lock, status, requested_by in rows]
