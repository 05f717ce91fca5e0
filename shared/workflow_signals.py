"""A workflow run's completion, passed from the webhook to the step that follows the run.

Why a Redis list per correlation id: the gateway (webhook) and the github worker share
no code but this; the step waits on it with BLPOP between two reads of the run, so a
`workflow_run` webhook ends the wait at once instead of after the next poll. The list
outlives the wait (a day), so a webhook that arrives before the step starts waiting is
not lost; without webhooks the step simply polls.

A wait is a series of short BLPOPs, each well inside the client's socket timeout: a
blocking read longer than the socket timeout fails with TimeoutError (redis-py 8 sets a
5 s default), and the step's wait between two polls is up to
`MCP_GITHUB_POLL_MAX_INTERVAL_S`.
"""

from __future__ import annotations

import json
import re
import time
from functools import lru_cache

import redis

from shared.settings import get_settings

TTL_S = 24 * 3600
#: One BLPOP blocks at most this long; the client's socket timeout leaves it a margin.
BLOCK_SLICE_S = 2.0
SOCKET_TIMEOUT_S = 5.0
_CORRELATION = re.compile(r"mcpcloud-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def correlation_id(run_id: object) -> str:
    """The dispatch input that names our run in the workflow's run-name."""
    return f"mcpcloud-{run_id}"


def find_correlation_id(*texts: str | None) -> str | None:
    for text in texts:
        found = _CORRELATION.search(text or "")
        if found:
            return found.group(0)
    return None


def _key(correlation: str) -> str:
    return f"github:workflow_run:{correlation}"


@lru_cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_connect_timeout=2, socket_timeout=SOCKET_TIMEOUT_S)


def notify(correlation: str, payload: dict) -> None:
    pipe = _redis().pipeline()
    pipe.rpush(_key(correlation), json.dumps(payload))
    pipe.expire(_key(correlation), TTL_S)
    pipe.execute()


def wait(correlation: str, timeout_s: float) -> dict | None:
    """The next signal for `correlation`, waiting at most `timeout_s`; None when none came."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        got = _redis().blpop([_key(correlation)], timeout=max(min(left, BLOCK_SLICE_S), 0.01))
        if got:
            return json.loads(got[1])
        if left <= BLOCK_SLICE_S:
            return None
