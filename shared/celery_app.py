"""One Celery app factory for every process.

JSON only (no pickle), late acknowledgement, and a task lost with its worker goes back
to the queue: a step is never lost because a process died. Routes send each
`service.verb` task to its service's queue.

Pipeline steps store no Celery result: a chain hands each step's return value to the
next step inside the task message, Postgres (`run_steps`, `runs.message`) holds what a
step produced, and nothing waits on a step's AsyncResult. Storing it cost two writes
of the whole run message (STARTED, then SUCCESS with a publish) per hop. The sender's
message header decides (it overrides the task's own `ignore_result`), so every process
marks step messages as it publishes them: the gateway starting a chain, a worker
continuing one. Tasks a caller waits on (`policy.scan_files`, knowledge answers,
graph imports) keep their results.
Task events are off unless `MCP_CELERY_TASK_EVENTS` is set: Flower enables them itself.
"""

from __future__ import annotations

from celery import Celery
from celery.signals import before_task_publish
from kombu import Exchange
from kombu import Queue as KombuQueue

from shared.queues import STEP_ORDER, Queue
from shared.settings import Settings, get_settings


def create_celery_app(name: str = "mcpcloud", settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    app = Celery(name, broker=settings.broker_url, backend=settings.result_backend)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        result_accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_track_started=True,
        task_queues=[KombuQueue(q.value, Exchange(q.value), routing_key=q.value) for q in Queue],
        task_routes=(_route,),
        task_default_queue=Queue.rag.value,
        broker_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        result_backend_transport_options={"visibility_timeout": settings.broker_visibility_timeout},
        result_expires=24 * 3600,
        broker_connection_retry_on_startup=True,
        worker_send_task_events=settings.celery_task_events,
        task_send_sent_event=settings.celery_task_events,
        enable_utc=True,
    )
    return app


@before_task_publish.connect(weak=False)
def _steps_store_no_result(sender: str | None = None, headers: dict | None = None, **_: object) -> None:
    """Mark a pipeline step's message so the worker stores no result for it (see module doc)."""
    if headers is not None and (sender or headers.get("task")) in STEP_ORDER:
        headers["ignore_result"] = True


def _route(name: str, args, kwargs, options, task=None, **kw):  # noqa: ANN001 - Celery's router signature
    service = name.split(".", 1)[0]
    if service in Queue.__members__:
        return {"queue": service, "routing_key": service}
    return None
