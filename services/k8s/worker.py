"""Celery entry of the k8s service: `celery -A services.k8s.worker worker -Q k8s`."""

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-k8s")
app.conf.imports = ("services.k8s.tasks",)
