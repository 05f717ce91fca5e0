"""Celery entry of the rag service: `celery -A services.rag.worker worker -Q rag`."""

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-rag")
app.conf.imports = ("services.rag.tasks",)
