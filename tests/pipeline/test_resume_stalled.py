"""A run recorded by a gateway that died before queueing its chain is not lost."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from shared.contracts import DeploymentIntent, Persona, RunMessage
from shared.db.models import Approval, Run, RunStatus, TargetLock
from shared.db.session import session_scope

from services.gateway.celery_client import get_celery
from services.gateway.runs_service import resume_stalled
from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _recorded_but_never_queued(stack: str, actor: str) -> uuid.UUID:
    intent = DeploymentIntent.model_validate(with_stack(PRIVATE_LOGS_BUCKET, stack)["intent"])
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by=actor, intent=intent)
    with session_scope() as session:
        session.add(Run(id=run_id, status=RunStatus.queued.value, persona="devops", requested_by=actor,
                        target=intent.target, intent=intent.model_dump(mode="json"), message=message.to_wire(),
                        created_at=datetime.now(UTC) - timedelta(minutes=5)))
    return run_id


def test_stalled_runs_are_queued_again_before_and_after_approval(api, workers, keys):
    run_id = _recorded_but_never_queued("logs-stalled", "someone-else")
    fresh_id = _recorded_but_never_queued("logs-fresh", "someone-else")
    with session_scope() as session:  # a run created a moment ago may still be on its way: left alone
        session.get(Run, fresh_id).created_at = datetime.now(UTC)

    with session_scope() as session:
        resumed = resume_stalled(session, get_celery())
    assert run_id in resumed and fresh_id not in resumed
    run = wait_for_status(api, keys.viewer, str(run_id), {"awaiting_approval", "failed"})
    assert run["status"] == "awaiting_approval"

    with session_scope() as session:  # approved, but the gateway died before sending chain B
        run_row = session.get(Run, run_id)
        run_row.status = RunStatus.applying.value
        bundle = RunMessage.model_validate(run_row.message).bundle  # an approval binds the bundle it approved
        session.add(Approval(run_id=run_id, decision="approved", actor="an-approver", content_sha256=bundle.content_sha256,
                             created_at=datetime.now(UTC) - timedelta(minutes=2)))
        session.add(TargetLock(target=run_row.target, run_id=run_id))
    with session_scope() as session:
        assert run_id in resume_stalled(session, get_celery())
    run = wait_for_status(api, keys.viewer, str(run_id), {"succeeded", "not_applied", "failed"})
    assert run["status"] == "not_applied", run
    with session_scope() as session:
        assert session.get(TargetLock, run["target"]) is None
        session.delete(session.get(Run, fresh_id))
