"""Celery entry of the github service: `celery -A services.github.worker worker -Q github`."""

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-github")
app.conf.imports = ("services.github.tasks",)
