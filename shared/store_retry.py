"""Waiting out a Postgres outage instead of losing work.

A step's bookkeeping (its lock, its row, the run's status) is the truth about a run: if
one of those writes raised, Celery would acknowledge the task and the chain would end
with the run stuck. So every such access goes through `with_store_retry`, which retries
connection faults with backoff for up to `step_store_retry_seconds` (a restart of
Postgres takes seconds), and only then gives up with `StoreUnavailable`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from shared.settings import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")

DB_FAULTS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, psycopg.OperationalError,
                                               psycopg.InterfaceError)


class StoreUnavailable(Exception):
    """Postgres did not answer within the retry budget."""


def is_db_fault(exc: BaseException) -> bool:
    """A connection-level fault (the server went away), not a bad statement."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, DB_FAULTS)


def with_store_retry(what: str, fn: Callable[[], T], *, budget: float | None = None) -> T:
    """Call `fn` until it returns, retrying connection faults with backoff within `budget` seconds."""
    budget = get_settings().step_store_retry_seconds if budget is None else budget
    deadline = time.monotonic() + budget
    delay = 0.25
    attempt = 0
    while True:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - only connection faults are retried
            if not is_db_fault(exc):
                raise
            attempt += 1
            if time.monotonic() + delay > deadline:
                raise StoreUnavailable(f"Postgres unavailable for {what} after {attempt} tries: {exc}") from exc
            log.warning("Postgres unavailable for %s (try %d): %s; retrying in %.2fs", what, attempt,
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
