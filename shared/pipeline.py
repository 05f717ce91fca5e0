"""The two Celery chains of a run, built by task name (no service code imported)."""

from __future__ import annotations

from celery import Celery, chain

from shared.contracts import RunMessage
from shared.queues import CHAIN_APPLY, CHAIN_PLAN, Task


def _chain(app: Celery, tasks: tuple[Task, ...], message: RunMessage) -> chain:
    first, *rest = tasks
    signatures = [app.signature(first.value, args=(message.to_wire(),), queue=first.queue.value)]
    signatures += [app.signature(task.value, queue=task.queue.value) for task in rest]
    return chain(*signatures)


def start_plan(app: Celery, message: RunMessage) -> str:
    """Chain A: retrieve → generate → validate → open_pr; ends awaiting approval or blocked."""
    return _chain(app, CHAIN_PLAN, message).apply_async().id


def start_apply(app: Celery, message: RunMessage) -> str:
    """Chain B, after approval: dispatch → await run → deploy → rollout → graph → report."""
    return _chain(app, CHAIN_APPLY, message).apply_async().id
