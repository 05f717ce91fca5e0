"""Transactional queueing: a decision and the chain it calls for commit together.

A new run and its chain A, an approval and its chain B, a reaped step and the rest of
its chain: each is written as an `outbox` row in the same transaction as the decision.
After the commit the caller sends it at once (`send_now`, so a request waits no longer
than it did when it sent the chain itself); if the broker was down the row stays
pending and the gateway's background relay (`relay_pending`, shared/reaper.py) sends
it when the broker answers again. A row is locked while it is sent (FOR UPDATE SKIP
LOCKED), so two relays never send the same row; if the mark `sent_at` is lost after a
send, the chain is sent twice, which the step runner makes harmless (shared/steps.py).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from celery import Celery
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.contracts import RunMessage
from shared.db.models import Outbox, Run, RunStatus
from shared.db.session import session_scope
from shared.pipeline import send_chain
from shared.queues import Task

log = logging.getLogger(__name__)


def enqueue(session: Session, run_id: uuid.UUID, tasks: Sequence[Task], message: RunMessage | dict,
            reason: str) -> Outbox:
    """Add the chain to the session's transaction (committed with the decision)."""
    wire = message.to_wire() if isinstance(message, RunMessage) else message
    row = Outbox(run_id=run_id, reason=reason, tasks=[task.value for task in tasks], message=wire, attempts=0)
    session.add(row)
    session.flush()
    return row


def _send(session: Session, celery: Celery, row: Outbox) -> bool:
    status = session.scalar(select(Run.status).where(Run.id == row.run_id))
    if status is None or RunStatus(status).terminal:
        row.sent_at = datetime.now(UTC)
        row.last_error = f"not sent: run is {status or 'gone'}"
        return True
    row.attempts += 1
    try:
        send_chain(celery, [Task(name) for name in row.tasks], row.message, resent=row.reason.startswith("reaper:"))
    except Exception as exc:  # noqa: BLE001 - any broker fault: the row stays pending
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        log.warning("outbox %s (%s, run %s) not sent: %s", row.id, row.reason, row.run_id, row.last_error)
        return False
    row.sent_at = datetime.now(UTC)
    row.last_error = None
    return True


def send_now(celery: Celery, outbox_id: int) -> bool:
    """Send one row right after its commit. False: left pending for the relay (broker down)."""
    try:
        with session_scope() as session:
            row = session.scalar(select(Outbox).where(Outbox.id == outbox_id, Outbox.sent_at.is_(None))
                                 .with_for_update(skip_locked=True))
            if row is None:  # sent already, or being sent by the relay right now
                return True
            return _send(session, celery, row)
    except Exception as exc:  # noqa: BLE001 - the row is committed; the relay sends it later
        log.warning("outbox %s: could not send now (%s); the relay will", outbox_id, exc)
        return False


def relay_pending(celery: Celery, *, older_than: timedelta = timedelta(seconds=1), limit: int = 200) -> int:
    """Send pending rows older than `older_than`, oldest first. Returns how many were sent.

    Stops at the first broker fault: the rest would fail the same way.
    """
    sent = 0
    cutoff = datetime.now(UTC) - older_than
    with session_scope() as session:
        rows = session.scalars(
            select(Outbox).where(Outbox.sent_at.is_(None), Outbox.created_at < cutoff)
            .order_by(Outbox.id).limit(limit).with_for_update(skip_locked=True)
        ).all()
        for row in rows:
            if not _send(session, celery, row):
                break
            sent += 1
    if sent:
        log.info("outbox relay sent %d pending chain(s)", sent)
    return sent


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Outbox).where(Outbox.sent_at.is_(None))) or 0
