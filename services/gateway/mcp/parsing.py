"""Text requests: the gateway's intent parser (services.gateway.intents), shared with the HTTP API.

Answers to the parser's questions go back in as `defaults` (dotted intent path -> value):
they are values for fields the text did not give, exactly what the parser fills defaults into.
"""

from __future__ import annotations

from shared.contracts import Persona
from shared.contracts.parse import ParsedRequest

from services.gateway.mcp.backend import ToolRefused


def parse(text: str, persona: Persona | None, answers: dict[str, str]) -> ParsedRequest:
    try:
        from services.gateway.intents import parse_request
    except ImportError as exc:
        raise ToolRefused("this gateway has no text parser (services.gateway.intents); send `intent`, a "
                          "structured DeploymentIntent, instead of `text`") from exc
    try:
        return parse_request(text, persona=persona, defaults=answers or None)
    except ValueError as exc:
        raise ToolRefused(f"the request could not be read: {exc}") from exc
