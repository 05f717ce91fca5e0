"""GET /api/v1/runs/{id}/events: server-sent events, replay then live, backed by Postgres.

Reads the run's Redis stream from the start (or from the client's Last-Event-ID), then
blocks for new entries, so nothing between replay and live is missed or repeated. The
stream is best effort (a publish can be lost, the key can expire), Postgres is the truth:
when the stream holds nothing for the run, and whenever it has been silent for
`MCP_SSE_SILENCE_SECONDS`, the run's row and steps are read and whatever the client has
not been told is sent as events marked `"source": "postgres"` (without an SSE id, so the
client's Last-Event-ID stays a stream position). The stream ends after the run reaches a
terminal status (or, with `until=awaiting_approval`, when it waits for a human), even if
that status was never published.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

import redis.asyncio as aioredis
from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from sqlalchemy import select
from sse_starlette.sse import EventSourceResponse

from shared.db.models import TERMINAL_STATUSES, Run, RunStatus, RunStep, StepStatus
from shared.db.session import session_scope
from shared.events import stream_key
from shared.settings import get_settings

from services.gateway import runs_service
from services.gateway.deps import DbSession, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1", tags=["runs"], responses=declare(*COMMON, 404))
STEP_EVENT = {StepStatus.running.value: "step.started", StepStatus.retrying.value: "step.retrying"}


class Told:
    """What the client has been told: the run's status and each step's status."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.steps: dict[str, str] = {}

    def learn(self, data: dict[str, Any]) -> bool:
        """Record an event; False when it tells nothing new (a duplicate of a Postgres read)."""
        event = data.get("event")
        if event == "run.status":
            new, self.status = data.get("status") != self.status, data.get("status")
            return new
        if event in ("step.started", "step.retrying", "step.finished") and data.get("step"):
            state = {"step.started": StepStatus.running.value, "step.retrying": StepStatus.retrying.value}.get(
                event, data.get("status"))
            new, self.steps[data["step"]] = self.steps.get(data["step"]) != state, state
            return new
        return True


def _rows(run_id: uuid.UUID) -> tuple[str, str | None, list[tuple[str, str, str | None]]]:
    with session_scope() as session:
        run = session.get(Run, run_id)
        steps = session.execute(select(RunStep.name, RunStep.status, RunStep.detail)
                                .where(RunStep.run_id == run_id).order_by(RunStep.seq)).all()
        return run.status, run.error, [tuple(step) for step in steps]


async def _from_postgres(run_id: uuid.UUID, told: Told) -> list[dict[str, Any]]:
    """Events for what Postgres holds and the client was not told, oldest step first."""
    run_status, error, steps = await asyncio.to_thread(_rows, run_id)
    found = []
    for name, step_status, detail in steps:
        event = {"event": STEP_EVENT.get(step_status, "step.finished"), "run_id": str(run_id), "step": name,
                 "status": step_status, "detail": detail, "source": "postgres"}
        if told.learn(event):
            found.append(event)
    event = {"event": "run.status", "run_id": str(run_id), "status": run_status, "source": "postgres"}
    if error:
        event["error"] = error
    if told.learn(event):
        found.append(event)
    return found


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
    if not await asyncio.to_thread(_exists_then_close, db, run_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} not found")
    stop_at = {status_.value for status_ in TERMINAL_STATUSES} | ({until.value} if until else set())
    silence_ms = max(int(get_settings().sse_silence_seconds * 1000), 1)

    async def stream() -> AsyncIterator[dict]:
        # the read blocks up to a silence: the socket must wait longer (redis-py 8's default is 5 s)
        client = aioredis.Redis.from_url(get_settings().redis_url, decode_responses=True,
                                         socket_timeout=silence_ms / 1000 + 5)
        key = stream_key(run_id)
        cursor = last_event_id or "0-0"
        told = Told()
        try:
            if last_event_id:  # what the client saw before it reconnected
                for _, fields in await client.xrange(key, "-", last_event_id):
                    told.learn(json.loads(fields["data"]))
            block: int | None = None  # the replay: read until the stream has nothing more
            streamed = bool(last_event_id)
            while not await request.is_disconnected():
                batches = await client.xread({key: cursor}, block=block, count=100)
                if not batches:
                    # Postgres is read when the stream had nothing at all (lost or expired) and after
                    # each silence; not right after a replay, where a step's row can be a moment
                    # ahead of its own publish.
                    stale = block is not None or not streamed
                    for data in (await _from_postgres(run_id, told)) if stale else []:
                        yield {"event": data["event"], "data": json.dumps(data, default=str)}
                        if data["event"] == "run.status" and data["status"] in stop_at:
                            return
                    if block is not None:
                        yield {"event": "ping", "data": "{}"}
                    block = silence_ms
                    continue
                for _, entries in batches:
                    for entry_id, fields in entries:
                        cursor, streamed = entry_id, True
                        data = json.loads(fields["data"])
                        if told.learn(data):
                            yield {"id": entry_id, "event": data["event"], "data": fields["data"]}
                        if data["event"] == "run.status" and data.get("status") in stop_at:
                            return
        finally:
            await client.aclose()

    return EventSourceResponse(stream())
