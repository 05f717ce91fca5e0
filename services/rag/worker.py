"""Celery entry of the rag service: `celery -A services.rag.worker worker -Q rag`."""

from celery.signals import worker_init

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-rag")
app.conf.imports = ("services.rag.tasks",)


@worker_init.connect
def _warm(**_: object) -> None:
    from services.rag.retriever import warm

    warm()
