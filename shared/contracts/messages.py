"""The message that flows along a Celery chain (contract v1).

Every pipeline task receives one `RunMessage` (as JSON), validates it, adds its own
output and returns it for the next task. The message is also saved on the run, so the
second chain (after approval) starts from exactly what the first chain produced.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    DeployResult,
    GraphRecord,
    GuardrailVerdict,
    RetrievedContext,
    RolloutResult,
    RunReport,
    TerraformRun,
    WorkflowRunResult,
)
from shared.contracts.intent import DeploymentIntent, Persona


class RunMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = 1
    run_id: UUID
    persona: Persona
    requested_by: str
    intent: DeploymentIntent
    context: RetrievedContext | None = None
    bundle: ArtifactBundle | None = None
    verdict: GuardrailVerdict | None = None
    plan: TerraformRun | None = None
    change: ChangeProposal | None = None
    workflow: WorkflowRunResult | None = None
    infrastructure: TerraformRun | None = Field(default=None, description="The terraform apply")
    deploy: DeployResult | None = None
    rollout: RolloutResult | None = None
    graph: GraphRecord | None = None
    report: RunReport | None = None

    def to_wire(self) -> dict:
        return self.model_dump(mode="json")
