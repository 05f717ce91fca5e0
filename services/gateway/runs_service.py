"""Runs: create, read, and the guarded decisions (approve, reject, cancel).

Status changes here take a row lock on the run, so two approvers clicking at once give
one approval and one 409, and a blocked or cancelled run can never be approved.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shared import events
from shared.contracts import DeploymentIntent, Persona, RunMessage
from shared.db.models import Approval, AuditLog, Run, RunStatus, RunStep, TargetLock
from shared.pipeline import start_apply, start_plan
from shared.queues import CHAIN_APPLY, STEP_ORDER
from shared.steps import finish_run

from services.gateway.metrics import RUN_DECISIONS, RUNS_CREATED

log = logging.getLogger(__name__)

CANCELLABLE = {RunStatus.queued, RunStatus.planning, RunStatus.validating, RunStatus.awaiting_approval}


@dataclass
class RunConflict(Exception):
    """The run is not in a state that allows this (HTTP 409)."""

    message: str


@dataclass
class RunForbidden(Exception):
    message: str


@dataclass
class BrokerUnavailable(Exception):
    message: str


def _audit(session: Session, actor: str, action: str, run: Run, **detail: object) -> None:
    session.add(AuditLog(actor=actor, action=action, target_type="run", target_id=str(run.id), detail=detail or None))


def create_run(
    session: Session, celery: Celery, *, persona: Persona, intent: DeploymentIntent, actor: str,
    idempotency_key: str | None = None,
) -> tuple[Run, bool]:
    """Record the run, then queue chain A. Returns (run, created)."""
    if idempotency_key:
        existing = session.scalar(select(Run).where(Run.idempotency_key == idempotency_key))
        if existing is not None:
            return existing, False
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=persona, requested_by=actor, intent=intent)
    run = Run(
        id=run_id, status=RunStatus.queued.value, persona=persona.value, requested_by=actor, target=intent.target,
        intent=intent.model_dump(mode="json"), message=message.to_wire(), idempotency_key=idempotency_key,
    )
    session.add(run)
    _audit(session, actor, "run.create", run, persona=persona.value, target=intent.target)
    try:
        session.commit()  # the row exists before any worker can look for it
    except IntegrityError:  # the same idempotency key raced us
        session.rollback()
        return session.scalar(select(Run).where(Run.idempotency_key == idempotency_key)), False
    events.publish(run_id, "run.status", status=RunStatus.queued.value)
    RUNS_CREATED.labels(persona.value).inc()
    try:
        start_plan(celery, message)
    except Exception as exc:  # noqa: BLE001 - any broker fault
        log.error("could not queue run %s: %s", run_id, exc)
        finish_run(session, run, RunStatus.failed, error=f"message broker unavailable: {exc}")
        session.commit()
        raise BrokerUnavailable(f"the message broker is unavailable; run {run_id} was recorded as failed") from exc
    return run, True


def list_runs(session: Session, *, status: RunStatus | None, persona: Persona | None, limit: int, offset: int):
    query = select(Run)
    if status is not None:
        query = query.where(Run.status == status.value)
    if persona is not None:
        query = query.where(Run.persona == persona.value)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(query.order_by(Run.created_at.desc(), Run.id).limit(limit).offset(offset)).all()
    return items, total


def get_run(session: Session, run_id: uuid.UUID, *, lock: bool = False) -> Run | None:
    query = (
        select(Run).where(Run.id == run_id)
        .options(selectinload(Run.steps), selectinload(Run.approvals))
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=Run)
    return session.scalar(query)


def approve(session: Session, celery: Celery, run: Run, actor: str, comment: str | None) -> Run:
    """Four eyes, a passed verdict, a free target: then chain B is queued."""
    if run.requested_by == actor:
        raise RunForbidden("four-eyes rule: an approver may not approve their own request")
    if run.status != RunStatus.awaiting_approval.value:
        raise RunConflict(f"run is {run.status}; only a run awaiting approval can be approved")
    message = RunMessage.model_validate(run.message)
    if message.verdict is None or not message.verdict.passed:
        raise RunConflict("run has no passed guardrail verdict; it cannot be approved")
    session.execute(insert(TargetLock).values(target=run.target, run_id=run.id).on_conflict_do_nothing())
    holder = session.scalar(select(TargetLock.run_id).where(TargetLock.target == run.target))
    if holder != run.id:
        raise RunConflict(f"target {run.target} is being applied by run {holder}; approve again when it ends")
    session.add(Approval(run_id=run.id, decision="approved", actor=actor, comment=comment))
    run.status = RunStatus.applying.value
    _audit(session, actor, "run.approve", run, comment=comment)
    session.commit()
    events.publish(run.id, "run.approved", actor=actor)
    RUN_DECISIONS.labels("approved").inc()
    events.publish(run.id, "run.status", status=RunStatus.applying.value)
    try:
        start_apply(celery, message)
    except Exception as exc:  # noqa: BLE001
        finish_run(session, run, RunStatus.failed, error=f"message broker unavailable after approval: {exc}")
        session.commit()
        raise BrokerUnavailable(f"the message broker is unavailable; run {run.id} failed after approval") from exc
    return run


def reject(session: Session, run: Run, actor: str, comment: str | None) -> Run:
    if run.status != RunStatus.awaiting_approval.value:
        raise RunConflict(f"run is {run.status}; only a run awaiting approval can be rejected")
    session.add(Approval(run_id=run.id, decision="rejected", actor=actor, comment=comment))
    finish_run(session, run, RunStatus.rejected)
    _audit(session, actor, "run.reject", run, comment=comment)
    session.commit()
    events.publish(run.id, "run.status", status=RunStatus.rejected.value, actor=actor)
    RUN_DECISIONS.labels("rejected").inc()
    return run


def cancel(session: Session, run: Run, actor: str, is_admin: bool, comment: str | None) -> Run:
    if run.requested_by != actor and not is_admin:
        raise RunForbidden("only the requester or an admin may cancel a run")
    if RunStatus(run.status) not in CANCELLABLE:
        raise RunConflict(f"run is {run.status}; only a run that has not started applying can be cancelled")
    finish_run(session, run, RunStatus.cancelled, error=f"cancelled by {actor}")
    _audit(session, actor, "run.cancel", run, comment=comment)
    session.commit()
    events.publish(run.id, "run.status", status=RunStatus.cancelled.value, actor=actor)
    RUN_DECISIONS.labels("cancelled").inc()
    return run


def resume_stalled(session: Session, celery: Celery, older_than: timedelta = timedelta(seconds=60)) -> list[uuid.UUID]:
    """Queue again the chains of runs whose chain was never sent (the gateway died between
    recording the run and sending its first task). Safe when the chain was sent after all:
    every step is idempotent. Returns the runs resumed."""
    cutoff = func.now() - older_than
    has_steps = select(RunStep.id).where(RunStep.run_id == Run.id).exists()
    queued = session.scalars(select(Run).where(Run.status == RunStatus.queued.value, Run.created_at < cutoff, ~has_steps))
    resumed = []
    for run in queued.all():
        start_plan(celery, RunMessage.model_validate(run.message))
        resumed.append(run.id)
    first_apply = STEP_ORDER[CHAIN_APPLY[0].value]
    applied = select(RunStep.id).where(RunStep.run_id == Run.id, RunStep.seq >= first_apply).exists()
    approved = (
        select(Run).join(Approval, Approval.run_id == Run.id)
        .where(Run.status == RunStatus.applying.value, Approval.decision == "approved", Approval.created_at < cutoff, ~applied)
    )
    for run in session.scalars(approved).all():
        start_apply(celery, RunMessage.model_validate(run.message))
        resumed.append(run.id)
    for run_id in resumed:
        log.warning("run %s had no chain in flight; queued it again", run_id)
        events.publish(run_id, "run.resumed")
    return resumed
