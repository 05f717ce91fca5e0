"""Message contracts between the gateway and the services (versioned pydantic models)."""

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    ContextDocument,
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
from shared.contracts.knowledge import GraphImportRequest, GraphImportResult, KnowledgeAnswer, KnowledgeQuery
from shared.contracts.scan import ScanRequest, ScanResponse

__all__ = [
    "Action", "AppSpec", "ArtifactBundle", "BucketSpec", "ChangeProposal", "ClusterSpec", "ContextDocument",
    "DeployResult", "DeploymentIntent", "DriftItem", "DriftReport", "FailedStep", "FileKind", "Finding",
    "GeneratedFile", "GraphImportRequest", "GraphImportResult", "GraphRecord", "GuardrailVerdict",
    "KnowledgeAnswer", "KnowledgeQuery", "ModuleChoice", "NetworkFact", "Persona", "PlanCounts", "PodStatus",
    "RetrievedContext", "RolloutResult", "RunMessage", "RunReport", "ScanRequest", "ScanResponse", "Severity",
    "TerraformRun", "WorkflowLogSummary", "WorkflowRunResult",
]
