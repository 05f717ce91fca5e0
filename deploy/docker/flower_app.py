"""The Celery app Flower monitors: `celery -A deploy.docker.flower_app flower --port=5555`.

Flower runs in the gateway image and imports its app's task modules at start. A worker's
app (e.g. `services.rag.worker`) would pull in that worker's libraries (llama-index), which
the gateway image does not have; the gateway's app has the same broker, result backend,
queues and serializers and imports no task code.

Importing this module sets Flower's basic auth (FLOWER_BASIC_AUTH, read by Flower after
the app is loaded) from the settings (deploy/docker/flower_auth.py), so every way of
starting Flower with this app (stack.sh, compose, k8s) asks for a login; a `--basic-auth`
on the command line would still take precedence, an unauthenticated start cannot happen.
"""

import os

from deploy.docker.flower_auth import basic_auth_option
from services.gateway.celery_client import get_celery

os.environ["FLOWER_BASIC_AUTH"] = basic_auth_option()
os.environ.pop("FLOWER_UNAUTHENTICATED_API", None)

app = get_celery()
