"""The optional LLM backend: fills what the rules left empty, never more (off by default).

Why so narrow: a language model can read phrasing the rules miss, but it must not
decide anything the rules or the server decide. So it answers one small schema
(`LlmFill`: region, environment, app image/tag/name/namespace/replicas/port), any other
key rejects the whole answer, every value must be written in the request itself
(grounded: no guessing an app the user never named), fields the rules asked about with
a fixed set of choices stay questions for the person, and the result is parsed again by
the rules, so persona, action, approval and the security flags (root, privileged,
public read, exposure) stay exactly what the rules read. The endpoint is any
OpenAI-compatible chat-completions server.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.contracts.parse import DefaultedField, ParsedRequest

from services.gateway.intents.defaults import IntentDefaults
from services.gateway.intents.extract import PLACES
from services.gateway.intents.parser import normalise, parse_request

log = logging.getLogger(__name__)
_SECURITY_FIELDS = ("app.run_as_root", "app.privileged", "app.expose", "buckets.0.public_read")


@dataclass(frozen=True)
class LlmConfig:
    enabled: bool
    url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 10.0


class LlmFill(BaseModel):
    """The only answer the model may give. Unknown keys are an error, not ignored."""

    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(default=None, pattern=r"^[a-z]{2,6}(-[a-z]+)?-?[a-z]*\d?$", max_length=20)
    environment: Literal["dev", "staging", "prod"] | None = None
    app_name: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
    app_image: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9./_-]*$", max_length=200)
    app_tag: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
    app_namespace: str | None = Field(default=None, pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
    app_replicas: int | None = Field(default=None, ge=1, le=50)
    app_port: int | None = Field(default=None, ge=1, le=65535)


_SYSTEM = (
    "You read infrastructure requests written in Korean or English. Return only a JSON object matching the given "
    "schema, with only the fields the request states explicitly and that are listed as missing; use null for "
    "anything not written in the request. Never infer an app, image or tag the user did not write."
)
# Which missing field each LlmFill field may answer.
_ANSWERS = {
    "region": ("region",), "environment": ("environment",), "app_name": ("app", "app.name"),
    "app_image": ("app", "app.image", "app.tag"), "app_tag": ("app", "app.tag"), "app_namespace": ("app.namespace",),
    "app_replicas": ("app.replicas",), "app_port": ("app.port",),
}


def _ask(config: LlmConfig, text: str, missing: list[str]) -> str:
    body = {
        "model": config.model,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": _SYSTEM},
            {"role": "user", "content": json.dumps({"request": text, "missing": missing}, ensure_ascii=False)},
        ],
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "intent_fill", "schema": LlmFill.model_json_schema(), "strict": True}},
    }
    headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
    response = httpx.post(config.url.rstrip("/") + "/chat/completions", json=body, headers=headers,
                          timeout=config.timeout_s)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def _grounded(name: str, value: object, text: str) -> bool:
    if isinstance(value, int):
        return bool(re.search(rf"(?<!\d){value}(?!\d)", text))
    value = str(value).lower()
    if value in text:
        return True
    if name == "region":
        return any(value in places.values(text) for places in PLACES.values())
    return False


def _hints(fill: LlmFill, parsed: ParsedRequest, text: str) -> tuple[dict[str, object], list[str]]:
    """The grounded values that answer a missing field without fixed choices, and why others were dropped."""
    open_fields = {m.field for m in parsed.missing if not m.choices}
    accepted, dropped = {}, []
    for name, value in fill.model_dump(exclude_none=True).items():
        if not open_fields & set(_ANSWERS[name]):
            dropped.append(f"{name} (not a field the rules left open)")
        elif not _grounded(name, value, text):
            dropped.append(f"{name}={value!r} (not written in the request)")
        else:
            accepted[name] = value
    return accepted, dropped


def _hint_text(hints: dict[str, object], parsed: ParsedRequest) -> str:
    """The accepted values as words the rules read ("image ghcr.io/acme/payments:2.3.1", "region eu-west-1")."""
    parts = []
    if "app_image" in hints or "app_tag" in hints or "app_name" in hints:
        image = hints.get("app_image") or parsed.understood.get("app.image") or hints.get("app_name")
        if image:
            parts.append(f" image {image}:{hints['app_tag']}" if "app_tag" in hints else f" image {image}")
    for name, words in (("region", "region {}"), ("environment", "{} environment"), ("app_namespace", "namespace {}"),
                        ("app_replicas", "replicas {}"), ("app_port", "port {}")):
        if name in hints:
            parts.append(" " + words.format(hints[name]))
    return "".join(parts)


def _security(parsed: ParsedRequest) -> dict[str, object]:
    return {path: parsed.understood.get(path) for path in _SECURITY_FIELDS}


def fill_with_llm(parsed: ParsedRequest, config: LlmConfig, *, defaults: IntentDefaults | None = None) -> ParsedRequest:
    """`parsed` with the model's grounded answers for its open questions, or `parsed` unchanged (noted in ignored)."""
    text = normalise(parsed.text)
    missing = [m.field for m in parsed.missing]
    try:
        fill = LlmFill.model_validate_json(_ask(config, parsed.text, missing))
    except ValidationError as exc:
        fields = sorted({".".join(map(str, e["loc"])) for e in exc.errors()})
        return parsed.model_copy(update={"ignored": [*parsed.ignored, f"llm answer rejected: {', '.join(fields)}"]})
    except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
        log.warning("llm backend unavailable: %s", type(exc).__name__)
        return parsed.model_copy(update={"ignored": [*parsed.ignored, f"llm backend unavailable ({type(exc).__name__})"]})
    hints, dropped = _hints(fill, parsed, text)
    notes = [f"llm value dropped: {d}" for d in dropped]
    if not hints:
        return parsed.model_copy(update={"ignored": [*parsed.ignored, *notes]})
    again = parse_request(parsed.text + _hint_text(hints, parsed), persona=parsed.persona, defaults=defaults)
    if (again.persona != parsed.persona or again.kind != parsed.kind or _security(again) != _security(parsed)
            or (again.intent and parsed.understood.get("action") and again.intent.action.value != parsed.understood["action"])):
        return parsed.model_copy(update={"ignored": [*parsed.ignored, *notes, "llm answer rejected: it changed what the rules read"]})
    source = f"llm:{config.model} (written in the request)"
    filled = {path for path in again.understood if path not in parsed.understood}
    understood = {k: v for k, v in again.understood.items() if k not in filled}
    defaulted = [*again.defaulted, *(DefaultedField(field=p, value=again.understood[p], source=source) for p in sorted(filled))]
    return again.model_copy(update={
        "text": parsed.text, "language": parsed.language, "understood": understood, "defaulted": defaulted, "parser": "rules+llm",
        "ignored": [*parsed.ignored, *notes],
    })
