"""The HTTP API's request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts import DeploymentIntent, Finding, Persona, RunReport
from shared.contracts.parse import ParsedRequest
from shared.contracts.summary import RunSummaryReport


class RunRequest(BaseModel):
    """A request to MCP Cloud: a structured intent, or the request in words (`text`)."""

    model_config = ConfigDict(extra="forbid")

    persona: Persona = Persona.devops
    intent: DeploymentIntent | None = None
    text: str | None = Field(default=None, min_length=1, max_length=4000,
                             description="The request in Korean or English; parsed by the server (POST /api/v1/intents/parse shows how)")

    @model_validator(mode="after")
    def _has_intent(self) -> RunRequest:
        if self.intent is None and not self.text:
            raise ValueError("send 'intent' (a structured DeploymentIntent, see /docs) or 'text' (the request in words)")
        if self.intent is not None and self.text:
            raise ValueError("send either 'intent' or 'text', not both")
        return self

    @property
    def persona_given(self) -> Persona | None:
        """The persona the caller chose; None lets a text request's own cues decide."""
        return self.persona if "persona" in self.model_fields_set else None


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str | None = Field(default=None, max_length=2000)


class Approve(Decision):
    content_sha256: str | None = Field(
        default=None, pattern=r"^[0-9a-f]{64}$",
        description="The bundle hash you reviewed (RunDetail.content_sha256); refused with 409 if the run holds another",
    )


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
    approver_principal_id: int | None
    content_sha256: str | None
    plan_sha256: str | None
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
    requested_by_principal_id: int | None
    persona_requested: str | None
    persona_applied: str
    persona_policy: dict[str, Any] | None = Field(description="Which minimum-persona policy applied (config key, scope)")
    content_sha256: str | None = Field(description="Hash of the bundle an approval would approve")
    plan_sha256: str | None = Field(description="Hash of the saved terraform plan an approval would approve")
    intent: dict[str, Any]
    steps: list[StepOut]
    findings: list[Finding]
    verdict: str | None
    artifacts: list[ArtifactOut]
    change: dict[str, Any] | None
    approvals: list[ApprovalOut]
    report: RunReport | None
    parsed: ParsedRequest | None = Field(default=None, description="For a request in words: what the server read")


class QueryAnswer(BaseModel):
    """`POST /api/v1/requests` with a question in words (what ran, what failed): no run, a summary."""
    kind: Literal["query"]
    parsed: ParsedRequest
    summary: RunSummaryReport


class RunPage(BaseModel):
    items: list[RunSummary]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(default=None, description="pass as `after` for the next page; null "
                                                              "when this page came back shorter than `limit`")
