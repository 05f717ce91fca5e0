"""Write the generated part of the guardrail bench corpus: stacks no test or fixture uses.

Each is what the real generator (``services.terraform.generator``) produces for an
intent that differs from the scenarios in region, environment, sizes, cloud and module
mix, so its Terraform is never in a scan cache made from the fixtures. Run with the
main environment from the repo root (the policy environment has no generator)::

    .venv/bin/python bench/corpus/make_generated.py

Each folder under ``bench/corpus/generated/`` is replaced as a whole.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from services.terraform.generator import generate  # noqa: E402
from shared.examples import without_catalog_copies  # noqa: E402
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent  # noqa: E402

TARGET = Path(__file__).resolve().parent / "generated"


def _buckets(prefix: str, count: int, public: int = -1) -> list[BucketSpec]:
    return [BucketSpec(name=f"{prefix}-b{i}", purpose=f"data set {i}", versioning=i % 2 == 0, public_read=i == public)
            for i in range(count)]


STACKS: dict[str, DeploymentIntent] = {
    "aws-eks-prod-euw1": DeploymentIntent(
        cloud="aws", platform="eks", region="eu-west-1", environment="prod", stack="shop-prod",
        cluster=ClusterSpec(name="shop-prod", node_instance_type="m6i.xlarge", node_min=3, node_max=9,
                            kubernetes_version="1.30"),
        app=AppSpec(name="shop", image="ghcr.io/acme/shop", tag="2.4.1", replicas=4, port=8080, namespace="shop",
                    expose=True),
        gitops="flux",
    ),
    "aws-eks-buckets-usw2": DeploymentIntent(
        cloud="aws", platform="eks", region="us-west-2", environment="staging", stack="ml-staging",
        cluster=ClusterSpec(name="ml-staging", node_min=2, node_max=5),
        app=AppSpec(name="trainer", image="acme/trainer", tag="0.9.0", replicas=1, port=9000, namespace="ml"),
        buckets=_buckets("acme-ml-usw2", 3),
    ),
    "aws-buckets-4-sae1": DeploymentIntent(
        action=Action.provision, cloud="aws", region="sa-east-1", stack="archive", buckets=_buckets("acme-arch-sae1", 4),
    ),
    "aws-bucket-public-apse1": DeploymentIntent(
        action=Action.provision, cloud="aws", region="ap-southeast-1", environment="prod", stack="cdn-origin",
        buckets=_buckets("acme-cdn-apse1", 2, public=1),
    ),
    "gcp-gke-europe-west3": DeploymentIntent(
        cloud="gcp", platform="gke", region="europe-west3", environment="prod", stack="api-eu",
        cluster=ClusterSpec(name="api-eu", node_min=3, node_max=6),
        app=AppSpec(name="api", image="gcr.io/acme/api", tag="5.1.0", replicas=3, port=8443, namespace="api"),
        buckets=_buckets("acme-api-eu", 1),
        gitops="argocd",
    ),
    "gcp-buckets-us-central1": DeploymentIntent(
        action=Action.provision, cloud="gcp", region="us-central1", stack="lake", buckets=_buckets("acme-lake-usc1", 3, 2),
    ),
    "azure-aks-westeurope": DeploymentIntent(
        cloud="azure", platform="aks", region="westeurope", environment="staging", stack="portal-stg",
        cluster=ClusterSpec(name="portal-stg", node_min=2, node_max=3),
        app=AppSpec(name="portal", image="acme/portal", tag="3.2.0", replicas=2, port=3000, namespace="portal",
                    run_as_root=True),
    ),
    "azure-storage-eastus": DeploymentIntent(
        action=Action.provision, cloud="azure", region="eastus", stack="backups", buckets=_buckets("acmebak", 2),
    ),
    "aws-eks-dev-apne1-argocd": DeploymentIntent(
        cloud="aws", platform="eks", region="ap-northeast-1", environment="dev", stack="kr-dev",
        cluster=ClusterSpec(name="kr-dev", node_instance_type="t3.large", node_min=1, node_max=2,
                            kubernetes_version="1.29"),
        app=AppSpec(name="board", image="ghcr.io/acme/board", tag="1.0.3", replicas=2, port=8000, namespace="board",
                    expose=True),
        buckets=_buckets("acme-board-apne1", 2, public=0),
        gitops="argocd",
    ),
    "aws-buckets-8-euc1": DeploymentIntent(
        action=Action.provision, cloud="aws", region="eu-central-1", environment="prod", stack="ledger",
        buckets=_buckets("acme-ledger-euc1", 8),
    ),
    "gcp-gke-asia-ne3-dev": DeploymentIntent(
        cloud="gcp", platform="gke", region="asia-northeast3", environment="dev", stack="seoul-dev",
        cluster=ClusterSpec(name="seoul-dev", node_min=1, node_max=3),
        app=AppSpec(name="web", image="gcr.io/acme/web", tag="0.3.0", replicas=1, port=8080, namespace="web",
                    expose=True),
    ),
    "azure-aks-storage-northeurope": DeploymentIntent(
        cloud="azure", platform="aks", region="northeurope", environment="prod", stack="erp-prod",
        cluster=ClusterSpec(name="erp-prod", node_min=3, node_max=12),
        app=AppSpec(name="erp", image="acme/erp", tag="7.0.2", replicas=3, port=8080, namespace="erp"),
        buckets=_buckets("acmeerp", 3),
        gitops="flux",
    ),
    "aws-app-only-privileged": DeploymentIntent(
        cloud="aws", platform="eks", region="us-east-2", environment="dev", stack="debug-tools",
        app=AppSpec(name="netshoot", image="nicolaka/netshoot", tag="0.13", replicas=1, port=8080,
                    namespace="debug", privileged=True, run_as_root=True),
    ),
}


def main() -> int:
    for name, intent in STACKS.items():
        bundle = generate(intent)
        folder = TARGET / name
        if folder.exists():
            shutil.rmtree(folder)
        # catalog module copies are not stored: shared.examples.exported_files fills them in
        for rel, content in without_catalog_copies({f.path: f.content for f in bundle.files}).items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        print(f"{name}: {len(bundle.files)} files ({', '.join(bundle.modules) or 'manifests only'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
