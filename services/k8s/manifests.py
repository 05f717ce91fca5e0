"""Kubernetes manifests: parse, check their shape, and refuse unsafe pods before any API call.

The policy service is the guardrail of record; this is the k8s service's own last check
("no root pods" is enforced before any Kubernetes call, even if a message was forged).
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from shared.contracts import ArtifactBundle, FileKind

POD_TEMPLATE_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}


class ManifestError(ValueError):
    """A manifest that is malformed or unsafe to apply."""


@dataclass(frozen=True)
class Manifest:
    file: str
    api_version: str
    kind: str
    name: str
    namespace: str | None
    body: dict

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.namespace + '/' if self.namespace else ''}{self.name}"


def load_manifests(bundle: ArtifactBundle) -> list[Manifest]:
    manifests: list[Manifest] = []
    for file in bundle.of_kind(FileKind.kubernetes):
        try:
            documents = [doc for doc in yaml.safe_load_all(file.content) if doc is not None]
        except yaml.YAMLError as exc:
            raise ManifestError(f"{file.path}: not valid YAML: {exc}") from exc
        for doc in documents:
            if not isinstance(doc, dict):
                raise ManifestError(f"{file.path}: a manifest must be a mapping")
            metadata = doc.get("metadata") or {}
            missing = [key for key in ("apiVersion", "kind") if not doc.get(key)] + ([] if metadata.get("name") else ["metadata.name"])
            if missing:
                raise ManifestError(f"{file.path}: missing {', '.join(missing)}")
            manifests.append(
                Manifest(file.path, doc["apiVersion"], doc["kind"], metadata["name"], metadata.get("namespace"), doc)
            )
    return manifests


def refuse_unsafe_pods(manifests: list[Manifest]) -> None:
    """Raise ManifestError for root or privileged containers."""
    for manifest in manifests:
        if manifest.kind not in POD_TEMPLATE_KINDS and manifest.kind != "Pod":
            continue
        spec = manifest.body.get("spec") or {}
        pod = spec if manifest.kind == "Pod" else ((spec.get("template") or {}).get("spec") or {})
        pod_context = pod.get("securityContext") or {}
        for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
            context = {**pod_context, **(container.get("securityContext") or {})}
            where = f"{manifest.file}: {manifest.ref} container {container.get('name')}"
            if context.get("privileged"):
                raise ManifestError(f"{where} is privileged")
            if context.get("runAsUser") == 0 or context.get("runAsNonRoot") is not True:
                raise ManifestError(f"{where} may run as root (needs runAsNonRoot: true and a non-zero runAsUser)")
