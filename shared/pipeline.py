"""The two Celery chains of a run, built by task name (no service code imported).

The gateway does not send a chain directly: it records it in the outbox with the
decision that calls for it (shared/outbox.py), which sends it with `send_chain`.
"""

from __future__ import annotations

from collections.abc import Sequence

from celery import Celery, chain

from shared.contracts import RunMessage
from shared.queues import CHAIN_APPLY, CHAIN_PLAN, Task


# Broker priorities (Redis: a list per priority step, the lowest number served first).
# Pipeline steps go at STEP_PRIORITY; a step the reaper re-sends (its worker died) goes at
# RESENT_PRIORITY, ahead of the queue's backlog, so its run does not wait behind every run
# queued after it.
STEP_PRIORITY = 5
RESENT_PRIORITY = 0


def _chain(app: Celery, tasks: Sequence[Task], message: RunMessage | dict, first_priority: int) -> chain:
    """The chain's tasks ignore results: a run's truth is its rows in Postgres, and a sender
    that awaits no result never subscribes to the result backend (which, while Redis is
    down, retries for 20 s before letting a request go)."""
    wire = message.to_wire() if isinstance(message, RunMessage) else message
    first, *rest = tasks
    signatures = [app.signature(first.value, args=(wire,), queue=first.queue.value, ignore_result=True,
                                priority=first_priority)]
    signatures += [app.signature(task.value, queue=task.queue.value, ignore_result=True, priority=STEP_PRIORITY)
                   for task in rest]
    return chain(*signatures)


def send_chain(app: Celery, tasks: Sequence[Task], message: RunMessage | dict, *, resent: bool = False) -> str:
    """Send `tasks` as one chain, the first getting `message`; returns the first task's id.

    `resent`: the first task goes ahead of its queue's backlog (a step re-sent by the reaper)."""
    return _chain(app, tasks, message, RESENT_PRIORITY if resent else STEP_PRIORITY).apply_async().id


def chain_from(task: Task) -> tuple[Task, ...]:
    """`task` and the tasks after it in its chain (A or B)."""
    for tasks in (CHAIN_PLAN, CHAIN_APPLY):
        if task in tasks:
            return tasks[tasks.index(task):]
    raise ValueError(f"{task.value} is not a pipeline step")


def start_plan(app: Celery, message: RunMessage) -> str:
    """Chain A: retrieve → generate → validate → plan → open_pr; ends awaiting approval or blocked."""
    return send_chain(app, CHAIN_PLAN, message)


def start_apply(app: Celery, message: RunMessage) -> str:
    """Chain B, after approval: dispatch → await run → apply → deploy → rollout → graph → report."""
    return send_chain(app, CHAIN_APPLY, message)
