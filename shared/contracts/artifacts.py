"""What the steps produce (contract v1): context, files, verdicts, changes, deploys.

Each step's output is one of these models. It travels to the next step in the
`RunMessage` and is stored on the step's row, so a redelivered task and the gateway
read exactly what the step produced.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContextDocument(_Model):
    source: str
    title: str
    score: float
    excerpt: str = Field(max_length=2000)
    kind: str = Field(default="", description="module | guardrail | runbook")
    key: str = Field(default="", description="module name, guardrail id or runbook name")


class ModuleChoice(_Model):
    """A catalog module the generator will use for this intent, and what retrieval found on it."""

    module: str
    reason: str
    sources: list[str] = Field(default_factory=list, description="knowledge documents that describe it")


class NetworkFact(_Model):
    """An observed VPC (and its private subnets) the graph holds for this account/region/environment."""

    uid: str
    vpc_id: str
    name: str = ""
    account: str = ""
    region: str
    environment: str
    stack: str = ""
    private_subnet_ids: list[str] = Field(default_factory=list)
    observed_by: str = Field(default="", description="what put it in the graph: a state import or an observed apply")


class RetrievedContext(_Model):
    query: str
    documents: list[ContextDocument] = Field(default_factory=list)
    modules: list[str] = Field(default_factory=list, description="Catalog modules the context points at")
    retriever: str = ""
    choices: list[ModuleChoice] = Field(default_factory=list)
    network: NetworkFact | None = Field(default=None, description="an existing VPC to reuse instead of creating one")
    graph_facts: list[str] = Field(default_factory=list, description="what the graph said, one sentence each")
    graph_error: str = Field(default="", description="why the graph could not be read (then no fact is used)")


class FileKind(StrEnum):
    terraform = "terraform"
    kubernetes = "kubernetes"
    github_actions = "github_actions"
    dockerfile = "dockerfile"


class GeneratedFile(_Model):
    path: str = Field(max_length=300)
    kind: FileKind
    content: str

    @field_validator("path")
    @classmethod
    def _relative(cls, path: str) -> str:
        parts = path.replace("\\", "/").split("/")
        if path.startswith("/") or ".." in parts or not path.strip():
            raise ValueError(f"path {path!r} must be relative and must not contain '..'")
        return path

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content.encode()).hexdigest()


class ArtifactBundle(_Model):
    files: list[GeneratedFile] = Field(default_factory=list)
    modules: list[str] = Field(default_factory=list)
    summary: str = ""

    def of_kind(self, kind: FileKind) -> list[GeneratedFile]:
        return [f for f in self.files if f.kind == kind]

    @property
    def content_sha256(self) -> str:
        """One hash over every path and content: what the verdict was given on.

        Length-prefixed (`len(path):path len(content):content` per file, sorted by path),
        so no two different bundles hash alike by shifting bytes between path and content.
        """
        digest = hashlib.sha256()
        for file in sorted(self.files, key=lambda f: f.path):
            path, content = file.path.encode(), file.content.encode()
            digest.update(b"%d:%s%d:%s" % (len(path), path, len(content), content))
        return digest.hexdigest()


class Severity(StrEnum):
    info = "INFO"
    low = "LOW"
    medium = "MEDIUM"
    high = "HIGH"
    critical = "CRITICAL"

    @property
    def rank(self) -> int:
        return ["INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL"].index(self.value)


class Finding(_Model):
    guardrail_id: str | None = Field(default=None, description="e.g. GR-S3-PUBLIC; None for a plain checkov finding")
    check_id: str = Field(description="checkov id (CKV_AWS_20) or our own check id")
    resource: str
    file: str
    line_start: int = 0
    line_end: int = 0
    severity: Severity
    message: str
    fix_hint: str = ""
    blocking: bool = False
    accepted: str = Field(
        default="",
        description="Why the vetted catalog module this finding is in accepts it (its module.yaml accepted_checks); "
        "an accepted finding is reported but never blocks. Blocking guardrails cannot be accepted.",
    )


class NotScanned(_Model):
    """A file of the upload the engine did not scan, and what to do about it."""

    path: str
    reason: str = Field(description='e.g. "Helm chart, render it first (helm template)"')


class GuardrailVerdict(_Model):
    """The guardrail decision on a set of files.

    ``passed``: every file was scanned, every check ran, nothing blocks.
    ``blocked``: a finding blocks (a blocking guardrail, or the persona's threshold).
    ``incomplete``: some files were not scanned (``not_scanned`` names them); never a pass.
    ``error``: a check or the scan itself failed (``errors`` names what); never a pass.
    Only ``passed`` lets a run go on (the ``passed`` property).
    """

    status: Literal["passed", "blocked", "incomplete", "error"]
    persona: str
    findings: list[Finding] = Field(default_factory=list)
    checks_passed: int = 0
    checks_failed: int = 0
    scanner: str = ""
    timings_ms: dict[str, float] = Field(default_factory=dict)
    content_sha256: str = Field(default="", description="Hash of the scanned files: the k8s step checks it")
    errors: list[str] = Field(default_factory=list, description="Why the verdict is `error`: the check or step that failed")
    not_scanned: list[NotScanned] = Field(default_factory=list, description="Files left out of the scan (`incomplete`)")

    @property
    def passed(self) -> bool:
        return self.status == "passed"


class TerraformRun(_Model):
    """A terraform/tofu plan or apply, or why none ran (`ran` False)."""

    ran: bool
    message: str
    to_add: int = 0
    to_change: int = 0
    to_destroy: int = 0
    changes: list[str] = Field(default_factory=list, description="'create aws_s3_bucket.x' per resource")
    plan_sha256: str | None = Field(default=None, description="Hash of the saved plan file (what an approval binds)")
    destroy: bool = Field(default=False, description="A destroy plan (terraform plan -destroy)")


class ChangeProposal(_Model):
    """A pull request, or the local git commit that stands in for it."""

    provider: Literal["github", "local-git"]
    repository: str
    branch: str
    base: str = "main"
    commit_sha: str
    number: int | None = None
    url: str = ""
    files: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list, description="Paths this change deletes (the bundle no longer has them)")
    review_comments: int = Field(default=0, description="Findings posted as review comments on their lines")
    reviewers: list[str] = Field(default_factory=list, description="Requested reviewers (team:<slug> for teams)")
    labels: list[str] = Field(default_factory=list)
    status_context: str = ""


class FailedStep(_Model):
    job: str
    step: str = ""
    conclusion: str = ""
    last_lines: list[str] = Field(default_factory=list, description="The last error lines of its log (bounded)")


class PlanCounts(_Model):
    to_add: int = 0
    to_change: int = 0
    to_destroy: int = 0
    no_changes: bool = False


class WorkflowLogSummary(_Model):
    """What the run's logs zip says, read boundedly (never the whole log in the report)."""

    files_read: int = 0
    bytes_read: int = 0
    truncated: bool = Field(default=False, description="Something was left unread (size, file or line caps)")
    failed: list[FailedStep] = Field(default_factory=list)
    plan: PlanCounts | None = Field(default=None, description="The last Terraform plan line found in the logs")
    error: str = Field(default="", description="Why the logs could not be read, when they could not")


class WorkflowRunResult(_Model):
    provider: Literal["github", "none"]
    run_id: int | None = None
    status: str = ""
    conclusion: str | None = None
    url: str = ""
    summary: str = ""
    workflow: str = ""
    ref: str = ""
    correlation_id: str = Field(default="", description="The dispatch input that identifies the run we started")
    head_sha: str = ""
    dispatched_at: datetime | None = None
    polls: int = Field(default=0, description="Reads of the run while following it")
    woken_by_webhook: bool = Field(default=False, description="A workflow_run webhook ended the wait")
    logs: WorkflowLogSummary | None = None


class ClusterObserved(_Model):
    """The cluster a deploy talked to, as read from its kubeconfig and its nodes."""

    context: str
    name: str
    server: str
    simulated_nodes: bool | None = Field(
        default=None, description="True: every node is a KWOK node (pods are simulated, no container runs); "
        "None: nodes could not be listed")


class ControllerStatus(_Model):
    """What a GitOps controller itself reported about the applied Application/Kustomization."""

    kind: Literal["argocd", "flux"]
    object: str = Field(description="Application/argocd/name or Kustomization/flux-system/name")
    observed: bool = Field(description="False: no controller ever reconciled the object")
    synced: bool = False
    healthy: bool = False
    revision: str = Field(default="", description="The revision the controller reports it applied")
    expected_revision: str = Field(default="", description="main's head in the GitOps repository when deployed")
    sync_status: str = ""
    health_status: str = ""
    message: str = ""
    seconds: float = 0.0


class DeployResult(_Model):
    """contract v2: adds the cluster, what the API server checked, and the controller."""

    mode: Literal["gitops", "direct", "none"]
    applied: bool
    message: str
    objects: list[str] = Field(default_factory=list)
    gitops_path: str = ""
    cluster: ClusterObserved | None = None
    validated: str = Field(default="", description="Exactly what checked the objects (e.g. the API server's dry run)")
    namespaces_created: list[str] = Field(default_factory=list)
    controller: ControllerStatus | None = None
    workloads: list[str] = Field(default_factory=list, description="Kind/namespace/name of each workload to watch")


class PodStatus(_Model):
    name: str
    phase: str
    ready: bool
    node: str = ""
    reason: str = ""


class WorkloadStatus(_Model):
    ref: str
    complete: bool
    desired: int = 0
    ready: int = 0
    updated: int = 0
    message: str = ""


class RolloutResult(_Model):
    """contract v2: adds the cluster, the controller's status, workloads, events, rollback."""

    observed: bool
    message: str
    pods: list[PodStatus] = Field(default_factory=list)
    complete: bool = False
    cluster: ClusterObserved | None = None
    controller: ControllerStatus | None = None
    workloads: list[WorkloadStatus] = Field(default_factory=list)
    events: list[str] = Field(default_factory=list, description="Warning events of a failed rollout (bounded)")
    failing_pod: str = ""
    rollback: str = Field(default="", description="What the rollback did, when the persona's policy asked for one")
    seconds: float = 0.0


class LiveObjectState(_Model):
    ref: str
    kind: str
    namespace: str | None = None
    name: str
    uid: str
    resource_version: str
    generation: int | None = None
    managed_by: list[str] = Field(default_factory=list)


class LiveState(_Model):
    """What `k8s.live_state` read back from a cluster for one stack (contract v1)."""

    cluster: ClusterObserved
    stack: str
    objects: list[LiveObjectState] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list, description="Desired objects the cluster does not have")
    changed: list[str] = Field(default_factory=list, description="'Kind/ns/name: path: desired X, live Y'")


class DriftItem(_Model):
    uid: str
    kind: str
    name: str
    status: Literal["missing", "unmanaged", "changed"]
    detail: str = ""


class DriftReport(_Model):
    """Desired (runs that applied, imported Terraform state) against observed (imports, k8s reads)."""

    stack: str
    desired: int = 0
    observed: int = 0
    items: list[DriftItem] = Field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.items)


class GraphRecord(_Model):
    nodes_written: int
    relationships_written: int
    proposed: list[str] = Field(default_factory=list, description="what the run proposed (not built)")
    observed: list[str] = Field(default_factory=list, description="what an observed apply/rollout showed exists")
    drift: DriftReport | None = None


class RunReport(_Model):
    text: str
    facts: dict[str, str | int | bool | None] = Field(default_factory=dict)
    sources: list[str] = Field(default_factory=list, description="knowledge documents the run used")
    graph_facts: list[str] = Field(default_factory=list, description="graph facts the run used")
