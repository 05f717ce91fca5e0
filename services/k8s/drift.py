"""Drift: read back the live objects of a stack and compare them with what was applied.

`live_objects` lists what the cluster holds for a stack (the labels every generated
manifest carries), for the graph. `drift` compares each desired manifest's fields (only
the fields the manifest sets: the server adds defaults and status) with the live object
and names each difference by path, so an edit made by hand shows up as
`Deployment/web/nginx: spec.replicas: desired 3, live 5`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubernetes.dynamic.exceptions import NotFoundError

from services.k8s.cluster import ClusterTarget
from services.k8s.manifests import Manifest

LISTED_KINDS = (("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"),
                ("v1", "Service"), ("networking.k8s.io/v1", "Ingress"), ("v1", "ConfigMap"))


@dataclass
class LiveObject:
    ref: str
    kind: str
    namespace: str | None
    name: str
    uid: str
    resource_version: str
    generation: int | None
    managed_by: list[str] = field(default_factory=list)  # field managers that wrote it


@dataclass
class DriftReport:
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.changed)


def live_objects(target: ClusterTarget, stack: str, namespace: str | None = None) -> list[LiveObject]:
    """Every listed kind labelled `app.kubernetes.io/part-of=<stack>` (one namespace or all)."""
    found = []
    for api_version, kind in LISTED_KINDS:
        resource = target.dynamic.resources.get(api_version=api_version, kind=kind)
        items = resource.get(namespace=namespace, label_selector=f"app.kubernetes.io/part-of={stack}").to_dict()
        for item in items.get("items") or []:
            meta = item["metadata"]
            ns = meta.get("namespace")
            found.append(LiveObject(
                ref=f"{kind}/{ns + '/' if ns else ''}{meta['name']}", kind=kind, namespace=ns, name=meta["name"],
                uid=meta["uid"], resource_version=meta["resourceVersion"], generation=meta.get("generation"),
                managed_by=sorted({m.get("manager", "") for m in meta.get("managedFields") or []}),
            ))
    return found


def _differences(desired: Any, live: Any, path: str) -> list[str]:
    if isinstance(desired, dict):
        if not isinstance(live, dict):
            return [f"{path}: desired a mapping, live {live!r}"]
        out = []
        for key, value in desired.items():
            out += _differences(value, live.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(desired, list):
        if not isinstance(live, list) or len(live) != len(desired):
            return [f"{path}: desired {len(desired)} items, live {len(live) if isinstance(live, list) else live!r}"]
        out = []
        for index, (d, v) in enumerate(zip(desired, live, strict=True)):
            out += _differences(d, v, f"{path}[{index}]")
        return out
    if desired != live and not (isinstance(desired, int | float) and str(desired) == str(live)):
        return [f"{path}: desired {desired!r}, live {live!r}"]
    return []


def drift(target: ClusterTarget, manifests: list[Manifest], default_namespace: str) -> DriftReport:
    report = DriftReport()
    for manifest in manifests:
        resource = target.dynamic.resources.get(api_version=manifest.api_version, kind=manifest.kind)
        namespace = (manifest.namespace or default_namespace) if resource.namespaced else None
        ref = f"{manifest.kind}/{namespace + '/' if namespace else ''}{manifest.name}"
        try:
            live = resource.get(name=manifest.name, namespace=namespace).to_dict()
        except NotFoundError:
            report.missing.append(ref)
            continue
        wanted = {k: v for k, v in manifest.body.items() if k in ("spec", "data")}
        wanted["metadata"] = {k: v for k, v in (manifest.body.get("metadata") or {}).items() if k in ("labels", "annotations")}
        report.changed += [f"{ref}: {line}" for line in _differences(wanted, live, "")]
    return report
