"""One executor per step, and a heartbeat that tells the reaper the executor is alive.

`StepLease` holds a session-level Postgres advisory lock keyed by (run, task) on its own
connection: a worker that dies drops its connection and so its lock, and a duplicate
delivery that finds the lock taken drops its copy of the chain.

While the step runs, a thread renews `run_steps.heartbeat_at` every
`step_heartbeat_seconds` on that same connection. When the heartbeat stops (the worker
was killed), `shared/reaper.py` re-sends the step after `step_lease_seconds` instead of
waiting for the broker's visibility timeout (minutes).

If Postgres restarts under a running step, the lock's connection is gone: the heartbeat
reconnects and takes the lock again. If someone else took it meanwhile (the reaper
re-sent the step and another worker runs it), this execution is `lost`: its result is
dropped and its chain stopped, so the step is recorded once and the chain goes on once.

The lock's connection also carries the step's own bookkeeping, in autocommit: `acquire`
takes the lock and then marks the step running, and `transaction` records the result
after the heartbeat stopped, each one statement (shared/steps_sql.py). A pipeline hop so
checks out one connection and makes five round trips to Postgres (ping, lock, start,
end, unlock) where it made about twenty-five; and a result written on the connection
that holds the lock needs no separate "do we still hold it?" query.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, text

from shared.db.session import get_engine
from shared.queues import Task
from shared.settings import get_settings
from shared.store_retry import is_db_fault, with_store_retry

log = logging.getLogger(__name__)


T = TypeVar("T")
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:k)")
_UNLOCK = text("SELECT pg_advisory_unlock(:k)")


def _connect() -> Connection:
    """The lease's connection, in autocommit: each statement its own transaction (shared/steps_sql.py)."""
    return get_engine().connect().execution_options(isolation_level="AUTOCOMMIT")


class LeaseLost(Exception):
    """Another executor took the step while this one could not reach Postgres."""


_BEAT = text(
    "UPDATE run_steps SET heartbeat_at = now() WHERE run_id = :run_id AND name = :name AND status = 'running'"
)


def lock_key(run_id: str, task: Task) -> int:
    digest = hashlib.sha256(f"{run_id}:{task.value}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class StepLease:
    """The advisory lock of one step execution, and its heartbeat thread."""

    def __init__(self, run_id: str, task: Task) -> None:
        self.run_id = run_id
        self.task = task
        self.key = lock_key(run_id, task)
        self.connection: Connection | None = None
        self.lost = False
        self._beating = False
        self._beat_mutex = threading.Lock()  # held while a beat uses the connection

    def _try_lock(self) -> bool:
        self._close()
        connection = _connect()
        try:
            got = bool(connection.execute(_TRY_LOCK, {"k": self.key}).scalar())
            connection.commit()
        except BaseException:
            connection.close()
            raise
        if got:
            self.connection = connection
        else:
            connection.close()
        return got

    def acquire(self, first: Callable[[Connection], T]) -> tuple[bool, T | None]:
        """Take the lock, then run `first` on its connection (waiting out a Postgres outage).

        (False, None) when another executor holds the lock; else (True, what `first` returned).
        If `first` fails, the connection is closed for good, which ends its lock."""

        def attempt() -> tuple[bool, T | None]:
            if not self._try_lock():
                return False, None
            try:
                value = first(self.connection)
                self.connection.commit()
                return True, value
            except BaseException:
                self._close(dead=True)
                raise

        return with_store_retry(f"the step lock of {self.task.value}", attempt)

    def transaction(self, what: str, fn: Callable[[Connection], T]) -> T:
        """Run `fn` on the lock's connection (autocommit), once the heartbeat has stopped.

        A connection that died (Postgres restarted) is replaced and the lock taken again;
        `LeaseLost` when another executor took it meanwhile. Faults are retried
        (shared/store_retry.py); any other error rolls back and is raised."""

        def attempt() -> T:
            if not self.lost and self.connection is None and not self._try_lock():
                self.lost = True
            if self.lost:
                raise LeaseLost(f"{self.task.value} for run {self.run_id} was taken over by another executor")
            connection = self.connection
            try:
                value = fn(connection)
                connection.commit()
                return value
            except BaseException as exc:
                if is_db_fault(exc):
                    self._close(dead=True)
                else:
                    try:
                        connection.rollback()
                    except Exception:  # noqa: BLE001 - a broken connection: replaced at the next use
                        self._close(dead=True)
                raise

        return with_store_retry(what, attempt)

    def start_heartbeat(self) -> None:
        """Renew `heartbeat_at` every `step_heartbeat_seconds` until `stop_heartbeat` (see _Beater)."""
        self._beating = True
        _beater().add(self)

    def _beat_if_running(self) -> None:
        """One beat, unless `stop_heartbeat` came first (then the connection is the step's again)."""
        with self._beat_mutex:
            if not self._beating:
                return
            try:
                self._beat()
            except Exception as exc:  # noqa: BLE001 - a missed beat is retried at the next tick
                log.warning("heartbeat of %s for run %s failed: %s", self.task.value, self.run_id, exc)

    def _beat(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(_BEAT, {"run_id": self.run_id, "name": self.task.value})
                self.connection.commit()
                return
            except Exception as exc:  # noqa: BLE001
                if not is_db_fault(exc):
                    raise
                log.warning("the lock connection of %s for run %s was lost (%s); taking the lock again",
                            self.task.value, self.run_id, str(exc).splitlines()[0] if str(exc) else exc)
                self._close(dead=True)
        if not self._try_lock():  # raises while Postgres is still down: tried again at the next tick
            self.lost = True
            self._beating = False
            log.error("%s for run %s: another executor took the step while Postgres was away; "
                      "this execution's result will be dropped", self.task.value, self.run_id)
            return
        log.info("%s for run %s holds its step lock again", self.task.value, self.run_id)
        self._beat()

    def stop_heartbeat(self) -> None:
        """No beat after this returns (a beat under way is waited for): the connection is ours."""
        with self._beat_mutex:
            self._beating = False
        _beater().remove(self)

    def still_held(self) -> bool:
        """After the step ran: do we still hold the lock (retaking it if Postgres restarted)?"""
        if self.lost:
            return False

        def check() -> bool:
            if self.connection is not None:
                try:
                    self.connection.execute(text("SELECT 1"))
                    self.connection.commit()
                    return True
                except Exception as exc:  # noqa: BLE001
                    if not is_db_fault(exc):
                        raise
                    self._close(dead=True)
            return self._try_lock()

        self.lost = not with_store_retry(f"the step lock of {self.task.value}", check)
        return not self.lost

    def release(self) -> None:
        self.stop_heartbeat()
        if self.connection is None:
            return
        try:
            if self.connection.in_transaction():
                self.connection.rollback()
            # In autocommit: one round trip. The pool restores the isolation level on return.
            self.connection.execute(_UNLOCK, {"k": self.key})
            self._close()
        except Exception as exc:  # noqa: BLE001 - closing the connection for good ends its lock too
            log.info("step lock of %s for run %s released with its connection (%s)", self.task.value, self.run_id,
                     type(exc).__name__)
            self._close(dead=True)

    def _close(self, dead: bool = False) -> None:
        if self.connection is not None:
            try:
                if dead:  # not returned to the pool: the next checkout gets a fresh connection
                    self.connection.invalidate()
                self.connection.close()
            except Exception:  # noqa: BLE001 - closing a dead connection
                pass
            self.connection = None


class _Beater:
    """One heartbeat thread per process, for every lease of the process that is running.

    A thread started and joined per step cost two thread hand-offs per pipeline hop (the
    join waits for the thread to wake and exit), milliseconds each on a busy machine. This
    thread sleeps until the earliest beat is due; adding a lease never wakes it, as a new
    lease's first beat (one interval away) is never due before the thread's next wake-up.
    Re-created in a forked child (Celery's prefork pool), where the parent's thread is gone.
    """

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.interval = get_settings().step_heartbeat_seconds
        self.due: dict[int, tuple[StepLease, float]] = {}
        self.mutex = threading.Lock()
        self.thread = threading.Thread(target=self._loop, name="step-lease-heartbeat", daemon=True)
        self.thread.start()

    def add(self, lease: StepLease) -> None:
        with self.mutex:
            self.due[id(lease)] = (lease, time.monotonic() + self.interval)

    def remove(self, lease: StepLease) -> None:
        with self.mutex:
            self.due.pop(id(lease), None)

    def _loop(self) -> None:
        while True:
            now = time.monotonic()
            with self.mutex:
                ready = [lease for lease, at in self.due.values() if at <= now]
                for lease in ready:
                    self.due[id(lease)] = (lease, now + self.interval)
            for lease in ready:
                lease._beat_if_running()
                if lease.lost:
                    self.remove(lease)
            with self.mutex:
                next_at = min((at for _, at in self.due.values()), default=now + self.interval)
            time.sleep(max(0.01, min(next_at, now + self.interval) - time.monotonic()))


_BEATER: _Beater | None = None
_BEATER_MUTEX = threading.Lock()


def _beater() -> _Beater:
    global _BEATER
    with _BEATER_MUTEX:
        if _BEATER is None or _BEATER.pid != os.getpid() or not _BEATER.thread.is_alive():
            _BEATER = _Beater()
        return _BEATER
