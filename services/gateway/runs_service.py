"""Runs: create, read, and the guarded decisions (approve, reject, cancel).

Status changes here take a row lock on the run, so two approvers clicking at once give
one approval and one 409, and a blocked or cancelled run can never be approved.

A decision and the chain it starts commit together (shared/outbox.py): the chain is
sent right after the commit; when the broker is down the request still succeeds (202
for a new run, which stays `queued`; 200 for an approval, the run `applying`) and the
gateway's relay sends the chain when the broker answers again. A run is never failed
because the broker was unreachable.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from celery import Celery
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only, selectinload

from shared import events, outbox
from shared.contracts import Action, DeploymentIntent, Persona, RunMessage
from shared.db.models import Approval, AuditLog, Run, RunStatus, TargetLock
from shared.queues import CHAIN_APPLY, CHAIN_PLAN
from shared.reaper import reap

from services.gateway.run_cursor import RunCursor
from shared.steps import finish_run

from services.gateway import persona_policy
from services.gateway.auth import Principal
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
class RunInvalid(Exception):
    """The request cannot become a run as sent (HTTP 422): the message says what to fix."""

    message: str


@dataclass
class BrokerUnavailable(Exception):
    """Kept for callers that catch it; the outbox means a decision no longer raises it."""

    message: str


def _audit(session: Session, actor: str, action: str, run: Run, **detail: object) -> None:
    session.add(AuditLog(actor=actor, action=action, target_type="run", target_id=str(run.id), detail=detail or None))


def _existing(session: Session, principal: Principal, idempotency_key: str) -> Run | None:
    return session.scalar(select(Run).where(
        Run.requested_by_principal_id == principal.id, Run.idempotency_key == idempotency_key))


def _replay(run: Run, idempotency_key: str, request_body_sha256: str | None) -> tuple[Run, bool]:
    """The run an idempotency key was first used for, if the body is the same one."""
    if request_body_sha256 and run.request_sha256 and run.request_sha256 != request_body_sha256:
        raise RunInvalid(
            f"Idempotency-Key {idempotency_key!r} was already used for a different request body (run {run.id}); "
            "send the same body to get that run again, or use a new key for a new request")
    return run, False


def create_run(
    session: Session, celery: Celery, *, persona: Persona, intent: DeploymentIntent, principal: Principal,
    idempotency_key: str | None = None, request_body_sha256: str | None = None,
) -> tuple[Run, bool]:
    """Record the run with its chain A in the outbox, then send it. Returns (run, created).

    An idempotency key is the caller's own: the same principal and key give the same run
    (a different body under that key is refused), another principal's key is unrelated.
    The persona applied is at least the server's minimum (services/gateway/persona_policy.py).
    """
    if intent.action is Action.summarize:
        raise RunInvalid("action 'summarize' is a query, not a run: use the summarize query "
                         "(MCP tool `summarize`) instead of POST /api/v1/requests")
    if intent.action is Action.destroy and intent.app is not None:
        raise RunInvalid("action 'destroy' removes the stack's Terraform resources (cluster, buckets) after approval; "
                         "leave out 'app': its Kubernetes objects are not destroyed by a run")
    if idempotency_key:
        existing = _existing(session, principal, idempotency_key)
        if existing is not None:
            return _replay(existing, idempotency_key, request_body_sha256)
    decision = persona_policy.decide(persona, intent.environment)
    run_id = uuid.uuid4()
    message = RunMessage(run_id=run_id, persona=decision.applied, requested_by=principal.name, intent=intent)
    run = Run(
        id=run_id, status=RunStatus.queued.value, persona=decision.applied.value, persona_requested=persona.value,
        persona_policy=decision.source, requested_by=principal.name, requested_by_principal_id=principal.id,
        target=intent.target, intent=intent.model_dump(mode="json"), message=message.to_wire(),
        idempotency_key=idempotency_key, request_sha256=request_body_sha256 if idempotency_key else None,
    )
    session.add(run)
    _audit(session, principal.name, "run.create", run, persona=decision.applied.value,
           persona_requested=persona.value, target=intent.target, principal_id=principal.id)
    try:
        session.flush()
        pending = outbox.enqueue(session, run_id, CHAIN_PLAN, message, "run.create")
        session.commit()  # the run and its chain, together; the row exists before any worker looks
    except IntegrityError:  # the same principal's idempotency key raced us
        session.rollback()
        return _replay(_existing(session, principal, idempotency_key), idempotency_key, request_body_sha256)
    events.publish(run_id, "run.status", status=RunStatus.queued.value)
    RUNS_CREATED.labels(decision.applied.value).inc()
    if not outbox.send_now(celery, pending.id):
        log.warning("run %s recorded as queued; its chain is sent when the broker answers", run_id)
    return run, True


# The columns a list row shows. The JSON blobs (intent, the run's latest message with its
# bundle, verdict, plan and report: tens of KB a run) are left in the database: a list of
# 50 runs would otherwise read and decode megabytes to show nine short fields each.
SUMMARY_COLUMNS = (Run.id, Run.status, Run.persona, Run.requested_by, Run.target, Run.created_at, Run.updated_at,
                   Run.finished_at, Run.error)


def list_runs(session: Session, *, status: RunStatus | None, persona: Persona | None, limit: int, offset: int = 0,
              after: RunCursor | None = None):
    """Newest first, summary columns only (reading another column raises instead of loading
    it row by row); ordered by (created_at DESC, id), which ix_runs_created_id serves.
    `after` starts the page strictly after that row (keyset); `total` counts the filter's
    rows, not the ones after the cursor."""
    conditions = []
    if status is not None:
        conditions.append(Run.status == status.value)
    if persona is not None:
        conditions.append(Run.persona == persona.value)
    total = session.scalar(select(func.count()).select_from(Run).where(*conditions))
    if after is not None:
        conditions.append(or_(Run.created_at < after.created_at,
                              and_(Run.created_at == after.created_at, Run.id > after.id)))
    items = session.scalars(
        select(Run).options(load_only(*SUMMARY_COLUMNS, raiseload=True)).where(*conditions)
        .order_by(Run.created_at.desc(), Run.id).limit(limit).offset(offset)
    ).all()
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


def is_requester(run: Run, principal: Principal) -> bool:
    """Same principal (runs recorded before principals existed compare the name)."""
    if run.requested_by_principal_id is not None:
        return run.requested_by_principal_id == principal.id
    return run.requested_by == principal.name


def approve(session: Session, celery: Celery, run: Run, principal: Principal, comment: str | None,
            content_sha256: str | None = None) -> Run:
    """Four eyes (another principal), a passed verdict, the bundle the approver saw, a free
    target: then chain B is queued. The approval stores the bundle and plan hashes."""
    if is_requester(run, principal):
        raise RunForbidden("four-eyes rule: an approver may not approve their own request "
                           f"(principal {principal.name!r} requested this run)")
    if run.status != RunStatus.awaiting_approval.value:
        raise RunConflict(f"run is {run.status}; only a run awaiting approval can be approved")
    message = RunMessage.model_validate(run.message)
    if message.verdict is None or not message.verdict.passed or message.bundle is None:
        raise RunConflict("run has no passed guardrail verdict; it cannot be approved")
    current = message.bundle.content_sha256
    if content_sha256 is not None and content_sha256 != current:
        raise RunConflict(f"the run's bundle is {current}, not the {content_sha256} you reviewed: "
                          "read the run again and approve what it holds now")
    session.execute(insert(TargetLock).values(target=run.target, run_id=run.id).on_conflict_do_nothing())
    holder = session.scalar(select(TargetLock.run_id).where(TargetLock.target == run.target))
    if holder != run.id:
        raise RunConflict(f"target {run.target} is being applied by run {holder}; approve again when it ends")
    plan_sha256 = message.plan.plan_sha256 if message.plan else None
    session.add(Approval(run_id=run.id, decision="approved", actor=principal.name, approver_principal_id=principal.id,
                         content_sha256=current, plan_sha256=plan_sha256, comment=comment))
    run.status = RunStatus.applying.value
    _audit(session, principal.name, "run.approve", run, comment=comment, principal_id=principal.id,
           content_sha256=current, plan_sha256=plan_sha256)
    pending = outbox.enqueue(session, run.id, CHAIN_APPLY, message, "run.approve")
    session.commit()  # the approval and its chain B, together
    events.publish(run.id, "run.approved", actor=principal.name, content_sha256=current)
    RUN_DECISIONS.labels("approved").inc()
    events.publish(run.id, "run.status", status=RunStatus.applying.value)
    if not outbox.send_now(celery, pending.id):
        log.warning("run %s approved; chain B is sent when the broker answers", run.id)
    return run


def reject(session: Session, run: Run, principal: Principal, comment: str | None) -> Run:
    if run.status != RunStatus.awaiting_approval.value:
        raise RunConflict(f"run is {run.status}; only a run awaiting approval can be rejected")
    session.add(Approval(run_id=run.id, decision="rejected", actor=principal.name, approver_principal_id=principal.id,
                         comment=comment))
    finish_run(session, run, RunStatus.rejected)
    _audit(session, principal.name, "run.reject", run, comment=comment, principal_id=principal.id)
    session.commit()
    events.publish(run.id, "run.status", status=RunStatus.rejected.value, actor=principal.name)
    RUN_DECISIONS.labels("rejected").inc()
    return run


def cancel(session: Session, run: Run, principal: Principal, comment: str | None) -> Run:
    """The requester may cancel a run that has not started applying; an admin may cancel any
    run that has not ended (a stuck applying or verifying one too), which frees its target
    lock. A step still running finds the run cancelled when it records, and stops its chain."""
    if not is_requester(run, principal) and not principal.is_admin:
        raise RunForbidden("only the requester or an admin may cancel a run")
    status = RunStatus(run.status)
    if status.terminal:
        raise RunConflict(f"run is {run.status}; it has ended and cannot be cancelled")
    if status not in CANCELLABLE and not principal.is_admin:
        raise RunConflict(f"run is {run.status}; only an admin can cancel a run that started applying")
    finish_run(session, run, RunStatus.cancelled, error=f"cancelled by {principal.name}")
    _audit(session, principal.name, "run.cancel", run, comment=comment, principal_id=principal.id,
           previous_status=status.value, as_admin=status not in CANCELLABLE)
    session.commit()
    events.publish(run.id, "run.status", status=RunStatus.cancelled.value, actor=principal.name)
    RUN_DECISIONS.labels("cancelled").inc()
    return run


def resume_stalled(session: Session, celery: Celery, older_than: timedelta | None = None) -> list[uuid.UUID]:
    """Resume runs whose chain is not in flight (shared/reaper.py), then send what is pending.

    Kept under this name for the CLI (`mcpcloud runs resume`) and the gateway's start.
    """
    resumed = reap(session, stalled_after=older_than)
    session.commit()
    outbox.relay_pending(celery, older_than=timedelta(0))
    return resumed
