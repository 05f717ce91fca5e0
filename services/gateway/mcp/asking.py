"""Asking for what a request left out, in the way the client can answer.

- 2026-07-28 clients that can elicit: an `input_required` result (one form, one key per
  round); the retry brings the answers in `input_responses`, the text in `request_state`.
- 2025 clients that can elicit: an `elicitation/create` request in the middle of the call.
- Anyone else: nothing is asked; the tool returns `needs_input` naming the fields, and the
  caller sends the answers back in `answers`.
Nothing is created until every question has an answer.
"""

from __future__ import annotations

import json
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitResult, InputRequiredResult
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from pydantic import Field, create_model

from services.gateway.mcp.views import MissingFieldView

STATE_KIND = "mcpcloud.request_change/1"


def can_elicit(ctx: Context) -> bool:
    capabilities = ctx.client_capabilities
    return capabilities is not None and capabilities.elicitation is not None


def is_modern(ctx: Context) -> bool:
    return ctx.protocol_version in MODERN_PROTOCOL_VERSIONS


def _property(field: MissingFieldView) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "string", "title": field.field, "description": field.question}
    if field.choices:
        prop["enum"] = field.choices
    return prop


def _form_key(field: str) -> str:
    return field.replace(".", "__")


def form_schema(missing: list[MissingFieldView]) -> dict[str, Any]:
    return {"type": "object", "properties": {_form_key(f.field): _property(f) for f in missing},
            "required": [_form_key(f.field) for f in missing]}


def _answers_from(content: dict[str, Any] | None, missing: list[MissingFieldView]) -> dict[str, str]:
    content = content or {}
    return {f.field: str(content[_form_key(f.field)]) for f in missing
            if content.get(_form_key(f.field)) not in (None, "")}


def previous_round(ctx: Context) -> tuple[dict[str, str], int]:
    """Answers carried by a 2026 retry (from our request_state and the client's input_responses)."""
    if not ctx.request_state:
        return {}, 0
    try:
        state = json.loads(ctx.request_state)
    except ValueError:
        return {}, 0
    if state.get("kind") != STATE_KIND:
        return {}, 0
    answers: dict[str, str] = dict(state.get("answers") or {})
    round_ = int(state.get("round", 0))
    missing = [MissingFieldView.model_validate(m) for m in state.get("missing", [])]
    response = (ctx.input_responses or {}).get(f"answers-{round_}")
    if isinstance(response, ElicitResult) and response.action == "accept":
        answers.update(_answers_from(response.content, missing))
    return answers, round_


def input_required(message: str, missing: list[MissingFieldView], answers: dict[str, str],
                   round_: int) -> InputRequiredResult:
    key = f"answers-{round_ + 1}"
    request = ElicitRequest(params=ElicitRequestFormParams(message=message, requested_schema=form_schema(missing)))
    state = {"kind": STATE_KIND, "round": round_ + 1, "answers": answers,
             "missing": [m.model_dump() for m in missing]}
    return InputRequiredResult(input_requests={key: request}, request_state=json.dumps(state))


async def elicit(ctx: Context, message: str, missing: list[MissingFieldView]) -> dict[str, str] | None:
    """Ask a 2025 client mid-call; None when the person declined or cancelled."""
    fields: dict[str, Any] = {
        _form_key(f.field): (str, Field(title=f.field, description=f.question)) for f in missing
    }
    schema = create_model("MissingFields", **fields)
    result = await ctx.elicit(message, schema)
    if result.action != "accept":
        return None
    return _answers_from(result.data.model_dump(), missing)
