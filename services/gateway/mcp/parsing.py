"""Text requests: the gateway's intent parser, read exactly as `POST /api/v1/requests` reads them.

Answers to the parser's questions are added to the request's words, as a person answering
in a chat would: each question names its field and gives an example of an answer the
parser reads ("nginx:1.27.3", "ap-northeast-2", "prod"), so the answered text parses
complete, or asks again for what is still missing.
"""

from __future__ import annotations

from shared.contracts import Persona
from shared.contracts.parse import ParsedRequest

from services.gateway.auth import Principal
from services.gateway.mcp import backend
from services.gateway.requests_service import request_sha256


def answered_text(text: str, answers: dict[str, str]) -> str:
    return "\n".join([text, *(value.strip() for value in answers.values() if value and value.strip())])


def parse(principal: Principal, text: str, persona: Persona | None, answers: dict[str, str]) -> ParsedRequest:
    return backend.parse_text(principal, answered_text(text, answers), persona)


def idempotency_sha256(text: str, persona: Persona | None, answers: dict[str, str]) -> str:
    return request_sha256(answered_text(text, answers), persona)
