"""`kubectl get -o json` lists (Deployments, StatefulSets, DaemonSets, ReplicaSets, Pods,
Services, Namespaces) → graph nodes.

ReplicaSets are not nodes of their own: they only carry a Pod's ownership to its
Deployment (Pod → ReplicaSet → Deployment by ownerReferences). A Service SELECTS the
workloads whose pod template labels match its selector. Everything hangs under the
cluster the list was read from (the import's `cluster` option).
"""

from __future__ import annotations

from typing import Any

from services.rag.graph.terraform_state import Built

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
KNOWN_KINDS = (*WORKLOAD_KINDS, "ReplicaSet", "Pod", "Service", "Namespace")


class KubernetesFormatError(ValueError):
    """Not a kubectl list; the message says what is wrong."""


def items(document: Any) -> list[dict]:
    if not isinstance(document, dict):
        raise KubernetesFormatError("expected a JSON object: the output of `kubectl get ... -o json`")
    if document.get("kind") == "List" or (str(document.get("kind", "")).endswith("List") and "items" in document):
        objects = document.get("items")
    elif document.get("kind") in KNOWN_KINDS:
        objects = [document]
    else:
        raise KubernetesFormatError(f"kind {document.get('kind')!r}: expected a List of Kubernetes objects")
    if not isinstance(objects, list):
        raise KubernetesFormatError("`items` must be a list")
    for position, obj in enumerate(objects):
        if not isinstance(obj, dict) or not obj.get("kind") or not (obj.get("metadata") or {}).get("name"):
            raise KubernetesFormatError(f"items[{position}] has no kind or metadata.name")
    return objects


def uid_for(cluster_uid: str, namespace: str, kind: str, name: str) -> str:
    return f"k8s:{cluster_uid}/{namespace}/{kind}/{name}"


def build(objects: list[dict], cluster_uid: str, cluster_name: str, source: str = "kubectl") -> Built:
    built = Built()
    built.node("Cluster", cluster_uid, name=cluster_name)
    owners: dict[tuple[str, str], str] = {}  # (namespace, replicaset) -> workload uid
    templates: dict[str, tuple[str, dict]] = {}  # workload uid -> (namespace, pod labels)

    def namespace(name: str) -> str:
        node = built.node("Namespace", f"k8s:{cluster_uid}/{name}", name=name, observed_by=source)
        built.edge("HAS_NAMESPACE", cluster_uid, node)
        return node

    for obj in objects:
        kind, meta = obj["kind"], obj["metadata"]
        ns = meta.get("namespace", "default")
        if kind == "Namespace":
            namespace(meta["name"])
        elif kind in WORKLOAD_KINDS:
            spec, status = obj.get("spec") or {}, obj.get("status") or {}
            containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
            node = built.node("Workload", uid_for(cluster_uid, ns, kind, meta["name"]), name=meta["name"],
                              workload_kind=kind, namespace=ns, replicas=spec.get("replicas"),
                              ready_replicas=status.get("readyReplicas", 0), image=",".join(
                                  c.get("image", "") for c in containers), observed_by=source)
            built.edge("RUNS", namespace(ns), node)
            templates[node] = (ns, ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {})
    for obj in objects:  # ReplicaSets name their Deployment
        if obj["kind"] == "ReplicaSet":
            meta = obj["metadata"]
            ns = meta.get("namespace", "default")
            for ref in meta.get("ownerReferences") or []:
                if ref.get("kind") in WORKLOAD_KINDS:
                    owners[(ns, meta["name"])] = uid_for(cluster_uid, ns, ref["kind"], ref["name"])
    for obj in objects:
        kind, meta = obj["kind"], obj["metadata"]
        ns = meta.get("namespace", "default")
        if kind == "Pod":
            status = obj.get("status") or {}
            ready = all(c.get("ready") for c in status.get("containerStatuses") or [{}])
            node = built.node("Pod", uid_for(cluster_uid, ns, "Pod", meta["name"]), name=meta["name"], namespace=ns,
                              phase=status.get("phase", "Unknown"), ready=ready,
                              node_name=(obj.get("spec") or {}).get("nodeName"), observed_by=source)
            built.edge("IN_NAMESPACE", node, namespace(ns))
            for ref in meta.get("ownerReferences") or []:
                owner = owners.get((ns, ref["name"])) if ref.get("kind") == "ReplicaSet" else (
                    uid_for(cluster_uid, ns, ref["kind"], ref["name"]) if ref.get("kind") in WORKLOAD_KINDS else None)
                if owner:
                    built.edge("HAS_POD", owner, node)
        elif kind == "Service":
            spec = obj.get("spec") or {}
            selector = spec.get("selector") or {}
            ingress = ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
            node = built.node("Service", uid_for(cluster_uid, ns, "Service", meta["name"]), name=meta["name"],
                              namespace=ns, service_type=spec.get("type", "ClusterIP"),
                              ports=[int(p.get("port", 0)) for p in spec.get("ports") or []],
                              public=spec.get("type") == "LoadBalancer" and not _internal(meta),
                              hostnames=[i.get("hostname") or i.get("ip") or "" for i in ingress], observed_by=source)
            built.edge("IN_NAMESPACE", node, namespace(ns))
            for workload, (workload_ns, labels) in templates.items():
                if selector and workload_ns == ns and all(labels.get(k) == v for k, v in selector.items()):
                    built.edge("SELECTS", node, workload)
    return built


def _internal(meta: dict) -> bool:
    annotations = meta.get("annotations") or {}
    return annotations.get("service.beta.kubernetes.io/aws-load-balancer-scheme") == "internal" or \
        annotations.get("service.beta.kubernetes.io/aws-load-balancer-internal") in ("true", "0.0.0.0/0")
