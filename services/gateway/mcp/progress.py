"""Following a run while a tool call waits: one progress notification per finished step.

Events come from the run's Redis stream (`runs:{id}:events`, the same one the SSE endpoint
replays); the run's status is read from Postgres, which holds the truth, so a lost event
never makes the wait claim something that did not happen.
"""

from __future__ import annotations

import json
import time

import anyio.to_thread
import redis
from mcp.server.mcpserver import Context

from shared import events
from shared.settings import get_settings

from services.gateway.mcp import backend

BLOCK_MS = 200
STATUS_POLL_S = 1.0  # Postgres is asked at least this often, in case an event was lost


def _client() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, decode_responses=True, socket_timeout=5)


def _read(client: redis.Redis, key: str, last_id: str) -> list[tuple[str, dict]]:
    try:
        answer = client.xread({key: last_id}, block=BLOCK_MS, count=50)
    except redis.RedisError:
        time.sleep(BLOCK_MS / 1000)  # no events: the status poll below still ends the wait
        return []
    return [(event_id, json.loads(fields["data"])) for _, entries in answer for event_id, fields in entries]


async def follow(ctx: Context, run_id: str, until: set[str], timeout: float, *, total: int) -> bool:
    """Wait until the run's status is in `until` (True) or `timeout` passes (False)."""
    client = _client()
    key, last_id, finished = events.stream_key(run_id), "0", 0
    deadline = time.monotonic() + timeout
    next_poll = time.monotonic() + STATUS_POLL_S
    try:
        while time.monotonic() < deadline:
            announced = False
            for event_id, event in await anyio.to_thread.run_sync(_read, client, key, last_id):
                last_id = event_id
                if event.get("event") == "step.finished":
                    finished += 1
                    await ctx.report_progress(min(finished, total), total,
                                              f"{event.get('step')}: {event.get('status')}")
                elif event.get("event") == "run.status":
                    await ctx.report_progress(min(finished, total), total, f"run {event.get('status')}")
                    announced = announced or event.get("status") in until
            if announced or time.monotonic() >= next_poll:
                if await anyio.to_thread.run_sync(backend.run_status, run_id) in until:
                    return True
                # an announced status not yet visible is read again soon (the event may beat the commit)
                next_poll = time.monotonic() + (0.1 if announced else STATUS_POLL_S)
        return False
    finally:
        client.close()
