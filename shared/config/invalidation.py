"""Invalidation: after a write commits, drop the key everywhere at once.

Redis keeps, per config key, one hash `config:cache:<key>` (field: the scope asked for)
and a generation counter `config:gen:<key>`. A writer bumps the generation, deletes the
hash and publishes the key on `config:invalidate`; every client drops its in-process
entries for that key when the message arrives. A reader fills the cache only if the
generation is unchanged since it started reading Postgres, so a slow reader cannot put
back a value a concurrent write has just replaced.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import redis

CHANNEL = "config:invalidate"
log = logging.getLogger(__name__)


def cache_key(key: str) -> str:
    return f"config:cache:{key}"


def gen_key(key: str) -> str:
    return f"config:gen:{key}"


def publish(client: redis.Redis, keys: Iterable[str]) -> bool:
    """Invalidate `keys` (call after commit). False when Redis is down: caches expire by TTL."""
    keys = sorted(set(keys))
    if not keys:
        return True
    try:
        pipe = client.pipeline(transaction=True)
        for key in keys:
            pipe.incr(gen_key(key))
            pipe.delete(cache_key(key))
        pipe.publish(CHANNEL, json.dumps({"keys": keys}))
        pipe.execute()
        return True
    except redis.RedisError as exc:
        log.warning("config invalidation of %s not published (Redis: %s); caches expire by TTL", keys, type(exc).__name__)
        return False
