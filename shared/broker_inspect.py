"""Which runs have a task waiting in the broker (Redis, kombu's layout).

The reaper must tell a chain that ended (its next message was lost) from one whose next
message is only waiting its turn in a busy queue; re-sending the latter would only add
load. A run has a message waiting when one of its tasks is in a queue's list, or in
kombu's `unacked` hash delivered less than `unacked_newer_than` seconds ago (a worker
reserved it and will start it next). An older unacknowledged delivery whose step never
started belongs to a worker that died holding it: the broker would hand it out again
only after its visibility timeout (minutes), so it does not count as waiting. Each task
message carries the run's RunMessage as its first argument.
"""

from __future__ import annotations

import base64
import json
import logging
import time

import redis

from shared.queues import Queue
from shared.settings import get_settings

log = logging.getLogger(__name__)
UNACKED_KEY = "unacked"  # kombu.transport.redis defaults
UNACKED_INDEX_KEY = "unacked_index"  # delivery tag -> time delivered
PRIORITY_SEP, PRIORITY_STEPS = "\x06\x16", (0, 3, 6, 9)  # a queue's list per priority step


def _lists(queue: Queue) -> list[str]:
    return [queue.value if step == 0 else f"{queue.value}{PRIORITY_SEP}{step}" for step in PRIORITY_STEPS]


def _run_id(raw: bytes | str) -> str | None:
    try:
        envelope = json.loads(raw)
        if isinstance(envelope, list):  # unacked: [message, exchange, routing_key]
            envelope = envelope[0]
        body = envelope["body"]
        if envelope.get("properties", {}).get("body_encoding") == "base64":
            body = base64.b64decode(body)
        args = json.loads(body)[0]
        first = args[0] if args else None
        return str(first["run_id"]) if isinstance(first, dict) and "run_id" in first else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def runs_in_broker(unacked_newer_than: float) -> set[str] | None:
    """Run ids with a message waiting in a pipeline queue or recently delivered; None if the broker did not answer."""
    client = redis.Redis.from_url(get_settings().broker_url, socket_timeout=5, socket_connect_timeout=2)
    try:
        pipe = client.pipeline(transaction=False)
        for queue in Queue:
            for name in _lists(queue):
                pipe.lrange(name, 0, -1)
        pipe.zrangebyscore(UNACKED_INDEX_KEY, time.time() - unacked_newer_than, "+inf")
        *replies, recent_tags = pipe.execute()
        if recent_tags:
            replies.append([raw for raw in client.hmget(UNACKED_KEY, recent_tags) if raw is not None])
    except redis.RedisError as exc:
        log.warning("broker not readable (%s): chains that ended are not judged this time", exc)
        return None
    finally:
        client.close()
    found: set[str] = set()
    for reply in replies:
        for raw in reply:
            run_id = _run_id(raw)
            if run_id:
                found.add(run_id)
    return found
