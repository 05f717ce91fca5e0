"""Celery entry of the terraform service: `celery -A services.terraform.worker worker -Q terraform`."""

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-terraform")
app.conf.imports = ("services.terraform.tasks",)
