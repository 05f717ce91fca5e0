"""Saved plan files in Postgres, keyed by run: what terraform.plan made is what terraform.apply
applies, on whichever terraform worker picks the apply up, hours later or after a restart."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy.dialects.postgresql import insert

from shared.db.models import TerraformPlan
from shared.db.session import session_scope


def save(run_id: uuid.UUID, plan: bytes, *, destroy: bool, backend: str) -> str:
    """Keep the plan file (a re-run of the plan step replaces it); returns its sha256."""
    digest = hashlib.sha256(plan).hexdigest()
    values = {"run_id": run_id, "sha256": digest, "plan": plan, "destroy": destroy, "backend": backend[:200]}
    with session_scope() as session:
        session.execute(insert(TerraformPlan).values(**values)
                        .on_conflict_do_update(index_elements=["run_id"], set_=values))
    return digest


def load(run_id: uuid.UUID) -> tuple[bytes, str] | None:
    """The plan bytes and their sha256 as computed now (not as stored), or None."""
    with session_scope() as session:
        row = session.get(TerraformPlan, run_id)
        if row is None:
            return None
        return row.plan, hashlib.sha256(row.plan).hexdigest()
