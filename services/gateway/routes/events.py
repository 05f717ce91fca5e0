"""GET /api/v1/runs/{id}/events: server-sent events, replay then live.

Reads the run's Redis stream from the start (or from the client's Last-Event-ID), then
blocks for new entries, so nothing between replay and live is missed or repeated. The
stream ends after the run reaches a terminal status (or, with `until=awaiting_approval`,
when it waits for a human).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import redis.asyncio as aioredis
from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from sse_starlette.sse import EventSourceResponse

from shared.db.models import TERMINAL_STATUSES, RunStatus
from shared.events import stream_key
from shared.settings import get_settings

from services.gateway import runs_service
from services.gateway.deps import DbSession, Viewer

router = APIRouter(prefix="/api/v1", tags=["runs"])
BLOCK_MS = 15_000


def _exists_then_close(db, run_id: uuid.UUID) -> bool:
    """Whether the run exists; the session is closed at once, since the stream may last minutes."""
    try:
        return runs_service.get_run(db, run_id) is not None
    finally:
        db.close()


@router.get("/runs/{run_id}/events")
async def run_events(
    run_id: uuid.UUID,
    request: Request,
    db: DbSession,
    principal: Viewer,
    last_event_id: Annotated[str | None, Header()] = None,
    until: Annotated[RunStatus | None, Query(description="Also stop at this status (e.g. awaiting_approval)")] = None,
) -> EventSourceResponse:
    # Off the event loop: a blocking query here would stall every request of this process.
    found = await run_in_threadpool(_exists_then_close, db, run_id)
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} not found")
    stop_at = {status_.value for status_ in TERMINAL_STATUSES} | ({until.value} if until else set())

    async def stream() -> AsyncIterator[dict]:
        client = aioredis.Redis.from_url(get_settings().redis_url, decode_responses=True)
        cursor = last_event_id or "0-0"
        try:
            while not await request.is_disconnected():
                batches = await client.xread({stream_key(run_id): cursor}, block=BLOCK_MS, count=100)
                if not batches:
                    yield {"event": "ping", "data": "{}"}
                    continue
                for _, entries in batches:
                    for entry_id, fields in entries:
                        cursor = entry_id
                        data = json.loads(fields["data"])
                        yield {"id": entry_id, "event": data["event"], "data": fields["data"]}
                        if data["event"] == "run.status" and data.get("status") in stop_at:
                            return
        finally:
            await client.aclose()

    return EventSourceResponse(stream())
