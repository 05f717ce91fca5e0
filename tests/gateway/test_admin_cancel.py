"""An admin can cancel any run that has not ended, which frees its target lock; audited.

A requester still cannot cancel a run that started applying (it may be changing real
infrastructure), and nobody can cancel a run that has ended.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.contracts import DeploymentIntent, Persona, RunMessage
from shared.db.models import AuditLog, Run, RunStatus, TargetLock
from shared.db.session import session_scope

from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _stuck_run(api, keys, status: RunStatus, stack: str) -> uuid.UUID:
    """A run of the requester, stuck in `status` while holding its target lock."""
    me = api.get("/api/v1/me", headers=keys.requester).json()
    intent = DeploymentIntent.model_validate(with_stack(PRIVATE_LOGS_BUCKET, stack)["intent"])
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by=me["name"], intent=intent)
    with session_scope() as session:
        session.add(Run(id=run_id, status=status.value, persona="devops", requested_by=me["name"],
                        requested_by_principal_id=me["id"], target=intent.target,
                        intent=intent.model_dump(mode="json"), message=message.to_wire()))
        session.flush()
        session.add(TargetLock(target=intent.target, run_id=run_id))
    return run_id


def test_admin_cancels_a_stuck_applying_run_and_frees_its_target(api, keys):
    for status in (RunStatus.applying, RunStatus.verifying):
        run_id = _stuck_run(api, keys, status, f"stuck-{status.value}-{uuid.uuid4().hex[:6]}")
        refused = api.post(f"/api/v1/runs/{run_id}/cancel", headers=keys.requester)
        assert refused.status_code == 409, refused.text
        assert "only an admin can cancel a run that started applying" in refused.json()["detail"]

        cancelled = api.post(f"/api/v1/runs/{run_id}/cancel", json={"comment": "stuck after an outage"},
                             headers=keys.admin)
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["status"] == "cancelled"
        with session_scope() as session:
            run = session.get(Run, run_id)
            assert session.scalar(select(TargetLock).where(TargetLock.run_id == run_id)) is None
            assert run.finished_at is not None and run.error.startswith("cancelled by ")
            audit = session.scalars(select(AuditLog).where(AuditLog.target_id == str(run_id),
                                                           AuditLog.action == "run.cancel")).all()
        assert len(audit) == 1
        assert audit[0].detail["previous_status"] == status.value and audit[0].detail["as_admin"] is True
        assert audit[0].detail["comment"] == "stuck after an outage"

        again = api.post(f"/api/v1/runs/{run_id}/cancel", headers=keys.admin)
        assert again.status_code == 409 and again.json()["detail"].startswith("run is cancelled")
