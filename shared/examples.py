"""The scenario requests (shared/scenarios/requests.yaml beside the repo) that produce files, as intents.

These are what the intent parser is expected to turn the natural-language requests
into; the ids match the scenario ids. One definition for the demo (`mcpcloud demo`),
the benchmarks, the terraform worker's warm-up and the tests.
"""

from __future__ import annotations

import re
from pathlib import Path

from shared.catalog import CATALOG_DIR
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent

SCENARIOS: dict[str, DeploymentIntent] = {
    # "AWS EKS 클러스터에 Nginx 배포하고 ArgoCD로 관리해줘."
    "eks-nginx-argocd": DeploymentIntent(
        action=Action.deploy,
        cloud="aws",
        platform="eks",
        region="ap-northeast-2",
        stack="eks-nginx",
        cluster=ClusterSpec(name="mcp-eks"),
        app=AppSpec(
            name="nginx",
            image="nginxinc/nginx-unprivileged",
            tag="1.27.3-alpine",
            replicas=3,
            port=8080,
            namespace="web",
        ),
        gitops="argocd",
    ),
    # "Create a private S3 bucket for application logs in ap-northeast-2 with versioning"
    "private-logs-bucket": DeploymentIntent(
        action=Action.provision,
        cloud="aws",
        region="ap-northeast-2",
        stack="app-logs",
        buckets=[BucketSpec(name="mcp-app-logs-apne2", purpose="Application logs", versioning=True)],
    ),
    # "Make a public-read S3 bucket to host our website"
    "public-website-bucket": DeploymentIntent(
        action=Action.provision,
        cloud="aws",
        region="us-east-1",
        stack="website",
        buckets=[BucketSpec(name="mcp-public-website", purpose="Static website", public_read=True)],
    ),
    # "Deploy redis to the staging namespace and run it as root with privileged: true"
    "root-pod": DeploymentIntent(
        action=Action.deploy,
        cloud="aws",
        platform="eks",
        region="ap-northeast-2",
        environment="staging",
        stack="redis-staging",
        app=AppSpec(
            name="redis",
            image="redis",
            tag="7.4.1",
            replicas=1,
            port=6379,
            namespace="staging",
            run_as_root=True,
            privileged=True,
        ),
    ),
}

#: What a policy worker scans as it starts (stored in ``services/policy/warm_up/`` by
#: ``python -m services.terraform.export_examples``): the scenarios, plus one stack on
#: each other cloud. checkov's expression and parse memos then hold what the catalog
#: modules evaluate to when the generator calls them (placeholder names, count indexes,
#: module wiring), so a worker's first request of a new stack does not pay for those.
#: Regions the guardrail bench's never-seen corpus (``bench/corpus/generated``) does not use.
WARM_UP_STACKS: dict[str, DeploymentIntent] = {
    **SCENARIOS,
    "gcp-gke-bucket": DeploymentIntent(
        action=Action.deploy, cloud="gcp", platform="gke", region="us-east1", stack="warm-gcp",
        cluster=ClusterSpec(name="warm-gcp"),
        app=AppSpec(name="web", image="nginxinc/nginx-unprivileged", tag="1.27.3-alpine", replicas=2, port=8080,
                    namespace="web"),
        buckets=[BucketSpec(name="mcp-warm-gcp-data", purpose="Application data", versioning=True)],
    ),
    "azure-aks-storage": DeploymentIntent(
        action=Action.deploy, cloud="azure", platform="aks", region="westus2", stack="warm-azure",
        cluster=ClusterSpec(name="warm-azure"),
        app=AppSpec(name="web", image="nginxinc/nginx-unprivileged", tag="1.27.3-alpine", replicas=2, port=8080,
                    namespace="web"),
        buckets=[BucketSpec(name="mcpwarmazuredata", purpose="Application data", versioning=True)],
    ),
}


def request_body(scenario: str, stack: str | None = None, persona: str = "devops") -> dict:
    """The scenario as a `POST /api/v1/requests` body, optionally on another stack."""
    intent = SCENARIOS[scenario]
    if stack is not None:
        intent = intent.model_copy(update={"stack": stack})
    return {"persona": persona, "intent": intent.model_dump(mode="json", exclude_none=True)}


def renamed(intent: DeploymentIntent, team: str = "team-b") -> DeploymentIntent:
    """The same request from another team: stack, cluster and bucket names (and bucket
    purposes) changed, every setting kept. The guardrail benchmark and tests use it to
    show that such a request re-uses the Terraform scan of the first one."""
    update: dict = {"stack": f"{team}-{intent.stack}"[:40]}
    if intent.cluster is not None:
        update["cluster"] = intent.cluster.model_copy(update={"name": f"{team}-{intent.cluster.name}"[:40]})
    if intent.buckets:
        update["buckets"] = [
            bucket.model_copy(update={"name": f"{team}-{bucket.name}"[:63], "purpose": f"{bucket.purpose} of {team}"})
            for bucket in intent.buckets
        ]
    return intent.model_copy(update=update, deep=True)


def reshaped(intent: DeploymentIntent) -> DeploymentIntent:
    """The same request in another shape: another region, environment, node type, node
    counts and Kubernetes version (names kept). Its Terraform cannot come from the
    canonical-form cache of the original: the guardrail benchmark times it as the first
    request of a new stack shape in a worker that has scanned another one."""
    region = "us-west-2" if intent.region != "us-west-2" else "eu-west-1"
    update: dict = {"region": region, "environment": "prod" if intent.environment != "prod" else "staging"}
    if intent.cluster is not None:
        update["cluster"] = intent.cluster.model_copy(
            update={"node_instance_type": "m6i.large", "node_min": 3, "node_max": 6, "kubernetes_version": "1.30"}
        )
    return intent.model_copy(update=update, deep=True)


MODULE_SOURCE = re.compile(r'source\s*=\s*"\./modules/([a-z0-9-]+)"')


def exported_files(folder: Path) -> dict[str, str]:
    """Relative path -> text of an exported scenario folder (`python -m services.terraform.export_examples`).

    A variant folder (`tests/fixtures/generated-<variant>/<scenario>`) holds only the
    files that differ from `generated/<scenario>`; the base folder fills in the rest
    (the catalog module copies), so they are stored once.
    """
    files: dict[str, str] = {}
    if folder.parent.name.startswith("generated-"):
        files.update(exported_files(folder.parent.with_name("generated") / folder.name))
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        files[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    for name in sorted(set(MODULE_SOURCE.findall(files.get("terraform/main.tf", "")))):
        for module_file in sorted((CATALOG_DIR / name).glob("*.tf")):  # a folder stored without its module copies
            files.setdefault(f"terraform/modules/{name}/{module_file.name}", module_file.read_text(encoding="utf-8"))
    return files


def without_catalog_copies(files: dict[str, str]) -> dict[str, str]:
    """The files less the byte-for-byte catalog module copies, which `exported_files` fills back in."""
    kept = {}
    for path, content in files.items():
        parts = path.split("/")
        if len(parts) == 4 and parts[:2] == ["terraform", "modules"]:
            original = CATALOG_DIR / parts[2] / parts[3]
            if original.is_file() and original.read_text(encoding="utf-8") == content:
                continue
        kept[path] = content
    return kept

