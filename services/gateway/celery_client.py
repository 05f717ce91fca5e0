"""The gateway's Celery app: it only sends tasks by name, it runs none."""

from functools import lru_cache

from celery import Celery

from shared.celery_app import create_celery_app


@lru_cache
def get_celery() -> Celery:
    return create_celery_app("mcpcloud-gateway")
