"""/api/v1/intents/parse and /api/v1/summary: read a request in words, summarise runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import Persona
from shared.contracts.parse import ParsedRequest
from shared.contracts.summary import MAX_RUNS, RunSummaryReport

from services.gateway import requests_service
from services.gateway.deps import DbSession, Requester, Viewer
from services.gateway.run_summary import summarize
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1", tags=["intents"], responses=declare(*COMMON))
FOCUS = ("status", "steps", "errors", "logs", "pods")


class ParseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, description="The request in Korean, English or both")
    persona: Persona | None = Field(default=None, description="Who asks; unset: read from the text, else devops")


@router.post("/intents/parse", response_model=ParsedRequest)
def parse_intent(body: ParseBody, db: DbSession, principal: Requester) -> ParsedRequest:
    """What the server understands from the text, what it would default and what it would ask. Starts nothing."""
    return requests_service.parse_text(db, body.text, persona=body.persona, principal_name=principal.name)


@router.get("/summary", response_model=RunSummaryReport)
def run_summary(
    db: DbSession, principal: Viewer,
    limit: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 5,
    status_: Annotated[str | None, Query(alias="status", pattern=r"^[a-z_]{3,20}$")] = None,
    focus: Annotated[list[str] | None, Query()] = None,
    stack: Annotated[str | None, Query(pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")] = None,
    language: Annotated[str, Query(pattern=r"^(ko|en|mixed)$")] = "en",
) -> RunSummaryReport:
    """The latest runs, their steps, errors and observed pods, bounded in size."""
    unknown = sorted(set(focus or []) - set(FOCUS))
    if unknown:
        raise HTTPException(422, f"focus {unknown} unknown; use any of {list(FOCUS)}")
    query = {"limit": limit, "status": status_, "focus": focus or ["status"], "stack": stack, "language": language}
    return summarize(db, {k: v for k, v in query.items() if v is not None}, principal.role, limit)
