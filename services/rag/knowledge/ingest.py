"""Bring the knowledge index up to date: once at worker start (in the background, under
a Redis lock so one process embeds) and on `mcpcloud knowledge ingest`."""

from __future__ import annotations

import logging
import threading

import redis

from shared.settings import get_settings

from services.rag.knowledge.index import IngestReport, get_index
from services.rag.knowledge.sources import load_documents

log = logging.getLogger(__name__)
LOCK_NAME = "rag:knowledge-ingest"


def ingest_all() -> IngestReport:
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis_url)
    with client.lock(f"{LOCK_NAME}:{settings.rag_knowledge_namespace}", timeout=1800, blocking_timeout=1800):
        report = get_index().ingest(load_documents())
    log.info("knowledge ingest: %s", report)
    return report


def ingest_in_background() -> threading.Thread | None:
    if not get_settings().rag_ingest_on_start:
        return None

    def run() -> None:
        try:
            ingest_all()
        except Exception:  # noqa: BLE001 - search falls back to BM25 and says so; the log has why
            log.exception("knowledge ingest at start failed")

    thread = threading.Thread(target=run, name="knowledge-ingest", daemon=True)
    thread.start()
    return thread
