"""The reaper: finds runs whose chain is no longer in flight and sends it again.

Two cases, both decided from the rows in Postgres (the truth about a run):

- **a step whose lease expired**: its row says running (or retrying) but its heartbeat
  (shared/steps_lease.py) is older than `step_lease_seconds`: the worker was killed or
  lost. The step and the rest of its chain are sent again, without waiting for the
  broker's visibility timeout (minutes).
- **a chain that ended without a terminal status**: no step is live, nothing was sent
  for the run for `reaper_stalled_seconds`, no task of the run waits in the broker
  (shared/broker_inspect.py: a busy queue is not a lost message), and the run is queued
  with no step, approved with no apply step, or its last step succeeded and the next one
  never started (a message was lost, a broker restarted empty). The next step and the
  rest of its chain are sent.

Sending again is safe because a step is idempotent: one executor at a time (its
advisory lock) and a finished step is never run again (its stored output). What is sent
goes through the outbox, in the transaction that claims the step, so a broker outage
during reaping loses nothing either.

The gateway runs `reap_tick` every `reaper_interval_seconds` under a Postgres advisory
lock, so one replica reaps at a time; `mcpcloud runs resume` runs it once.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import UTC, datetime, timedelta

from celery import Celery
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from shared import events, outbox
from shared.broker_inspect import runs_in_broker
from shared.db.models import Approval, AuditLog, Outbox, Run, RunStatus, RunStep, StepStatus, TERMINAL_STATUSES
from shared.db.session import session_scope
from shared.pipeline import chain_from
from shared.queues import CHAIN_APPLY, CHAIN_PLAN, STEP_ORDER, Task
from shared.settings import get_settings

log = logging.getLogger(__name__)

REAPER_LOCK_KEY = 0x6D6370_7265617065  # "mcp" "reape": one reaper at a time across gateway replicas
LIVE = (StepStatus.running.value, StepStatus.retrying.value)
NOT_REAPED = [status.value for status in TERMINAL_STATUSES] + [RunStatus.awaiting_approval.value]
FIRST_APPLY_SEQ = STEP_ORDER[CHAIN_APPLY[0].value]


def _resend(session: Session, run: Run, tasks: tuple[Task, ...], why: str) -> None:
    outbox.enqueue(session, run.id, tasks, run.message, f"reaper: {tasks[0].value}")
    session.add(AuditLog(actor="reaper", action="run.resume", target_type="run", target_id=str(run.id),
                         detail={"from_step": tasks[0].value, "why": why}))
    log.warning("run %s: %s; sending %s again", run.id, why, " → ".join(task.value for task in tasks))


def _expired_leases(session: Session, now: datetime, lease: float) -> list[uuid.UUID]:
    cutoff = now - timedelta(seconds=lease)
    rows = session.execute(
        select(RunStep, Run).join(Run, Run.id == RunStep.run_id)
        .where(RunStep.status.in_(LIVE), func.coalesce(RunStep.heartbeat_at, RunStep.started_at) < cutoff,
               Run.status.not_in(NOT_REAPED))
        .order_by(RunStep.id).with_for_update(of=RunStep, skip_locked=True)
    ).all()
    resumed = []
    for step, run in rows:
        earlier = session.scalar(select(func.count()).select_from(Outbox).where(
            Outbox.run_id == run.id, Outbox.reason == f"reaper: {step.name}")) or 0
        # Claim: not re-sent before another lease passes, backing off if the step keeps dying.
        step.heartbeat_at = now + timedelta(seconds=lease * (2 ** min(earlier, 3) - 1))
        _resend(session, run, chain_from(Task(step.name)),
                f"{step.name} on {step.worker} is {step.status} but its heartbeat stopped more than {lease:g}s ago")
        resumed.append(run.id)
    return resumed


def _next_tasks(session: Session, run: Run, cutoff: datetime) -> tuple[tuple[Task, ...], str] | None:
    """What a run whose chain ended should be sent, and why; None when nothing is owed."""
    last = session.scalar(select(RunStep).where(RunStep.run_id == run.id).order_by(RunStep.seq.desc()).limit(1))
    if run.status == RunStatus.applying.value and (last is None or last.seq < FIRST_APPLY_SEQ):
        approved = session.scalar(select(Approval.id).where(
            Approval.run_id == run.id, Approval.decision == "approved", Approval.created_at < cutoff))
        return (CHAIN_APPLY, "approved but chain B never started") if approved else None
    if last is None:
        return (CHAIN_PLAN, "queued but chain A never started") if run.status == RunStatus.queued.value else None
    if last.status not in (StepStatus.succeeded.value, StepStatus.skipped.value):
        return None
    task = Task(last.name)
    chain = CHAIN_PLAN if task in CHAIN_PLAN else CHAIN_APPLY
    index = chain.index(task)
    if index + 1 >= len(chain):
        return None
    return chain[index + 1:], f"{last.name} finished but {chain[index + 1].value} never started"


def _ended_chains(session: Session, now: datetime, stalled: float) -> list[uuid.UUID]:
    cutoff = now - timedelta(seconds=stalled)
    live_step = select(RunStep.id).where(RunStep.run_id == Run.id, RunStep.status.in_(LIVE)).exists()
    recent_send = select(Outbox.id).where(Outbox.run_id == Run.id,
                                          (Outbox.created_at > cutoff) | Outbox.sent_at.is_(None)).exists()
    recent_step = select(RunStep.id).where(RunStep.run_id == Run.id, RunStep.finished_at > cutoff).exists()
    runs = session.scalars(
        select(Run).where(Run.status.not_in(NOT_REAPED), Run.created_at < cutoff, ~live_step, ~recent_send,
                          ~recent_step)
        .order_by(Run.created_at).with_for_update(of=Run, skip_locked=True)
    ).all()
    if not runs:
        return []
    in_broker = runs_in_broker(unacked_newer_than=stalled)
    if in_broker is None:  # cannot tell a lost message from a waiting one: judged at a later tick
        return []
    resumed = []
    for run in runs:
        if str(run.id) in in_broker:  # its next task is waiting its turn (or delivered, not yet started)
            continue
        owed = _next_tasks(session, run, cutoff)
        if owed is not None:
            _resend(session, run, *owed)
            resumed.append(run.id)
    return resumed


def reap(session: Session, *, lease: float | None = None, stalled_after: timedelta | float | None = None) -> list[uuid.UUID]:
    """Queue (in the outbox, in the caller's transaction) what the runs found owe. Returns their ids."""
    settings = get_settings()
    lease = settings.step_lease_seconds if lease is None else lease
    if stalled_after is None:
        stalled_after = settings.reaper_stalled_seconds
    stalled = stalled_after.total_seconds() if isinstance(stalled_after, timedelta) else float(stalled_after)
    now = datetime.now(UTC)
    resumed = _expired_leases(session, now, lease) + _ended_chains(session, now, stalled)
    return resumed


def reap_tick(celery: Celery) -> list[uuid.UUID]:
    """One pass: reap under the cluster-wide advisory lock, then relay pending outbox rows."""
    resumed: list[uuid.UUID] = []
    with session_scope() as session:
        if session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": REAPER_LOCK_KEY}):
            resumed = reap(session)
    for run_id in resumed:
        events.publish(run_id, "run.resumed")
    outbox.relay_pending(celery)
    return resumed


async def reaper_loop(celery: Celery) -> None:
    """The gateway's background task: reap and relay every `reaper_interval_seconds` (0: off)."""
    interval = get_settings().reaper_interval_seconds
    if not interval:
        return
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.to_thread(reap_tick, celery)
        except Exception as exc:  # noqa: BLE001 - a store outage: tried again at the next tick
            log.warning("reaper tick failed: %s: %s", type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
