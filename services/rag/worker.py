"""Celery entry of the rag service: `celery -A services.rag.worker worker -Q rag`."""

import os

# One BLAS thread: query embeddings are small products, where thread hand-off costs more
# than it saves on a shared 2-core machine. Set before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from celery.signals import worker_init, worker_process_init  # noqa: E402

from shared.celery_app import create_celery_app  # noqa: E402
from shared.logging import configure_logging  # noqa: E402

configure_logging()
app = create_celery_app("mcpcloud-rag")
app.conf.imports = ("services.rag.tasks",)


@worker_init.connect
def _warm(**_: object) -> None:
    """Parse the documents and load the model in the parent (shared by the forked children)."""
    from services.rag.embedding.minilm import get_encoder
    from services.rag.retriever import warm

    warm()
    get_encoder()


@worker_process_init.connect
def _child(**_: object) -> None:
    """A child makes its own Neo4j connections, then brings the index up to date."""
    from shared.graph import reset_driver
    from services.rag.knowledge.index import forget_index
    from services.rag.knowledge.ingest import ingest_in_background

    reset_driver()
    forget_index()
    ingest_in_background()
