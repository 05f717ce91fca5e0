"""Run events on Redis: a stream per run for replay, and a pub/sub channel for live fan-out.

`runs:{id}` is the pub/sub channel for live fan-out; `runs:{id}:events` is a Redis
stream holding the same events, so a late subscriber (the UI, an MCP client, the SSE
endpoint) replays what happened and then follows live without a gap or a duplicate:
stream ids order the events and serve as SSE event ids.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import redis

from shared.settings import get_settings

log = logging.getLogger(__name__)
STREAM_MAXLEN = 2000
STREAM_TTL_SECONDS = 7 * 24 * 3600


def channel(run_id: UUID | str) -> str:
    return f"runs:{run_id}"


def stream_key(run_id: UUID | str) -> str:
    return f"runs:{run_id}:events"


@lru_cache
def _client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True, socket_timeout=5,
                                socket_connect_timeout=2)


def publish(run_id: UUID | str, event: str, **data: Any) -> str | None:
    """Record an event for a run. Events are best effort: Postgres holds the truth."""
    ids = publish_many(run_id, [(event, data)])
    return ids[0] if ids else None


def publish_many(run_id: UUID | str, items: list[tuple[str, dict[str, Any]]]) -> list[str] | None:
    """Record several events of a run, in order, in one round trip (a step's end and the run's new status)."""
    at = datetime.now(UTC).isoformat()
    try:
        pipe = _client().pipeline()
        for event, data in items:
            body = json.dumps({"event": event, "run_id": str(run_id), "at": at, **data}, default=str)
            pipe.xadd(stream_key(run_id), {"data": body}, maxlen=STREAM_MAXLEN, approximate=True)
            pipe.publish(channel(run_id), body)
        pipe.expire(stream_key(run_id), STREAM_TTL_SECONDS)
        replies = pipe.execute()
        return [replies[2 * i] for i in range(len(items))]
    except Exception as exc:  # noqa: BLE001 - never fails a step: the SSE stream falls back to Postgres
        names = ", ".join(event for event, _ in items)
        log.warning("could not publish %s for run %s: %s: %s", names, run_id, type(exc).__name__, exc)
        return None
