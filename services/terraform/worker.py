"""Celery entry of the terraform service: `celery -A services.terraform.worker worker -Q terraform`."""

from celery.signals import worker_init

from shared.celery_app import create_celery_app
from shared.logging import configure_logging

configure_logging()
app = create_celery_app("mcpcloud-terraform")
app.conf.imports = ("services.terraform.tasks",)


@worker_init.connect
def _warm(**_: object) -> None:
    """Build python-hcl2's parser once, in the parent, before the pool forks."""
    from shared.examples import SCENARIOS
    from services.terraform.generator import generate

    for intent in SCENARIOS.values():
        generate(intent)
