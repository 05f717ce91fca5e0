"""Celery entry of the policy service: `celery -A services.policy.worker worker -Q policy`."""

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-policy")
app.conf.imports = ("services.policy.tasks",)
