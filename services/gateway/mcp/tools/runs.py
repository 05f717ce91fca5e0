"""request_change, get_run, list_runs: start a run from words or a structured intent, and follow it."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult, TextContent
from pydantic import Field

from shared.contracts import DeploymentIntent, Persona
from shared.db.models import Role, RunStatus
from shared.queues import CHAIN_PLAN
from shared.settings import get_settings

from services.gateway.mcp import asking, backend, parsing
from services.gateway.mcp.progress import follow
from services.gateway.mcp.tasks import tasks_requested
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of
from services.gateway.mcp.views import (
    MissingFieldView, RequestOutcome, RunPageView, RunView, run_text,
)

WAIT_UNTIL = {RunStatus.awaiting_approval.value} | {s.value for s in RunStatus if s.terminal}


def _result(outcome: RequestOutcome, text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)],
                          structured_content=outcome.model_dump(mode="json"))


async def request_change(
    ctx: Context,
    text: Annotated[str | None, Field(max_length=4000, description=(
        "The request in words, Korean or English, e.g. 'AWS EKS 클러스터에 Nginx 배포하고 ArgoCD로 관리해줘'"))] = None,
    intent: Annotated[DeploymentIntent | None, Field(description="A structured intent instead of text")] = None,
    persona: Annotated[Persona | None, Field(description="devops (build and deploy), security (review), "
                                              "sre (status and logs); default: read from the text, else devops")] = None,
    answers: Annotated[dict[str, str] | None, Field(description=(
        "Answers to a needs_input result: dotted field -> value, e.g. {'app.name': 'nginx'}"))] = None,
    wait_seconds: Annotated[float | None, Field(ge=0, le=600, description=(
        "How long to wait, with progress notifications, for the run to reach awaiting_approval or an end; "
        "0 returns at once (then follow with get_run)"))] = None,
    idempotency_key: Annotated[str | None, Field(max_length=200, description=(
        "Repeat a call with the same key to get the same run instead of a second one"))] = None,
) -> RequestOutcome | InputRequiredResult:
    """Ask for an infrastructure change; it becomes a guarded run that a second person approves.

    Missing details are asked for, never guessed: by a form if the client can show one, else as a
    needs_input result naming the fields (call again with `answers`). Nothing is created until the
    request is complete. The result shows what was understood and what was defaulted, and why.
    """
    principal = principal_of(ctx)
    if (text is None) == (intent is None):
        raise ToolError("send exactly one of `text` (the request in words) and `intent` (a structured intent)")
    outcome = RequestOutcome(outcome="run")
    if text is not None:
        carried, round_ = asking.previous_round(ctx) if asking.is_modern(ctx) else ({}, 0)
        given = {**carried, **(answers or {})}
        parsed = await blocking(parsing.parse, principal, text, persona, given)
        outcome = RequestOutcome(outcome="run", understood=parsed.understood,
                                 defaulted=[d.model_dump(mode="json") for d in parsed.defaulted],
                                 ignored=parsed.ignored)
        missing = [MissingFieldView.model_validate(m.model_dump()) for m in parsed.missing]
        if missing and asking.can_elicit(ctx):
            question = "\n".join(m.question for m in missing)
            if asking.is_modern(ctx):
                return asking.input_required(question, missing, given, round_)
            elicited = await asking.elicit(ctx, question, missing)
            if elicited:
                given.update(elicited)
                parsed = await blocking(parsing.parse, principal, text, persona, given)
                missing = [MissingFieldView.model_validate(m.model_dump()) for m in parsed.missing]
        if missing:
            outcome.outcome, outcome.missing = "needs_input", missing
            asked = "; ".join(f"{m.field}: {m.question}" for m in missing)
            return _result(outcome, f"needs input, nothing was created: {asked}")
        if parsed.kind == "query":
            query = {**(parsed.query or {}), "language": parsed.language}
            outcome.outcome = "answer"
            outcome.summary = await blocking(backend.summarize, principal, query, 5)
            return _result(outcome, outcome.summary.text)
        intent, persona = parsed.intent, parsed.persona
        body_sha256 = parsing.idempotency_sha256(text, persona, given)
    else:
        body_sha256 = hashlib.sha256(json.dumps({"intent": intent.model_dump(mode="json"), "persona": persona},
                                                sort_keys=True).encode()).hexdigest()
    if not principal.role.allows(Role.requester):
        raise ToolError(f"starting a run needs the requester role; {principal.name} has {principal.role.value}")
    view = await blocking(backend.create_run, principal, persona or Persona.devops, intent, idempotency_key,
                          body_sha256)
    wait = get_settings().mcp_wait_seconds if wait_seconds is None else wait_seconds
    if tasks_requested(ctx):
        wait = 0  # the client follows the run as a task (tasks/get) instead of holding this request open
    outcome.run, outcome.waited = view, None
    if wait > 0 and view.status not in WAIT_UNTIL:
        seen = await follow(ctx, view.id, WAIT_UNTIL, wait, total=len(CHAIN_PLAN))
        outcome.run = await blocking(backend.get_run, view.id)
        outcome.waited = (f"waited for {', '.join(sorted(WAIT_UNTIL & {outcome.run.status}) or ['awaiting_approval'])}: "
                          f"{'reached' if seen else f'not reached within {wait:.0f}s, call get_run'}")
    return _result(outcome, run_text(outcome.run))


async def get_run(
    ctx: Context,
    run_id: Annotated[str, Field(description="The run's id (a UUID)")],
) -> RunView:
    """A run's status, steps, guardrail verdict, bundle hash, approvals and report (bounded)."""
    principal_of(ctx)
    view = await blocking(backend.get_run, run_id)
    return CallToolResult(content=[TextContent(type="text", text=run_text(view))],
                          structured_content=view.model_dump(mode="json"))


async def list_runs(
    ctx: Context,
    status: Annotated[RunStatus | None, Field(description="Only runs in this status")] = None,
    persona: Annotated[Persona | None, Field(description="Only runs of this persona")] = None,
    limit: Annotated[int, Field(ge=1, le=50, description="Page size (at most 50)")] = 10,
    offset: Annotated[int, Field(ge=0, description="Skip this many (use next_offset)")] = 0,
) -> RunPageView:
    """The latest runs, newest first, one page at a time."""
    principal_of(ctx)
    return await blocking(backend.list_runs, status, persona, limit, offset)


SPECS = [
    spec(request_change, toolset="runs", role=Role.requester, title="Request an infrastructure change",
         read_only=False, idempotent=False, open_world=True),
    spec(get_run, toolset="runs", role=Role.viewer, title="Read a run", read_only=True, idempotent=True),
    spec(list_runs, toolset="runs", role=Role.viewer, title="List runs", read_only=True, idempotent=True),
]

