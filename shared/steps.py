"""The step runner: what makes a pipeline task safe to deliver twice.

Every pipeline task is a plain domain function `fn(message, step) -> StepResult`
wrapped by `pipeline_task`. The wrapper gives each step, keyed by (run, task name):

- one executor at a time, and a heartbeat while it runs (shared/steps_lease.py): a
  Postgres advisory lock on its own connection; a duplicate delivery that finds the
  lock taken stops its copy of the chain; a killed worker's step is re-sent by the
  reaper (shared/reaper.py) once its heartbeat is older than the lease.
- bookkeeping that survives a Postgres outage: every database access of the runner is
  retried with backoff (shared/store_retry.py); a Redis event that cannot be published
  is logged and the step goes on (the rows in Postgres are the run's truth).
- exactly one `run_steps` row: a redelivered task that finds its step done reuses the
  stored output instead of running again, and does not restart a chain that already
  moved on.
- retries with exponential backoff for `TransientStepError` (and connection faults),
  and a clear failed run for anything else.
- a `RunStep` row and a Redis event at start and end, with the worker's host and queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import redis
from neo4j import exceptions as neo4j_errors
from celery import Celery, Task as CeleryTask
from pydantic import ValidationError
from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shared import events, steps_sql
from shared.contracts import RunMessage
from shared.db.models import Run, RunStatus, RunStep, StepStatus, TargetLock
from shared.db.session import session_scope
from shared.queues import STEP_ORDER, Task
from shared.settings import get_settings
from shared.steps_lease import LeaseLost, StepLease
from shared.store_retry import StoreUnavailable, with_store_retry

log = logging.getLogger(__name__)


class StepError(Exception):
    """A permanent failure: the run fails with this message."""


class TransientStepError(Exception):
    """A fault worth retrying (timeouts, 5xx, rate limits): retried with backoff."""


@dataclass
class StepResult:
    message: RunMessage
    status: StepStatus = StepStatus.succeeded
    detail: str = ""
    output: Any = None
    run_status: RunStatus | None = None
    stop_chain: bool = False
    log_lines: list[str] = field(default_factory=list)


@dataclass
class StepContext:
    """What a domain function may know about its execution."""

    task: Task
    attempt: int
    worker: str
    log_lines: list[str] = field(default_factory=list)

    def log(self, line: str) -> None:
        self.log_lines.append(line)


StepFunction = Callable[[RunMessage, StepContext], StepResult]


def now() -> datetime:
    return datetime.now(UTC)


def release_target_lock(session: Session, run: Run) -> None:
    session.execute(delete(TargetLock).where(TargetLock.run_id == run.id))


def finish_run(session: Session, run: Run, status: RunStatus, error: str | None = None) -> None:
    """The run's new status; a terminal one stamps finished_at and frees the target lock.
    The step runner does the same in one statement (shared/steps_sql.RECORD): change both."""
    run.status = status.value
    if error:
        run.error = error
    if status.terminal:
        run.finished_at = now()
        release_target_lock(session, run)


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    TransientStepError,
    ConnectionError,
    TimeoutError,
    psycopg.OperationalError,
    OperationalError,
    redis.ConnectionError,
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.TransientError,
)


def pipeline_task(
    app: Celery,
    task: Task,
    *,
    starts: RunStatus | None = None,
) -> Callable[[StepFunction], CeleryTask]:
    """Register `fn` as the Celery task `task`, run through the step runner.

    `starts` is the run status the run enters when this step starts (e.g. planning).
    """

    def decorator(fn: StepFunction) -> CeleryTask:
        # resultrepr_maxsize: Celery's "succeeded" log line shows the first 200 characters
        # of the returned message (tens of KB of JSON), not a 1 KB repr built at every hop.
        @app.task(name=task.value, bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None,
                  resultrepr_maxsize=200)
        def run_step(self: CeleryTask, payload: dict) -> dict | None:
            return _execute(self, task, fn, payload, starts)

        run_step.__doc__ = fn.__doc__
        return run_step

    return decorator


def _stop_chain(celery_task: CeleryTask) -> None:
    celery_task.request.chain = None
    celery_task.request.callbacks = None


def _execute(
    celery_task: CeleryTask, task: Task, fn: StepFunction, payload: dict, starts: RunStatus | None
) -> dict | None:
    try:
        message = RunMessage.model_validate(payload)
    except ValidationError as exc:
        log.error("%s got an invalid message: %s", task.value, exc)
        _stop_chain(celery_task)
        run_id = payload.get("run_id") if isinstance(payload, dict) else None
        if run_id:
            _fail_run(str(run_id), task, f"invalid message for {task.value}: {exc.errors()[:3]}")
        return None
    run_id = str(message.run_id)
    lease = StepLease(run_id, task)
    worker = celery_task.request.hostname or "unknown"
    queue = (celery_task.request.delivery_info or {}).get("routing_key") or task.queue.value
    try:
        locked, begun = lease.acquire(lambda connection: _begin(connection, task, message, starts, worker, queue))
        if not locked:
            log.warning("%s for run %s is running elsewhere; dropping this duplicate", task.value, run_id)
            _stop_chain(celery_task)
            return None
        try:
            return _run_locked(celery_task, task, fn, message, starts, lease, begun, worker, queue)
        finally:
            lease.release()
    except StoreUnavailable as exc:
        # Never acknowledged as done: the task goes back to the broker, and the reaper
        # finds the step by its stale heartbeat if even that fails.
        log.error("%s for run %s: %s; sending the task again in 10s", task.value, run_id, exc)
        raise celery_task.retry(exc=exc, countdown=10, max_retries=None) from exc


def _begin(connection: Connection, task: Task, message: RunMessage, starts: RunStatus | None,
           worker: str, queue: str) -> tuple[str, Any]:
    """Mark the step running, or say why not: ("run", (attempt, entered)), ("stop", None), ("continue", wire).

    One statement on the lock's connection, right after the lock (shared/steps_sql.py)."""
    row = connection.execute(steps_sql.BEGIN, {
        "run_id": message.run_id, "name": task.value, "seq": STEP_ORDER[task.value], "worker": worker,
        "queue": queue, "started": now(), "starts": starts.value if starts else None,
        "terminal": steps_sql.TERMINAL_RUN, "done": steps_sql.DONE_STEP}).one()
    if row.run_status is None:
        log.error("run %s does not exist; %s dropped", message.run_id, task.value)
        return "stop", None
    if RunStatus(row.run_status).terminal:
        return "stop", None
    if row.attempts is None:  # the step is done already
        wire = _redelivered(connection, message.run_id, row.step_seq, row.step_status, task)
        return ("stop", None) if wire is None else ("continue", wire)
    return "run", (row.attempts, row.entered)


def _run_locked(celery_task: CeleryTask, task: Task, fn: StepFunction, message: RunMessage,
                starts: RunStatus | None, lease: StepLease, begun: tuple[str, Any], worker: str,
                queue: str) -> dict | None:
    settings = get_settings()
    run_id = str(message.run_id)
    outcome, value = begun
    if outcome != "run":
        if outcome == "stop":
            _stop_chain(celery_task)
        return value
    attempt, entered = value
    started_events = [("run.status", {"status": starts.value})] if entered else []
    started_events.append(("step.started", {"step": task.value, "worker": worker, "queue": queue, "attempt": attempt}))
    events.publish_many(run_id, started_events)  # after the commit: never announces a rolled-back change

    context = StepContext(task=task, attempt=attempt, worker=worker)
    started = time.perf_counter()
    lease.start_heartbeat()
    try:
        _inject_fault(task)
        result = fn(message, context)
    except TRANSIENT_ERRORS as exc:
        if not _still_ours(celery_task, lease):
            return None
        retries = celery_task.request.retries
        if retries < settings.step_retry_max:
            countdown = min(2**retries, settings.step_retry_backoff_max)
            _record_retry(run_id, task, f"{type(exc).__name__}: {exc}; retry {retries + 1} in {countdown}s", countdown)
            raise celery_task.retry(exc=exc, countdown=countdown) from exc
        _fail(celery_task, run_id, task, f"{task.value} failed after {retries} retries: {exc}", context)
        return None
    except StepError as exc:
        if _still_ours(celery_task, lease):
            _fail(celery_task, run_id, task, str(exc), context)
        return None
    except Exception as exc:  # noqa: BLE001 - any other fault fails the run, with its message
        log.exception("%s failed for run %s", task.value, run_id)
        if _still_ours(celery_task, lease):
            _fail(celery_task, run_id, task, f"{task.value} failed: {type(exc).__name__}: {exc}", context)
        return None
    finally:
        lease.stop_heartbeat()
    elapsed_ms = (time.perf_counter() - started) * 1000
    return _record_result(celery_task, lease, task, result, context, elapsed_ms)


def _still_ours(celery_task: CeleryTask, lease: StepLease) -> bool:
    """False when another executor took the step while Postgres was away: drop this result."""
    lease.stop_heartbeat()
    if lease.still_held():
        return True
    log.error("%s for run %s: the step was taken over by another executor; result dropped",
              lease.task.value, lease.run_id)
    _stop_chain(celery_task)
    return False


def _redelivered(connection: Connection, run_id: Any, seq: int, status: str, task: Task) -> dict | None:
    """A step found done: reuse its result; never restart a chain that moved on (None: stop)."""
    later = connection.scalar(
        select(RunStep.id).where(RunStep.run_id == run_id, RunStep.seq > seq).limit(1)
    )
    if later is not None or status in (StepStatus.blocked.value, StepStatus.failed.value):
        return None
    log.info("%s for run %s already done; continuing the chain from its stored result", task.value, run_id)
    return connection.scalar(select(Run.message).where(Run.id == run_id))


def _inject_fault(task: Task) -> None:
    """Test-only slowdown (env dev/test) so failure tests can kill a worker mid-step."""
    settings = get_settings()
    delay = settings.fault_step_delay.get(task.value) if settings.env in ("dev", "test") else None
    if delay:
        time.sleep(delay)


def _record_retry(run_id: str, task: Task, detail: str, countdown: float) -> None:
    """The step waits for its retry: its lease runs until the retry is due (plus the lease)."""
    def record() -> None:
        with session_scope() as session:
            step = session.scalar(select(RunStep).where(RunStep.run_id == run_id, RunStep.name == task.value))
            if step is not None:
                step.status = StepStatus.retrying.value
                step.detail = detail
                step.heartbeat_at = now() + timedelta(seconds=countdown)

    with_store_retry(f"recording a retry of {task.value}", record)
    events.publish(run_id, "step.retrying", step=task.value, detail=detail)


def _record_result(
    celery_task: CeleryTask, lease: StepLease, task: Task, result: StepResult, context: StepContext, elapsed_ms: float
) -> dict | None:
    """Record the step's end on the lease's connection (so it is written only while the lock is ours)."""
    run_id = lease.run_id
    wire = result.message.to_wire()
    output = result.output.model_dump(mode="json") if hasattr(result.output, "model_dump") else result.output

    ends = result.run_status is not None and result.run_status.terminal

    def record(connection: Connection) -> bool:
        """One statement (shared/steps_sql.py); True when the run was cancelled meanwhile."""
        row = connection.execute(steps_sql.RECORD, {
            "run_id": run_id, "name": task.value, "status": result.status.value, "finished": now(),
            "duration_ms": round(elapsed_ms, 2), "detail": result.detail or None, "output": output,
            "log": "\n".join(context.log_lines + result.log_lines) or None, "message": wire,
            "run_status": result.run_status.value if result.run_status is not None else None, "ends": ends}).one()
        if not row.step_found:
            raise StepError(f"run {run_id} vanished while {task.value} ran")
        return not row.run_updated

    try:
        cancelled = lease.transaction(f"recording the result of {task.value}", record)
    except LeaseLost:
        log.error("%s for run %s: the step was taken over by another executor; result dropped", task.value, run_id)
        _stop_chain(celery_task)
        return None
    finished = [("step.finished", {"step": task.value, "status": result.status.value, "detail": result.detail,
                                   "duration_ms": round(elapsed_ms, 2)})]
    if cancelled:
        events.publish_many(run_id, finished)
        _stop_chain(celery_task)
        return None
    if result.run_status is not None:
        finished.append(("run.status", {"status": result.run_status.value}))
    events.publish_many(run_id, finished)
    if result.stop_chain or (result.run_status is not None and result.run_status.terminal):
        _stop_chain(celery_task)
        return None
    return wire


def _fail(celery_task: CeleryTask, run_id: str, task: Task, reason: str, context: StepContext | None) -> None:
    _stop_chain(celery_task)
    _fail_run(run_id, task, reason, context.log_lines if context else None)


def _fail_run(run_id: str, task: Task, reason: str, log_lines: list[str] | None = None) -> None:
    def record() -> None:
        with session_scope() as session:
            run = session.get(Run, run_id, with_for_update=True)
            if run is None:
                return
            step = session.scalar(select(RunStep).where(RunStep.run_id == run.id, RunStep.name == task.value))
            if step is not None:
                step.status = StepStatus.failed.value
                step.finished_at = now()
                step.detail = reason
                step.log = "\n".join(log_lines or []) or None
            if not RunStatus(run.status).terminal:
                finish_run(session, run, RunStatus.failed, error=reason)

    with_store_retry(f"failing run {run_id}", record)
    events.publish(run_id, "step.finished", step=task.value, status=StepStatus.failed.value, detail=reason)
    events.publish(run_id, "run.status", status=RunStatus.failed.value, error=reason)
