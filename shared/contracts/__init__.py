"""Message contracts between the gateway and the services (versioned pydantic models)."""

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    ClusterObserved,
    ContextDocument,
    ControllerStatus,
    DeployResult,
    FailedStep,
    DriftItem,
    DriftReport,
    FileKind,
    Finding,
    GeneratedFile,
    GraphRecord,
    GuardrailVerdict,
    PlanCounts,
    ModuleChoice,
    NetworkFact,
    LiveObjectState,
    LiveState,
    PodStatus,
    RetrievedContext,
    RolloutResult,
    RunReport,
    Severity,
    TerraformRun,
    WorkflowLogSummary,
    WorkflowRunResult,
    WorkloadStatus,
)
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent, Persona
from shared.contracts.messages import RunMessage
from shared.contracts.knowledge import GraphImportRequest, GraphImportResult, KnowledgeAnswer, KnowledgeQuery
from shared.contracts.scan import ScanRequest, ScanResponse

__all__ = [
    "Action", "AppSpec", "ArtifactBundle", "BucketSpec", "ChangeProposal", "ClusterObserved", "ClusterSpec",
    "ContextDocument", "ControllerStatus", "DeployResult", "DeploymentIntent", "DriftItem", "DriftReport",
    "FailedStep", "FileKind", "Finding", "GeneratedFile", "GraphImportRequest", "GraphImportResult",
    "GraphRecord", "GuardrailVerdict", "KnowledgeAnswer", "KnowledgeQuery", "LiveObjectState", "LiveState",
    "ModuleChoice", "NetworkFact", "Persona", "PlanCounts", "PodStatus", "RetrievedContext", "RolloutResult",
    "RunMessage", "RunReport", "ScanRequest", "ScanResponse", "Severity", "TerraformRun",
    "WorkflowLogSummary", "WorkflowRunResult", "WorkloadStatus",
]
