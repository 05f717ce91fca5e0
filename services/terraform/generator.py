"""Intent -> Terraform root module and Kubernetes manifests, as an ArtifactBundle.

Bundle layout (relative paths):

    terraform/versions.tf, main.tf, variables.tf, outputs.tf   root module
    terraform/modules/<name>/*.tf                               copied catalog modules
    kubernetes/<app>/deployment.yaml (or daemonset/statefulset.yaml), service.yaml[, ingress.yaml]
    kubernetes/gitops/argocd-application.yaml | flux-gitrepository.yaml + flux-kustomization.yaml

The Terraform part exists only when there is something to provision (a cluster or a
bucket); an app-only intent deploys to an existing cluster and gets manifests only.

The root module is built as python-hcl2 dicts and written with `hcl2.dumps`, then
read back and compared (`hcl.render`); user values enter only as escaped literals.
Insecure requests (public buckets, root or privileged pods) are generated as asked so
the guardrail service sees and blocks them. Files depend only on the intent, the
backend/GitOps settings and one graph fact of the retrieved context, so the same
request against the same graph gives byte-identical files (cacheable by content hash):

- catalog modules are fixed by the intent (one module per cloud and need); the
  context's documents and module sources only feed the summary;
- `context.network` (an observed VPC with private subnets for this account, region
  and environment, read from the graph by `rag.retrieve`) replaces the aws-vpc module:
  the cluster goes into that VPC's private subnets, looked up with data sources that
  fail the plan if they no longer exist, and the summary says so. The terraform
  service never reads Neo4j itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from services.terraform import hcl, manifests
from shared.catalog import get_module
from services.terraform.hcl import Expr, block, labelled
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile, NetworkFact, RetrievedContext
from shared.contracts.intent import Action, BucketSpec, DeploymentIntent

TERRAFORM_REQUIRED_VERSION = ">= 1.6.0, < 2.0.0"
# Exact pins: a plan reviewed today must mean the same thing when it is applied.
PROVIDER_PINS = {
    "aws": ("hashicorp/aws", "5.82.2"),
    "azurerm": ("hashicorp/azurerm", "4.14.0"),
    "google": ("hashicorp/google", "6.14.1"),
    "tls": ("hashicorp/tls", "4.0.6"),
}
# Node machine types when the intent names none.
DEFAULT_NODE_TYPES = {"aws": "t3.medium", "gcp": "e2-standard-4", "azure": "Standard_D4ds_v5"}
# Zone letters per AWS region for the VPC (regions not listed use a, b, c). Zone names
# map to physical zones per account, and us-west-1, ap-northeast-1 and ca-central-1
# offer recent accounts a subset: these are the letters those accounts get. The
# aws-vpc module checks the zones are available and fails naming the missing ones
# before it creates anything.
AWS_ZONE_SUFFIXES = {
    "us-west-1": "bc",
    "ap-northeast-1": "acd",
    "ca-central-1": "abd",
}
# Placeholder: the caller that knows the deployment repository passes gitops_repo_url.
DEFAULT_GITOPS_REPO_URL = "https://github.com/mcp-cloud/deployments.git"
GKE_ZONES = 3
_CLOUD_NAMES = {"aws": "AWS", "gcp": "GCP", "azure": "Azure"}


class GenerationError(ValueError):
    """The intent cannot be turned into files; the message says why."""


class BackendConfig(BaseModel):
    """Where Terraform keeps state. `key`/`prefix` default to the intent's lock target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["local", "s3", "gcs", "azurerm"] = "local"
    bucket: str | None = None  # s3, gcs
    region: str | None = None  # s3
    key: str | None = None  # s3, azurerm: state object name
    prefix: str | None = None  # gcs
    dynamodb_table: str | None = None  # s3: state locking
    resource_group_name: str | None = None  # azurerm
    storage_account_name: str | None = None  # azurerm
    container_name: str | None = None  # azurerm

    @model_validator(mode="after")
    def _complete(self) -> BackendConfig:
        needed = {
            "local": (),
            "s3": ("bucket", "region"),
            "gcs": ("bucket",),
            "azurerm": ("resource_group_name", "storage_account_name", "container_name"),
        }[self.kind]
        missing = [name for name in needed if not getattr(self, name)]
        if missing:
            raise ValueError(f"backend {self.kind} needs {', '.join(missing)}")
        return self

    def settings(self, target: str) -> dict[str, Any]:
        state_key = self.key or f"{target}/terraform.tfstate"
        if self.kind == "s3":
            table = {"dynamodb_table": self.dynamodb_table} if self.dynamodb_table else {}
            return {"bucket": self.bucket, "key": state_key, "region": self.region, "encrypt": True, **table}
        if self.kind == "gcs":
            return {"bucket": self.bucket, "prefix": self.prefix or target}
        if self.kind == "azurerm":
            return {
                "resource_group_name": self.resource_group_name,
                "storage_account_name": self.storage_account_name,
                "container_name": self.container_name,
                "key": state_key,
                "use_azuread_auth": True,
            }
        return {}


@dataclass(frozen=True)
class _ModuleCall:
    name: str  # label of the module block
    module: str  # catalog module
    inputs: dict[str, Any]  # Python values; Expr for references
    outputs: tuple[str, ...]  # module outputs re-exported by the root module


def generate(
    intent: DeploymentIntent,
    context: RetrievedContext | None = None,
    *,
    backend: BackendConfig | None = None,
    gitops_repo_url: str = DEFAULT_GITOPS_REPO_URL,
    gitops_revision: str = "main",
) -> ArtifactBundle:
    """Build the bundle for an intent. Raises GenerationError for what cannot be built."""
    if intent.action is Action.summarize:
        raise GenerationError("a summarize request produces a report, not infrastructure files")
    files: list[GeneratedFile] = []
    network = context.network if context is not None and intent.cloud == "aws" and intent.cluster else None
    calls = _module_calls(intent, network)
    if calls:
        files += _terraform_files(intent, calls, backend or BackendConfig(), network)
    notes: list[str] = []
    if intent.app:
        app = intent.app
        for name, doc in manifests.app_manifests(intent, app).items():
            files.append(_file(f"kubernetes/{app.name}/{name}", FileKind.kubernetes, manifests.dump(doc)))
        for name, doc in manifests.gitops_manifests(intent, app, gitops_repo_url, gitops_revision):
            files.append(_file(f"kubernetes/gitops/{name}", FileKind.kubernetes, manifests.dump(doc)))
        notes += manifests.notes(app)
    notes += [f"bucket {b.name}: public read generated as requested; the guardrail service decides"
              for b in intent.buckets if b.public_read]
    if network is not None:
        notes.append(f"reuses the existing VPC {network.vpc_id} and its private subnets "
                     f"{', '.join(network.private_subnet_ids)} (graph: {network.observed_by or 'observed'}) "
                     "instead of creating a VPC")
    files.sort(key=lambda f: f.path)
    modules = sorted({call.module for call in calls})
    return ArtifactBundle(files=files, modules=modules, summary=_summary(intent, modules, files, notes, context))


def _file(path: str, kind: FileKind, content: str) -> GeneratedFile:
    return GeneratedFile(path=path, kind=kind, content=content)


# --- which catalog modules an intent needs -------------------------------------------


def _module_calls(intent: DeploymentIntent, network: NetworkFact | None = None) -> list[_ModuleCall]:
    names = [b.name for b in intent.buckets]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GenerationError(f"bucket names must be unique: {', '.join(duplicates)}")
    if intent.cloud == "aws":
        return _aws_calls(intent, network)
    return {"gcp": _gcp_calls, "azure": _azure_calls}[intent.cloud](intent)


def _node_type(intent: DeploymentIntent) -> str:
    cluster = intent.cluster
    assert cluster is not None
    return cluster.node_instance_type or DEFAULT_NODE_TYPES[intent.cloud]


def _bucket_call_name(bucket: BucketSpec) -> str:
    # Bucket names may contain dots, identifiers may not; underscores never occur in
    # bucket names, so the mapping stays one to one.
    return "bucket_" + bucket.name.replace(".", "_")


def _aws_zones(region: str, count: int) -> list[str]:
    suffixes = AWS_ZONE_SUFFIXES.get(region, "abc")
    return [f"{region}{suffix}" for suffix in suffixes[:count]]


def _aws_calls(intent: DeploymentIntent, network: NetworkFact | None = None) -> list[_ModuleCall]:
    calls = []
    if intent.cluster:
        cluster = intent.cluster
        prod = intent.environment == "prod"
        if network is None:
            calls.append(_ModuleCall("vpc", "aws-vpc", {
                "name": cluster.name,
                "availability_zones": _aws_zones(intent.region, 3 if prod else 2),
                "single_nat_gateway": not prod,
                "public_subnet_tags": {"kubernetes.io/role/elb": "1"},
                "private_subnet_tags": {"kubernetes.io/role/internal-elb": "1"},
            }, ("vpc_id", "private_subnet_ids")))
            subnets = Expr("module.vpc.private_subnet_ids")
        elif len(network.private_subnet_ids) < 2:
            raise GenerationError(f"VPC {network.vpc_id} has fewer than two private subnets: EKS needs two zones")
        else:
            subnets = Expr("data.aws_subnets.existing_private.ids")
        calls.append(_ModuleCall("eks", "aws-eks", {
            "cluster_name": cluster.name,
            "kubernetes_version": cluster.kubernetes_version,
            "subnet_ids": subnets,
            "node_instance_types": [_node_type(intent)],
            "node_min_size": cluster.node_min,
            "node_max_size": cluster.node_max,
        }, ("cluster_name", "cluster_endpoint", "oidc_provider_arn")))
    for bucket in intent.buckets:
        calls.append(_ModuleCall(_bucket_call_name(bucket), "aws-s3-bucket", {
            "bucket_name": bucket.name,
            "purpose": bucket.purpose,
            "versioning_enabled": bucket.versioning,
            "public_read": bucket.public_read,
        }, ("bucket_arn",)))
    return calls


def _gcp_calls(intent: DeploymentIntent) -> list[_ModuleCall]:
    calls = []
    if intent.cluster:
        cluster = intent.cluster
        if cluster.node_max < GKE_ZONES:
            raise GenerationError(
                f"a regional GKE node pool starts with one node in each of {GKE_ZONES} zones: node_max must be at least {GKE_ZONES}"
            )
        calls.append(_ModuleCall("gke", "gcp-gke", {
            "project_id": Expr("var.project_id"),
            "name": cluster.name,
            "region": Expr("var.region"),
            "kubernetes_version": cluster.kubernetes_version,
            "machine_type": _node_type(intent),
            "node_min_count": cluster.node_min,
            "node_max_count": cluster.node_max,
        }, ("cluster_name", "cluster_id")))
    for bucket in intent.buckets:
        calls.append(_ModuleCall(_bucket_call_name(bucket), "gcp-gcs-bucket", {
            "project_id": Expr("var.project_id"),
            "name": bucket.name,
            "location": Expr("var.region"),
            "purpose": bucket.purpose,
            "versioning_enabled": bucket.versioning,
            "public_read": bucket.public_read,
        }, ("url",)))
    return calls


def _azure_storage_name(bucket: BucketSpec) -> str:
    name = "".join(c for c in bucket.name if c.isalnum())[:24]
    if len(name) < 3:
        raise GenerationError(f"bucket {bucket.name!r} leaves fewer than 3 letters and digits for an Azure storage account name")
    return name


def _azure_calls(intent: DeploymentIntent) -> list[_ModuleCall]:
    placement = {
        "resource_group_name": Expr("azurerm_resource_group.this.name"),
        "location": Expr("azurerm_resource_group.this.location"),
        "tags": _common_tags(intent),
    }
    calls = []
    if intent.cluster:
        cluster = intent.cluster
        calls.append(_ModuleCall("aks", "azure-aks", {
            "name": cluster.name,
            **placement,
            "kubernetes_version": cluster.kubernetes_version,
            "node_vm_size": _node_type(intent),
            "node_min_count": cluster.node_min,
            "node_max_count": cluster.node_max,
        }, ("cluster_name", "oidc_issuer_url")))
    for bucket in intent.buckets:
        calls.append(_ModuleCall(_bucket_call_name(bucket), "azure-storage-account", {
            "name": _azure_storage_name(bucket),
            **placement,
            "purpose": bucket.purpose,
            "versioning_enabled": bucket.versioning,
            "public_read": bucket.public_read,
        }, ("storage_account_id", "primary_blob_endpoint")))
    return calls


# --- the root module -------------------------------------------------------------------


def _common_tags(intent: DeploymentIntent) -> dict[str, str]:
    return {"managed-by": "mcp-cloud", "stack": intent.stack, "environment": intent.environment}


def _terraform_files(intent: DeploymentIntent, calls: list[_ModuleCall], backend: BackendConfig,
                     network: NetworkFact | None = None) -> list[GeneratedFile]:
    used = sorted({call.module for call in calls})
    providers = sorted({p for name in used for p in get_module(name).providers})
    documents = {
        "versions.tf": _versions(providers, backend, intent.target),
        "main.tf": _main(intent, calls, network),
        "variables.tf": _variables(intent),
        "outputs.tf": _outputs(calls),
    }
    files = [_file(f"terraform/{name}", FileKind.terraform, hcl.render(doc)) for name, doc in documents.items()]
    for name in used:
        for file_name, content in get_module(name).files.items():
            files.append(_file(f"terraform/modules/{name}/{file_name}", FileKind.terraform, content))
    return files


def _versions(providers: list[str], backend: BackendConfig, target: str) -> dict[str, Any]:
    unpinned = [p for p in providers if p not in PROVIDER_PINS]
    if unpinned:
        raise GenerationError(f"no pinned version for provider(s) {', '.join(unpinned)}")
    required = {p: {"source": PROVIDER_PINS[p][0], "version": PROVIDER_PINS[p][1]} for p in providers}
    return {"terraform": [block({
        "required_providers": [block(**required)],
        "backend": [labelled(backend.kind, body=block(**backend.settings(target)))],
    }, required_version=TERRAFORM_REQUIRED_VERSION)]}


def _existing_network(network: NetworkFact) -> list[dict[str, Any]]:
    """Data sources for a reused VPC: the plan fails if the VPC or a subnet is gone or moved."""
    return [
        labelled("aws_vpc", "existing", body=block(id=network.vpc_id)),
        labelled("aws_subnets", "existing_private", body=block({"filter": [
            block(name="vpc-id", values=[Expr("data.aws_vpc.existing.id")]),
            block(name="subnet-id", values=list(network.private_subnet_ids)),
        ]})),
    ]


def _main(intent: DeploymentIntent, calls: list[_ModuleCall], network: NetworkFact | None = None) -> dict[str, Any]:
    tags = _common_tags(intent)
    document: dict[str, Any] = {}
    if intent.cloud == "aws":
        provider = block({"default_tags": [block(tags=tags)]}, region=Expr("var.region"))
        document["provider"] = [labelled("aws", body=provider)]
    elif intent.cloud == "gcp":
        provider = block(project=Expr("var.project_id"), region=Expr("var.region"), default_labels=tags)
        document["provider"] = [labelled("google", body=provider)]
    else:
        # Storage accounts have shared keys disabled, so the data plane is reached with Entra ID.
        provider = block({"features": [block()]}, storage_use_azuread=True)
        document["provider"] = [labelled("azurerm", body=provider)]
        group = block(name=f"rg-{intent.stack}-{intent.environment}", location=Expr("var.region"), tags=tags)
        document["resource"] = [labelled("azurerm_resource_group", "this", body=group)]
    if network is not None:
        document["data"] = _existing_network(network)
    document["module"] = [
        labelled(call.name, body=block(source=f"./modules/{call.module}", **call.inputs)) for call in calls
    ]
    return document


def _variables(intent: DeploymentIntent) -> dict[str, Any]:
    variables = [labelled("region", body=block(
        description=f"{_CLOUD_NAMES[intent.cloud]} region of the stack.", type=Expr("string"), default=intent.region,
    ))]
    if intent.cloud == "gcp":
        variables.insert(0, labelled("project_id", body=block(
            description="GCP project to deploy into (set TF_VAR_project_id or -var project_id=...).",
            type=Expr("string"),
        )))
    return {"variable": variables}


def _outputs(calls: list[_ModuleCall]) -> dict[str, Any]:
    outputs = []
    for call in calls:
        module = get_module(call.module)
        for name in call.outputs:
            description = next(o.description for o in module.outputs if o.name == name)
            root_name = name if name.startswith(f"{call.name}_") else f"{call.name}_{name}"
            outputs.append(labelled(root_name, body=block(
                description=description, value=Expr(f"module.{call.name}.{name}"),
            )))
    return {"output": outputs}


# --- summary ---------------------------------------------------------------------------


def _summary(
    intent: DeploymentIntent,
    modules: list[str],
    files: list[GeneratedFile],
    notes: list[str],
    context: RetrievedContext | None,
) -> str:
    parts = [f"{intent.target}: {len(files)} files"]
    if modules:
        parts.append(f"Terraform with catalog modules {', '.join(modules)}")
    if intent.app:
        parts.append(f"Kubernetes manifests for {intent.app.name} in namespace {intent.app.namespace}")
    if intent.gitops != "none":
        parts.append(f"GitOps with {intent.gitops}")
    if context is not None:
        parts.append(f"context: {len(context.documents)} documents from {context.retriever or 'retriever'}")
        cited = sorted({source for choice in context.choices for source in choice.sources})
        if cited:
            parts.append(f"module sources: {', '.join(cited)}")
    return "; ".join(parts) + "." + "".join(f"\nNote: {note}." for note in notes)
