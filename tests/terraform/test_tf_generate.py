"""Scenario by scenario: what the generator produces for the requests of requests.yaml."""

from __future__ import annotations

from pathlib import Path

import hcl2
import pytest
import yaml
from pydantic import ValidationError

from shared import catalog
from shared.examples import SCENARIOS, WARM_UP_STACKS, exported_files, renamed, reshaped
from services.terraform.generator import PROVIDER_PINS, BackendConfig, GenerationError, generate
from services.terraform.validate import validate_bundle
from shared.contracts.artifacts import ContextDocument, FileKind, RetrievedContext
from shared.contracts.intent import Action, AppSpec, BucketSpec, ClusterSpec, DeploymentIntent


def _files(bundle):
    return {f.path: f.content for f in bundle.files}


def _module_calls(main_tf: str) -> dict[str, dict]:
    return {k.strip('"'): v for entry in hcl2.loads(main_tf)["module"] for k, v in entry.items()}


def _yaml(bundle, path):
    documents = list(yaml.safe_load_all(_files(bundle)[path]))
    assert len(documents) == 1, f"{path} must hold exactly one YAML document"
    return documents[0]


# --- eks-nginx-argocd -----------------------------------------------------------------


def test_eks_nginx_argocd_gives_an_eks_cluster_nginx_manifests_and_an_argocd_application(bundles):
    bundle = bundles["eks-nginx-argocd"]
    assert sorted(_files(bundle)) == [
        "kubernetes/gitops/argocd-application.yaml",
        "kubernetes/nginx/deployment.yaml",
        "kubernetes/nginx/service.yaml",
        "terraform/main.tf",
        "terraform/modules/aws-eks/main.tf",
        "terraform/modules/aws-eks/outputs.tf",
        "terraform/modules/aws-eks/variables.tf",
        "terraform/modules/aws-vpc/main.tf",
        "terraform/modules/aws-vpc/outputs.tf",
        "terraform/modules/aws-vpc/variables.tf",
        "terraform/outputs.tf",
        "terraform/variables.tf",
        "terraform/versions.tf",
    ]
    assert bundle.modules == ["aws-eks", "aws-vpc"]
    assert {f.kind for f in bundle.files if f.path.startswith("terraform/")} == {FileKind.terraform}
    assert {f.kind for f in bundle.files if f.path.startswith("kubernetes/")} == {FileKind.kubernetes}

    calls = _module_calls(_files(bundle)["terraform/main.tf"])
    assert calls["eks"]["source"] == '"./modules/aws-eks"'
    assert calls["eks"]["cluster_name"] == '"mcp-eks"'
    assert calls["eks"]["subnet_ids"] == "${module.vpc.private_subnet_ids}"
    assert calls["vpc"]["single_nat_gateway"] is True  # dev: one NAT gateway
    assert calls["vpc"]["availability_zones"] == ['"ap-northeast-2a"', '"ap-northeast-2b"']


def test_production_vpcs_span_three_named_zones_with_a_nat_gateway_each():
    intent = SCENARIOS["eks-nginx-argocd"].model_copy(update={"environment": "prod", "region": "ap-northeast-1"})
    calls = _module_calls(_files(generate(intent))["terraform/main.tf"])
    # New accounts have no ap-northeast-1b.
    assert calls["vpc"]["availability_zones"] == ['"ap-northeast-1a"', '"ap-northeast-1c"', '"ap-northeast-1d"']
    assert calls["vpc"]["single_nat_gateway"] is False


def test_eks_root_module_pins_providers_and_keeps_state_locally_by_default(bundles):
    files = _files(bundles["eks-nginx-argocd"])
    terraform = hcl2.loads(files["terraform/versions.tf"])["terraform"][0]
    assert terraform["required_version"] == '">= 1.6.0, < 2.0.0"'
    providers = terraform["required_providers"][0]
    assert providers["aws"] == {"source": '"hashicorp/aws"', "version": f'"{PROVIDER_PINS["aws"][1]}"'}
    assert providers["tls"]["version"] == f'"{PROVIDER_PINS["tls"][1]}"'  # the EKS module's OIDC thumbprint
    assert list(terraform["backend"][0]) == ['"local"']

    provider = hcl2.loads(files["terraform/main.tf"])["provider"][0]['"aws"']
    assert provider["region"] == "${var.region}"
    assert provider["default_tags"][0]["tags"] == {
        "managed-by": '"mcp-cloud"', "stack": '"eks-nginx"', "environment": '"dev"',
    }
    region = hcl2.loads(files["terraform/variables.tf"])["variable"][0]['"region"']
    assert region["default"] == '"ap-northeast-2"'


def test_eks_bundle_carries_exact_copies_of_the_catalog_modules(bundles):
    files = _files(bundles["eks-nginx-argocd"])
    for name in ("aws-eks", "aws-vpc"):
        for file_name, content in catalog.get_module(name).files.items():
            assert files[f"terraform/modules/{name}/{file_name}"] == content


def test_nginx_runs_as_a_non_root_hardened_deployment(bundles):
    deployment = _yaml(bundles["eks-nginx-argocd"], "kubernetes/nginx/deployment.yaml")
    assert deployment["kind"] == "Deployment" and deployment["metadata"]["namespace"] == "web"
    assert deployment["spec"]["replicas"] == 3
    pod = deployment["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    (container,) = pod["containers"]
    assert container["image"] == "nginxinc/nginx-unprivileged:1.27.3-alpine"
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "privileged": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/", "port": "http"}
    # A read-only root filesystem needs somewhere for nginx to write.
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert set(mounts) == {"/var/cache/nginx", "/var/run", "/tmp"}
    assert {v["name"] for v in pod["volumes"] if "emptyDir" in v} == set(mounts.values())


def test_nginx_service_and_argocd_application_point_at_the_right_things(bundles):
    bundle = bundles["eks-nginx-argocd"]
    service = _yaml(bundle, "kubernetes/nginx/service.yaml")
    assert service["spec"]["ports"] == [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]
    deployment = _yaml(bundle, "kubernetes/nginx/deployment.yaml")
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]

    application = _yaml(bundle, "kubernetes/gitops/argocd-application.yaml")
    assert application["apiVersion"] == "argoproj.io/v1alpha1" and application["kind"] == "Application"
    assert application["metadata"]["namespace"] == "argocd"
    assert application["spec"]["source"]["path"] == "kubernetes/nginx"
    assert application["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "web"}
    assert application["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    # a bounded retry, so a rejected manifest ends Argo CD's sync as Failed within the k8s watch (issue 11)
    assert application["spec"]["syncPolicy"]["retry"] == {
        "limit": 3, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"}}


# --- private-logs-bucket / public-website-bucket ----------------------------------------


def test_private_logs_bucket_is_private_versioned_and_in_seoul(bundles):
    bundle = bundles["private-logs-bucket"]
    assert bundle.modules == ["aws-s3-bucket"]
    assert not any(f.path.startswith("kubernetes/") for f in bundle.files)
    files = _files(bundle)
    calls = _module_calls(files["terraform/main.tf"])
    assert calls["bucket_mcp-app-logs-apne2"] == {
        "__is_block__": True,
        "source": '"./modules/aws-s3-bucket"',
        "bucket_name": '"mcp-app-logs-apne2"',
        "purpose": '"Application logs"',
        "versioning_enabled": True,
        "public_read": False,
    }
    assert '"ap-northeast-2"' in files["terraform/variables.tf"]
    module_main = files["terraform/modules/aws-s3-bucket/main.tf"]
    assert 'sse_algorithm     = local.use_kms ? "aws:kms" : "AES256"' in module_main
    assert "enable_key_rotation     = true" in module_main


def test_public_website_bucket_is_generated_faithfully_public(bundles):
    bundle = bundles["public-website-bucket"]
    calls = _module_calls(_files(bundle)["terraform/main.tf"])
    assert calls["bucket_mcp-public-website"]["public_read"] is True
    assert "public_read        = true" in _files(bundle)["terraform/main.tf"]
    assert "public read generated as requested" in bundle.summary


# --- root-pod ---------------------------------------------------------------------------


def test_root_privileged_redis_is_written_as_requested_for_the_guardrails_to_block(bundles):
    bundle = bundles["root-pod"]
    # An app on an existing cluster: nothing to provision, manifests only.
    assert sorted(_files(bundle)) == ["kubernetes/redis/deployment.yaml", "kubernetes/redis/service.yaml"]
    assert bundle.modules == []
    deployment = _yaml(bundle, "kubernetes/redis/deployment.yaml")
    assert deployment["metadata"]["namespace"] == "staging"
    pod = deployment["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsUser"] == 0
    assert pod["securityContext"]["runAsNonRoot"] is False
    (container,) = pod["containers"]
    assert container["securityContext"]["privileged"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is True  # required with privileged
    assert container["image"] == "redis:7.4.1"
    assert "run as root and privileged" in bundle.summary


# --- every scenario ---------------------------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_file_parses_back_and_the_bundle_validates_clean(bundles, scenario):
    bundle = bundles[scenario]
    for generated in bundle.files:
        if generated.kind is FileKind.terraform:
            assert hcl2.loads(generated.content), generated.path
        else:
            assert len(list(yaml.safe_load_all(generated.content))) == 1, generated.path
    assert [str(issue) for issue in validate_bundle(bundle)] == []


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_same_intent_gives_byte_identical_files(bundles, scenario):
    again = generate(SCENARIOS[scenario].model_copy(deep=True))
    assert [(f.path, f.sha256) for f in again.files] == [(f.path, f.sha256) for f in bundles[scenario].files]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_exported_examples_for_the_policy_scans_are_current(bundles, scenario):
    """tests/fixtures/generated/ is what checkov is tuned on; refresh it with
    `python -m services.terraform.export_examples` when this fails."""
    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    for folder, bundle in (
        (fixtures / "generated" / scenario, bundles[scenario]),
        (fixtures / "generated-renamed" / scenario, generate(renamed(SCENARIOS[scenario]))),
        (fixtures / "generated-reshaped" / scenario, generate(reshaped(SCENARIOS[scenario]))),
    ):
        exported = exported_files(folder)
        exported.pop("SUMMARY.txt", None)
        assert exported == _files(bundle), folder


def test_the_policy_workers_start_up_stacks_are_current():
    """services/policy/warm_up/ is what a policy worker scans as it starts; refresh it with
    `python -m services.terraform.export_examples` when this fails."""
    warm_up = Path(__file__).resolve().parents[2] / "services" / "policy" / "warm_up"
    assert sorted(p.name for p in warm_up.iterdir() if p.is_dir()) == sorted(WARM_UP_STACKS)
    for name, intent in WARM_UP_STACKS.items():
        assert exported_files(warm_up / name) == _files(generate(intent)), name


def test_retrieved_context_shows_in_the_summary_but_never_changes_files(bundles):
    context = RetrievedContext(
        query="eks nginx argocd",
        documents=[ContextDocument(source="catalog/aws-eks", title="aws-eks", score=0.9, excerpt="EKS module")],
        modules=["aws-eks"],
        retriever="llamaindex",
    )
    bundle = generate(SCENARIOS["eks-nginx-argocd"], context)
    assert [f.sha256 for f in bundle.files] == [f.sha256 for f in bundles["eks-nginx-argocd"].files]
    assert "context: 1 documents from llamaindex" in bundle.summary


# --- options and other clouds -----------------------------------------------------------


def test_s3_backend_keeps_state_under_the_stack_lock_target():
    backend = BackendConfig(kind="s3", bucket="mcp-tfstate", region="ap-northeast-2", dynamodb_table="mcp-tflock")
    bundle = generate(SCENARIOS["private-logs-bucket"], backend=backend)
    terraform = hcl2.loads(_files(bundle)["terraform/versions.tf"])["terraform"][0]
    assert terraform["backend"][0]['"s3"'] == {
        "__is_block__": True,
        "bucket": '"mcp-tfstate"',
        "key": '"aws/ap-northeast-2/dev/app-logs/terraform.tfstate"',
        "region": '"ap-northeast-2"',
        "encrypt": True,
        "dynamodb_table": '"mcp-tflock"',
    }


def test_an_incomplete_backend_is_refused():
    with pytest.raises(ValidationError, match="backend azurerm needs resource_group_name, storage_account_name"):
        BackendConfig(kind="azurerm", container_name="tfstate")


def test_gke_with_a_gcs_bucket_and_flux():
    intent = DeploymentIntent(
        cloud="gcp", platform="gke", region="asia-northeast3", stack="shop", environment="prod",
        cluster=ClusterSpec(name="shop-gke"),
        buckets=[BucketSpec(name="shop-assets.example", purpose="Product images")],
        app=AppSpec(name="shop", image="ghcr.io/acme/shop", tag="2.4.1", port=8080, expose=True),
        gitops="flux",
    )
    bundle = generate(intent, backend=BackendConfig(kind="gcs", bucket="shop-tfstate"))
    files = _files(bundle)
    assert bundle.modules == ["gcp-gcs-bucket", "gcp-gke"]
    assert validate_bundle(bundle) == []
    calls = _module_calls(files["terraform/main.tf"])
    assert calls["gke"]["machine_type"] == '"e2-standard-4"'  # not the contract's AWS default
    assert calls["bucket_shop-assets_example"]["name"] == '"shop-assets.example"'
    variables = {k.strip('"'): v for e in hcl2.loads(files["terraform/variables.tf"])["variable"] for k, v in e.items()}
    assert "default" not in variables["project_id"]  # must be supplied, never guessed
    backend = hcl2.loads(files["terraform/versions.tf"])["terraform"][0]["backend"][0]['"gcs"']
    assert backend["prefix"] == '"gcp/asia-northeast3/prod/shop"'
    assert "kubernetes/shop/ingress.yaml" in files
    kustomization = _yaml(bundle, "kubernetes/gitops/flux-kustomization.yaml")
    assert kustomization["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
    assert kustomization["spec"]["path"] == "./kubernetes/shop"
    assert kustomization["spec"]["prune"] is True and kustomization["spec"]["targetNamespace"] == "default"


def test_aks_with_a_storage_account_in_a_resource_group():
    intent = DeploymentIntent(
        cloud="azure", platform="aks", region="koreacentral", stack="billing",
        cluster=ClusterSpec(name="billing-aks", node_instance_type="Standard_D8ds_v5"),
        buckets=[BucketSpec(name="billing-exports.v2", versioning=False)],
    )
    bundle = generate(intent)
    files = _files(bundle)
    assert validate_bundle(bundle) == []
    main = hcl2.loads(files["terraform/main.tf"])
    assert main["resource"][0]['"azurerm_resource_group"']['"this"']["location"] == "${var.region}"
    calls = _module_calls(files["terraform/main.tf"])
    assert calls["aks"]["node_vm_size"] == '"Standard_D8ds_v5"'  # explicitly asked for
    assert calls["bucket_billing-exports_v2"]["name"] == '"billingexportsv2"'  # storage account naming rules
    assert calls["bucket_billing-exports_v2"]["versioning_enabled"] is False


def test_requests_that_cannot_be_built_fail_with_a_reason():
    summary = DeploymentIntent(action=Action.summarize, cloud="aws", region="us-east-1", stack="status")
    with pytest.raises(GenerationError, match="summarize"):
        generate(summary)
    small_gke = DeploymentIntent(
        cloud="gcp", platform="gke", region="us-central1", stack="tiny",
        cluster=ClusterSpec(name="tiny-gke", node_min=1, node_max=2),
    )
    with pytest.raises(GenerationError, match="node_max must be at least 3"):
        generate(small_gke)
    twins = DeploymentIntent(
        cloud="aws", region="us-east-1", stack="twins", buckets=[BucketSpec(name="same-name"), BucketSpec(name="same-name")],
    )
    with pytest.raises(GenerationError, match="unique: same-name"):
        generate(twins)
