"""The Celery app Flower monitors: `celery -A deploy.docker.flower_app flower --port=5555`.

Flower runs in the gateway image and imports its app's task modules at start. A worker's
app (e.g. `services.rag.worker`) would pull in that worker's libraries (llama-index), which
the gateway image does not have; the gateway's app has the same broker, result backend,
queues and serializers and imports no task code.
"""

from services.gateway.celery_client import get_celery

app = get_celery()
