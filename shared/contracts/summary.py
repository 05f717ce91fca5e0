"""A bounded summary of recent runs, for SRE questions (contract v1).

Why bounded: an agent asks "what failed in the last run?" and must get an answer that
fits its context, not every log line. Limits are enforced by the builder
(services/gateway/run_summary.py) and stated here so a reader knows what was cut.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

MAX_RUNS = 20
MAX_TEXT = 400  # characters kept of one step detail, error or report text
MAX_LOG_LINES = 8  # last log lines kept per failed or blocked step


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StepDigest(_Model):
    name: str
    status: str
    duration_ms: float | None = None
    detail: str | None = None
    log_tail: list[str] = Field(default_factory=list, description="Last log lines, only of failed or blocked steps")


class PodDigest(_Model):
    name: str
    phase: str
    ready: bool


class RunDigest(_Model):
    id: UUID
    status: str
    persona: str
    requested_by: str
    target: str
    action: str | None = None
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    steps: list[StepDigest] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list, description="Failed steps' details and blocking guardrail findings")
    pods: list[PodDigest] = Field(default_factory=list, description="Pods observed by the rollout watch, if it ran")
    pods_observed: bool = Field(default=False, description="False: no rollout was observed, so no pod is claimed")
    report: str | None = None


class RunSummaryReport(_Model):
    schema_version: Literal[1] = 1
    query: dict[str, Any]
    total_matching: int = Field(description="Runs matching the query (more than shown when truncated)")
    runs: list[RunDigest]
    truncated: bool = False
    text: str = Field(description="A few plain lines saying what the runs above show; claims only what they hold")
