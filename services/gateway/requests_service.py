"""Requests in words: parse, then a run, a question back, or a summary of runs.

Why one module for the HTTP route and the MCP tools: a text request must end the same
way whichever door it came through. Nothing is written before the parse is complete:
a request with missing fields creates no run and no audit row, only questions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from celery import Celery
from sqlalchemy.orm import Session

from shared.contracts import Persona
from shared.contracts.parse import ParsedRequest
from shared.contracts.summary import RunSummaryReport
from shared.db.models import Run

from services.gateway import runs_service
from services.gateway.auth import Principal
from services.gateway.intent_defaults import llm_config, load_defaults
from services.gateway.intents import parse_request
from services.gateway.intents.llm import fill_with_llm
from services.gateway.run_summary import summarize


@dataclass
class NeedsInput(Exception):
    """The request lacks something required: ask, create nothing (HTTP 422 / MCP needs_input)."""

    parsed: ParsedRequest

    @property
    def message(self) -> str:
        fields = ", ".join(m.field for m in self.parsed.missing)
        return f"more information needed: {fields}"

    def body(self) -> dict:
        return {
            "detail": self.message,
            "needs_input": True,
            "missing": [m.model_dump() for m in self.parsed.missing],
            "parsed": self.parsed.model_dump(mode="json"),
        }


@dataclass
class TextOutcome:
    parsed: ParsedRequest
    run: Run | None = None
    created: bool = False
    summary: RunSummaryReport | None = None


def request_sha256(text: str, persona: Persona | None) -> str:
    """What an Idempotency-Key is bound to for a text request: the words and the persona asked for."""
    return hashlib.sha256(json.dumps({"text": text, "persona": persona}, sort_keys=True).encode()).hexdigest()


def parse_text(session: Session, text: str, *, persona: Persona | None, principal_name: str) -> ParsedRequest:
    """The rules' reading of `text`, with the optional LLM backend filling only what they left empty."""
    defaults = load_defaults(session, principal_name)
    parsed = parse_request(text, persona=persona, defaults=defaults)
    config = llm_config()
    if config is not None and config.enabled and parsed.kind == "change" and parsed.missing:
        parsed = fill_with_llm(parsed, config, defaults=defaults)
    return parsed


def submit_text(
    session: Session, celery: Celery, *, text: str, persona: Persona | None, principal: Principal,
    idempotency_key: str | None = None, summary_limit: int = 5,
) -> TextOutcome:
    """A change becomes a run (as a structured request does); a query becomes a summary; else NeedsInput."""
    parsed = parse_text(session, text, persona=persona, principal_name=principal.name)
    if parsed.kind == "query":
        query = {**(parsed.query or {}), "language": parsed.language}
        return TextOutcome(parsed, summary=summarize(session, query, principal.role, summary_limit))
    if parsed.missing or parsed.intent is None:
        raise NeedsInput(parsed)
    run, created = runs_service.create_run(
        session, celery, persona=parsed.persona, intent=parsed.intent, principal=principal,
        idempotency_key=idempotency_key, request_body_sha256=request_sha256(text, persona),
    )
    return TextOutcome(parsed, run=run, created=created)
