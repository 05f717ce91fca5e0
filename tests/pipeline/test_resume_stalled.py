"""A run whose chain is not in flight is found by the reaper and resumed, not lost.

The gateway's background reaper (shared/reaper.py) and `mcpcloud runs resume` (which
calls `resume_stalled`) may both look at the same run: exactly one of them resumes it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from shared.contracts import DeploymentIntent, Persona, RunMessage
from shared.db.models import Approval, AuditLog, Outbox, Run, RunStatus, RunStep, TargetLock
from shared.db.session import session_scope

from services.gateway.celery_client import get_celery
from services.gateway.runs_service import resume_stalled
from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _recorded_but_never_queued(stack: str, actor: str, age: timedelta = timedelta(minutes=5)) -> uuid.UUID:
    intent = DeploymentIntent.model_validate(with_stack(PRIVATE_LOGS_BUCKET, stack)["intent"])
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by=actor, intent=intent)
    with session_scope() as session:
        session.add(Run(id=run_id, status=RunStatus.queued.value, persona="devops", requested_by=actor,
                        target=intent.target, intent=intent.model_dump(mode="json"), message=message.to_wire(),
                        created_at=datetime.now(UTC) - age))
    return run_id


def _resumes(run_id: uuid.UUID) -> list[dict]:
    with session_scope() as session:
        return [entry.detail for entry in session.scalars(
            select(AuditLog).where(AuditLog.action == "run.resume", AuditLog.target_id == str(run_id))
            .order_by(AuditLog.id))]


def test_stalled_runs_are_queued_again_before_and_after_approval(api, workers, keys):
    run_id = _recorded_but_never_queued("logs-stalled", "someone-else")
    fresh_id = _recorded_but_never_queued("logs-fresh", "someone-else", age=timedelta(0))

    with session_scope() as session:
        resumed = resume_stalled(session, get_celery())
    assert fresh_id not in resumed  # a run created a moment ago may still be on its way: left alone
    assert _resumes(fresh_id) == []
    with session_scope() as session:  # gone before it is old enough for a reaper to take it
        session.delete(session.get(Run, fresh_id))
    run = wait_for_status(api, keys.viewer, str(run_id), {"awaiting_approval", "failed"})
    assert run["status"] == "awaiting_approval"
    assert [detail["why"] for detail in _resumes(run_id)] == ["queued but chain A never started"]

    with session_scope() as session:  # approved, but chain B's message was lost (e.g. a broker restarted empty)
        run_row = session.get(Run, run_id)
        run_row.status = RunStatus.applying.value
        bundle = RunMessage.model_validate(run_row.message).bundle  # an approval binds the bundle it approved
        session.add(Approval(run_id=run_id, decision="approved", actor="an-approver", content_sha256=bundle.content_sha256,
                             created_at=datetime.now(UTC) - timedelta(minutes=5)))
        session.add(TargetLock(target=run_row.target, run_id=run_id))
        session.execute(update(Outbox).where(Outbox.run_id == run_id)
                        .values(created_at=datetime.now(UTC) - timedelta(minutes=5)))
        session.execute(update(RunStep).where(RunStep.run_id == run_id)
                        .values(finished_at=RunStep.finished_at - timedelta(minutes=5)))
    with session_scope() as session:
        resume_stalled(session, get_celery())
    run = wait_for_status(api, keys.viewer, str(run_id), {"succeeded", "not_applied", "failed"})
    assert run["status"] == "not_applied", run
    assert [detail["from_step"] for detail in _resumes(run_id)] == ["rag.retrieve", "github.dispatch_workflow"]
    with session_scope() as session:
        assert session.get(TargetLock, run["target"]) is None
