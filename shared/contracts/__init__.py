"""Message contracts between the gateway and the services (versioned pydantic models)."""

from shared.contracts.artifacts import (
    ArtifactBundle,
    ChangeProposal,
    ContextDocument,
    DeployResult,
    DriftItem,
    DriftReport,
    FileKind,
    Finding,
    GeneratedFile,
    GraphRecord,
    GuardrailVerdict,
    ModuleChoice,
    NetworkFact,
    PodStatus,
    RetrievedContext,
    RolloutResult,
    RunReport,
    Severity,
    TerraformRun,
    WorkflowRunResult,
)
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent, Persona
from shared.contracts.messages import RunMessage
from shared.contracts.knowledge import GraphImportRequest, GraphImportResult, KnowledgeAnswer, KnowledgeQuery
from shared.contracts.scan import ScanRequest, ScanResponse

__all__ = [
    "Action", "AppSpec", "ArtifactBundle", "BucketSpec", "ChangeProposal", "ClusterSpec",
    "ContextDocument", "DeployResult", "DriftItem", "DriftReport", "ModuleChoice", "NetworkFact", "DeploymentIntent", "FileKind", "Finding", "GeneratedFile",
    "GraphRecord", "GuardrailVerdict", "Persona", "PodStatus", "RetrievedContext", "RolloutResult",
    "RunMessage", "RunReport", "ScanRequest", "ScanResponse", "Severity", "TerraformRun", "WorkflowRunResult",
    "GraphImportRequest", "GraphImportResult", "KnowledgeAnswer", "KnowledgeQuery",
]
