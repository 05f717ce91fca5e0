"""The one error body every HTTP error of the gateway carries (contract v1).

Why a contract: clients (the CLI, the console, agents through the MCP endpoint, the
schemathesis run in CI) read errors by this shape, and the OpenAPI document declares it
on every operation. `detail` is always one human sentence saying what to fix; `errors`
lists each offending field when the request did not validate. A 422 of
`POST /api/v1/requests` for a request in words adds `needs_input`, `missing` and
`parsed` (what the server read and what it still needs), hence extra keys are allowed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str = Field(description="Where: `intent.region`, `query.limit`, `path.run_id`, `body` ...")
    message: str = Field(description="What is wrong and how to fix it")


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="allow")

    schema_version: Literal[1] = 1
    detail: str = Field(description="What went wrong and what to do about it, in one sentence")
    errors: list[FieldProblem] = Field(default_factory=list, description="One entry per invalid field (422)")


ERROR_DESCRIPTIONS = {
    400: "The request is malformed (e.g. a body that is not parseable) or asks for something contradictory",
    401: "No API key, or an unknown/revoked one",
    403: "The key's role does not allow this",
    404: "No such object",
    409: "Conflicts with the current state (a stale version, a run already decided)",
    413: "The body or an uploaded file is over its size limit",
    422: "Invalid input: `errors` names each field and what to fix",
    503: "A store, the broker or a worker did not answer; retry later",
}
