"""`policy.scan_files`: scan uploaded files outside a run (contract v1).

The gateway validates the upload's shape (sizes, paths, NUL and other characters
Postgres cannot store) before sending it; the policy service validates the content
(HCL/YAML syntax, YAML aliases, nesting depth) and answers with a verdict or with the
error that says what to fix (``error``: the gateway's 422). A scan that could not
complete (a check raised, the scan's CPU or memory budget ran out) is a verdict with
status ``error`` and its ``errors``; Helm charts come back in ``not_scanned`` with
status ``incomplete``: neither is ever ``passed``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.artifacts import GuardrailVerdict
from shared.contracts.intent import Persona


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    persona: Persona = Persona.devops
    files: dict[str, str] = Field(min_length=1, description="relative path -> text content")


class ScanResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    verdict: GuardrailVerdict | None = None
    error: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ScanResponse:
        if (self.verdict is None) == (self.error is None):
            raise ValueError("a scan response has either a verdict or an error")
        return self
