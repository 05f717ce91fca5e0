"""Message contracts between the gateway and the services (versioned pydantic models)."""

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    ContextDocument,
    DeployResult,
    FailedStep,
    FileKind,
    Finding,
    GeneratedFile,
    GraphRecord,
    GuardrailVerdict,
    PlanCounts,
    PodStatus,
    RetrievedContext,
    RolloutResult,
    RunReport,
    Severity,
    TerraformRun,
    WorkflowLogSummary,
    WorkflowRunResult,
)
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent, Persona
from shared.contracts.messages import RunMessage
from shared.contracts.scan import ScanRequest, ScanResponse

__all__ = [
    "Action", "AppSpec", "ArtifactBundle", "BucketSpec", "ChangeProposal", "ClusterSpec",
    "ContextDocument", "DeployResult", "DeploymentIntent", "FailedStep", "FileKind", "Finding", "GeneratedFile",
    "GraphRecord", "GuardrailVerdict", "Persona", "PlanCounts", "PodStatus", "RetrievedContext", "RolloutResult",
    "RunMessage", "RunReport", "ScanRequest", "ScanResponse", "Severity", "TerraformRun", "WorkflowLogSummary", "WorkflowRunResult",
]
