"""The HTTP API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import DeploymentIntent, Finding, Persona, RunReport


class RunRequest(BaseModel):
    """A request to MCP Cloud: a structured intent for now (natural language comes later)."""

    model_config = ConfigDict(extra="forbid")

    persona: Persona = Persona.devops
    intent: DeploymentIntent | None = None
    text: str | None = Field(default=None, max_length=4000, description="Natural-language request (not yet parsed)")

    @model_validator(mode="after")
    def _has_intent(self) -> RunRequest:
        if self.intent is None:
            if self.text:
                raise ValueError(
                    "natural-language requests are not parsed yet: send 'intent' (a structured DeploymentIntent); "
                    "see /docs for its fields"
                )
            raise ValueError("send 'intent': a structured DeploymentIntent (see /docs)")
        return self


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=2000)


class StepOut(BaseModel):
    name: str
    seq: int
    status: str
    attempts: int
    executions: int
    worker: str | None
    queue: str | None
    started_at: datetime | None
    finished_at: datetime | None
    duration_ms: float | None
    detail: str | None
    log: str | None = None


class ArtifactOut(BaseModel):
    path: str
    kind: str
    sha256: str
    size: int


class ApprovalOut(BaseModel):
    decision: str
    actor: str
    comment: str | None
    created_at: datetime


class RunSummary(BaseModel):
    id: UUID
    status: str
    persona: str
    requested_by: str
    target: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    error: str | None


class RunDetail(RunSummary):
    intent: dict[str, Any]
    steps: list[StepOut]
    findings: list[Finding]
    verdict: str | None
    artifacts: list[ArtifactOut]
    change: dict[str, Any] | None
    approvals: list[ApprovalOut]
    report: RunReport | None


class RunPage(BaseModel):
    items: list[RunSummary]
    total: int
    limit: int
    offset: int
