"""What the k8s tests build on: bundles from the scenarios, kubeconfig contexts, the audit log."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client

from shared.contracts import ArtifactBundle, DeploymentIntent, GeneratedFile
from shared.examples import SCENARIOS

from services.k8s.cluster import ClusterTarget
from services.terraform.generator import generate

WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def app_intent(scenario: str = "eks-nginx-argocd", gitops: str = "none", **app_changes: Any) -> DeploymentIntent:
    """The scenario's app only (an existing cluster), on a stack and namespace of its own."""
    intent = SCENARIOS[scenario]
    suffix = uuid.uuid4().hex[:6]
    app = intent.app.model_copy(update={"namespace": f"t-{suffix}", **app_changes})
    return intent.model_copy(update={"stack": f"s{suffix}", "gitops": gitops, "cluster": None, "app": app})


def bundle_for(intent: DeploymentIntent, repo_url: str = "https://git.invalid/none.git") -> ArtifactBundle:
    return generate(intent, gitops_repo_url=repo_url)


def edited(bundle: ArtifactBundle, path: str, change) -> ArtifactBundle:
    """The bundle with one YAML file changed by `change(doc)` (which edits in place)."""
    files = []
    for file in bundle.files:
        if file.path == path:
            doc = copy.deepcopy(yaml.safe_load(file.content))
            change(doc)
            file = GeneratedFile(path=file.path, kind=file.kind, content=yaml.safe_dump(doc, sort_keys=False))
        files.append(file)
    return bundle.model_copy(update={"files": files})


def admin(kubeconfig: Path) -> ClusterTarget:
    return ClusterTarget.from_file(kubeconfig)


def service_account_context(target: ClusterTarget, namespace: str, name: str, context: str) -> dict:
    """`target`'s kubeconfig plus a context for a service account (token from the TokenRequest API)."""
    core = client.CoreV1Api(target.api)
    try:
        core.create_namespace({"metadata": {"name": namespace}})
    except client.ApiException as exc:
        if exc.status != 409:
            raise
    core.create_namespaced_service_account(namespace, {"metadata": {"name": name}})
    token = core.create_namespaced_service_account_token(
        name, namespace, {"spec": {"expirationSeconds": 3600}}).status.token
    data = copy.deepcopy(target.kubeconfig)
    data["users"].append({"name": f"{namespace}-{name}", "user": {"token": token}})
    data["contexts"].append({"name": context, "context": {"cluster": target.cluster_name, "user": f"{namespace}-{name}"}})
    return data


def second_cluster_entry(target: ClusterTarget, cluster: str, context: str) -> dict:
    """Another cluster entry (same server, same credentials) under its own name and context."""
    data = copy.deepcopy(target.kubeconfig)
    entry = next(c for c in data["clusters"] if c["name"] == target.cluster_name)
    data["clusters"].append({"name": cluster, "cluster": dict(entry["cluster"])})
    data["contexts"].append({"name": context, "context": {"cluster": cluster, "user": target.user}})
    return data


def all_audit_events(audit_log: Path) -> list[dict]:
    return [json.loads(line) for line in audit_log.read_text().splitlines() if line.strip()]


def audit_events(audit_log: Path, name: str) -> list[dict]:
    """Audit events about objects called `name`."""
    return [e for e in all_audit_events(audit_log) if (e.get("objectRef") or {}).get("name") == name]


def writes(events: list[dict]) -> list[dict]:
    """Write calls that were not dry runs."""
    return [e for e in events if e["verb"] in WRITE_VERBS and "dryRun=All" not in e.get("requestURI", "")]


