"""Liveness and readiness: /healthz says the process is up, /readyz checks every store."""

from __future__ import annotations

import asyncio
from typing import Literal

import redis
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text

from shared.config import get_client as get_config_client
from shared.db.session import get_engine
from shared.graph import ping as neo4j_ping
from shared.settings import get_settings

from services.gateway.celery_client import get_celery
from services.gateway.errors import declare

router = APIRouter(tags=["health"], responses=declare(413, 422))  # the request guard answers these anywhere


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


def _postgres() -> None:
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))


def _redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def _broker() -> None:
    with get_celery().connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=2)


def _config() -> None:
    """The config client reads Postgres directly when Redis is down: ready, but say so."""
    if reason := get_config_client().degraded:
        raise RuntimeError(reason)


CHECKS = {
    "postgres": _postgres,
    "redis": lambda: _redis(get_settings().redis_url),
    "broker": _broker,
    "neo4j": neo4j_ping,
    "config": _config,
}


async def _check(name: str) -> tuple[str, str]:
    try:
        await asyncio.wait_for(asyncio.to_thread(CHECKS[name]), timeout=5)
        return name, "ok"
    except Exception as exc:  # noqa: BLE001 - report any failure by name
        return name, f"down: {type(exc).__name__}: {str(exc)[:200]}"


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    down: list[str] = Field(description="The checks that failed")
    checks: dict[str, str] = Field(description="Each store: 'ok' or 'down: <why>'")


@router.get("/readyz", response_model=Readiness,
            responses={503: {"model": Readiness, "description": "At least one store is down (named in `down`)"}})
async def readyz() -> JSONResponse:
    results = dict(await asyncio.gather(*(_check(name) for name in CHECKS)))
    down = sorted(name for name, state in results.items() if state != "ok")
    body = {"status": "ready" if not down else "not ready", "down": down, "checks": results}
    return JSONResponse(body, status_code=503 if down else 200)
