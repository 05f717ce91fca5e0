"""deploy/k8s: the manifests parse, every field is a real Kubernetes field, the pods pass our own
guardrails (non-root, read-only root filesystem, limits, probes, pinned tags) and KEDA scales
each worker on its own queue."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from shared.queues import Queue  # noqa: E402
from shared.settings import Settings  # noqa: E402

K8S = ROOT / "deploy" / "k8s"
WORKERS = [q.value for q in Queue]
# The github worker is the single writer of the local GitOps repositories: a one-replica
# StatefulSet with its own volume, not autoscaled.
SCALED_WORKERS = [w for w in WORKERS if w != "github"]


def workload(worker: str) -> dict:
    return {**of_kind("Deployment"), **of_kind("StatefulSet")}[f"mcpcloud-{worker}"]
SETTINGS_VARS = {f"MCP_{name.upper()}" for name in Settings.model_fields}
FLOATING_TAGS = {"latest", "stable", "mainline", "edge", "nightly", "main", "master", "dev", "lts", "current"}


def _load() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return docs


DOCS = _load()


def of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for _, doc in DOCS if doc["kind"] == kind}


def pod_specs() -> dict[str, dict]:
    return {f"{doc['kind']}/{name}": doc["spec"]["template"]["spec"]
            for kind in ("Deployment", "StatefulSet", "Job") for name, doc in of_kind(kind).items()}


def module_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def test_every_document_parses_with_kind_and_name():
    assert DOCS
    for filename, doc in DOCS:
        assert doc.get("apiVersion") and doc.get("kind") and doc["metadata"].get("name"), filename
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == "mcpcloud", f"{filename}: {doc['metadata']['name']}"


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    assert kustomization["namespace"] == "mcpcloud"
    images = {i["name"] for i in kustomization["images"]}
    used = {c["image"].split(":")[0] for spec in pod_specs().values() for c in spec["containers"]}
    assert used <= images


def test_expected_workloads():
    deployments = of_kind("Deployment")
    assert set(deployments) == {"mcpcloud-gateway", "mcpcloud-flower", *(f"mcpcloud-{w}" for w in SCALED_WORKERS)}
    assert set(of_kind("StatefulSet")) == {"mcpcloud-github"}
    assert set(of_kind("Service")) == {"mcpcloud-gateway", "mcpcloud-flower"}
    assert set(of_kind("Job")) == {"mcpcloud-migrate"}
    job = of_kind("Job")["mcpcloud-migrate"]["spec"]["template"]["spec"]
    assert job["containers"][0]["command"] == ["sh", "-c", "alembic upgrade head && python -m services.gateway.cli config seed"]


def test_fields_are_real_kubernetes_fields():
    """Catch typos (readOnlyRootFileSystem ...) against the client's OpenAPI models."""
    client = pytest.importorskip("kubernetes.client")

    def check(value, type_name: str, where: str) -> None:
        listed = re.fullmatch(r"(?:list|List)\[(.+)\]", type_name)
        if listed:
            assert isinstance(value, list), f"{where}: expected a list of {listed.group(1)}"
            for i, item in enumerate(value):
                check(item, listed.group(1), f"{where}[{i}]")
            return
        model = getattr(client.models, type_name, None) if type_name.startswith("V1") else None
        if model is None:  # str, int, bool, object (int-or-string, quantities), dict(str, str)
            return
        assert isinstance(value, dict), f"{where}: expected a mapping for {type_name}"
        fields = {json_name: attr for attr, json_name in model.attribute_map.items()}
        for key, item in value.items():
            assert key in fields, f"{where}.{key} is not a field of {type_name}"
            check(item, model.openapi_types[fields[key]], f"{where}.{key}")

    kinds = {"Deployment", "StatefulSet", "Service", "Job", "ConfigMap", "Namespace", "NetworkPolicy"}
    for filename, doc in DOCS:
        if doc["kind"] in kinds:
            check(doc, f"V1{doc['kind']}", f"{filename}:{doc['kind']}/{doc['metadata']['name']}")


@pytest.mark.parametrize("name", sorted(pod_specs()))
def test_pods_are_non_root_read_only_and_limited(name):
    spec = pod_specs()[name]
    pod_ctx = spec["securityContext"]
    assert spec.get("automountServiceAccountToken") is False
    assert pod_ctx["runAsNonRoot"] is True and pod_ctx["runAsUser"] >= 10000
    assert pod_ctx["seccompProfile"]["type"] == "RuntimeDefault"
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert not spec.get(key)
    volumes = {v["name"] for v in spec.get("volumes", [])}
    owner = {**of_kind("Deployment"), **of_kind("StatefulSet"), **of_kind("Job")}[name.split("/", 1)[1]]
    volumes |= {c["metadata"]["name"] for c in owner["spec"].get("volumeClaimTemplates", [])}
    for container in spec["containers"] + spec.get("initContainers", []):
        ctx = container["securityContext"]
        assert ctx["runAsNonRoot"] is True and ctx.get("runAsUser", pod_ctx["runAsUser"]) >= 10000
        assert ctx["allowPrivilegeEscalation"] is False and not ctx.get("privileged")
        assert ctx["readOnlyRootFilesystem"] is True
        assert ctx["capabilities"]["drop"] == ["ALL"] and not ctx["capabilities"].get("add")
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][part]), f"{name}: {part}"
        image, _, tag = container["image"].rpartition(":")
        assert image and tag and tag not in FLOATING_TAGS and "/" not in tag, container["image"]
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        assert "/tmp" in mounts and set(mounts.values()) <= volumes  # the one writable place
        if name.startswith(("Deployment/", "StatefulSet/")):
            assert container.get("livenessProbe") and container.get("readinessProbe"), name


@pytest.mark.parametrize("worker", WORKERS)
def test_worker_deployment_runs_its_queue(worker):
    deployment = workload(worker)
    if worker in SCALED_WORKERS:
        assert "replicas" not in deployment["spec"], "KEDA owns the replica count"
    else:
        assert deployment["kind"] == "StatefulSet" and deployment["spec"]["replicas"] == 1
        claims = {c["metadata"]["name"] for c in deployment["spec"]["volumeClaimTemplates"]}
        mounts = {m["name"]: m["mountPath"] for m in deployment["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]}
        assert mounts["gitops"] == "/data/gitops" and "gitops" in claims  # kept on a volume, not an emptyDir
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    command = container["command"]
    assert command[:3] == ["celery", "-A", f"services.{worker}.worker"] and command[3] == "worker"
    assert module_path(command[2]).exists()
    assert command[command.index("-Q") + 1] == worker
    assert container["image"].split(":")[0] == f"mcpcloud/{worker}"
    probe = " ".join(container["livenessProbe"]["exec"]["command"])
    assert f"-d {worker}@$HOSTNAME" in probe


def test_gateway_and_flower():
    gateway = of_kind("Deployment")["mcpcloud-gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["command"][:2] == ["uvicorn", "services.gateway.app:app"]
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    flower = of_kind("Deployment")["mcpcloud-flower"]["spec"]["template"]["spec"]["containers"][0]
    assert flower["image"].split(":")[0] == "mcpcloud/gateway"
    assert module_path(flower["command"][2]).exists()
    services = of_kind("Service")
    assert services["mcpcloud-gateway"]["spec"]["ports"][0]["port"] == 8000
    assert services["mcpcloud-flower"]["spec"]["ports"][0]["port"] == 5555


def test_policy_and_terraform_images_differ():
    images = {n: d["spec"]["template"]["spec"]["containers"][0]["image"] for n, d in of_kind("Deployment").items()}
    assert images["mcpcloud-policy"] != images["mcpcloud-terraform"]


def test_keda_scales_each_worker_on_its_queue():
    scaled = of_kind("ScaledObject")
    assert {doc["spec"]["scaleTargetRef"]["name"] for doc in scaled.values()} == {f"mcpcloud-{w}" for w in SCALED_WORKERS}
    for name, doc in scaled.items():
        assert doc["apiVersion"] == "keda.sh/v1alpha1"
        spec = doc["spec"]
        assert spec["scaleTargetRef"]["name"] in of_kind("Deployment")
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "redis"
        meta = trigger["metadata"]
        assert meta["listName"] == spec["scaleTargetRef"]["name"].removeprefix("mcpcloud-")
        assert all(isinstance(v, str) for v in meta.values()), "KEDA trigger metadata values are strings"
        assert int(meta["listLength"]) > 0


def test_env_comes_from_config_and_secrets_with_settings_names():
    config = of_kind("ConfigMap")["mcpcloud-config"]["data"]
    assert config["MCP_ENV"] == "prod"
    used = set(config)
    for path in K8S.glob("*.yaml"):
        used |= set(re.findall(r"\bMCP_[A-Z0-9_]+\b", path.read_text()))
    assert used <= SETTINGS_VARS, sorted(used - SETTINGS_VARS)
    for name, spec in pod_specs().items():
        refs = [e for c in spec["containers"] for e in c.get("envFrom", [])]
        assert {"configMapRef": {"name": "mcpcloud-config"}} in refs, name
        assert {"secretRef": {"name": "mcpcloud-secrets"}} in refs, name
        assert not any("value" in e for c in spec["containers"] for e in c.get("env", []) if "SECRET" in e["name"])


def test_network_policies_cover_every_pod():
    policies = of_kind("NetworkPolicy")
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"] and not p["spec"].get("ingress")
               for p in policies.values()), "a default deny-ingress policy"


def _kustomize() -> str | None:
    """The kustomize scripts/cluster-build.sh builds (make test does), else one on PATH."""
    dirs = subprocess.run(["bash", str(ROOT / "scripts" / "cluster-build.sh"), "bin-dirs"], capture_output=True,
                          text=True).stdout
    for line in dirs.splitlines():
        if line.startswith("K8S_BIN=") and (Path(line[8:]) / "kustomize").is_file():
            return str(Path(line[8:]) / "kustomize")
    return shutil.which("kustomize")


def test_kustomize_build():
    cli = _kustomize()
    kubectl = shutil.which("kubectl")
    if cli:
        cmd = [cli, "build", str(K8S)]
    elif kubectl:
        cmd = [kubectl, "kustomize", str(K8S)]
    else:
        pytest.skip("no kustomize: `bash scripts/cluster-build.sh k8s` builds it (make test does), or put kubectl on PATH")
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    kinds = [doc["kind"] for doc in yaml.safe_load_all(result.stdout) if doc]
    assert kinds.count("Deployment") == 2 + len(SCALED_WORKERS) and kinds.count("ScaledObject") == len(SCALED_WORKERS)
    assert kinds.count("StatefulSet") == 1
