"""Message contracts between the gateway and the services (versioned pydantic models)."""

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    ClusterObserved,
    ContextDocument,
    ControllerStatus,
    DeployResult,
    FileKind,
    Finding,
    GeneratedFile,
    GraphRecord,
    GuardrailVerdict,
    LiveObjectState,
    LiveState,
    PodStatus,
    RetrievedContext,
    RolloutResult,
    RunReport,
    Severity,
    TerraformRun,
    WorkflowRunResult,
    WorkloadStatus,
)
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent, Persona
from shared.contracts.messages import RunMessage
from shared.contracts.scan import ScanRequest, ScanResponse

__all__ = [
    "Action", "AppSpec", "ArtifactBundle", "BucketSpec", "ChangeProposal", "ClusterObserved", "ClusterSpec",
    "ContextDocument", "ControllerStatus", "DeployResult", "DeploymentIntent", "FileKind", "Finding", "GeneratedFile",
    "GraphRecord", "GuardrailVerdict", "LiveObjectState", "LiveState", "Persona", "PodStatus", "RetrievedContext", "RolloutResult",
    "RunMessage", "RunReport", "ScanRequest", "ScanResponse", "Severity", "TerraformRun", "WorkflowRunResult",
    "WorkloadStatus",
]
