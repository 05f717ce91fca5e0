"""One entry for every import: detect the format, build nodes, write them in one transaction.

Formats: Terraform state v4, `terraform show -json`, `kubectl get -o json` lists, run
records. A file that is not JSON, or not one of these shapes, is refused with a message
naming what to fix, before anything is written; a write that fails is rolled back whole.
"""

from __future__ import annotations

import json

from shared.contracts import GraphImportRequest, GraphImportResult
from shared.graph import GraphEdge, GraphNode, get_driver, write_graph

from services.rag.graph import kubernetes, runs, terraform_state
from services.rag.graph.terraform_state import Built, Place

NOT_IN_STACK = ("CloudAccount", "Region", "SecurityGroupRule", "Namespace", "Pod")


class GraphImportError(ValueError):
    """The file cannot be imported; the message is for the user."""


def detect(document: object) -> str:
    if isinstance(document, dict):
        if "resources" in document and "version" in document:
            return "terraform-state"
        if "format_version" in document or "values" in document:
            return "terraform-show"
        if str(document.get("kind", "")).endswith("List") or document.get("kind") in kubernetes.KNOWN_KINDS:
            return "kubernetes"
        if "runs" in document or ("id" in document and "target" in document):
            return "runs"
    if isinstance(document, list):
        return "runs"
    raise GraphImportError("unrecognised file: expected Terraform state (version 4), `terraform show -json` output, "
                           "a `kubectl get -o json` list or run records")


def _cluster(name: str) -> tuple[str, str]:
    """The cluster a kubectl list came from: an existing Cluster node by uid or name, else a new one."""
    records = get_driver().execute_query(
        "MATCH (c:Infra:Cluster) WHERE c.uid = $c OR c.name = $c RETURN c.uid AS uid, c.name AS name LIMIT 2",
        c=name).records
    if len(records) == 1:
        return records[0]["uid"], records[0]["name"]
    if len(records) > 1:
        raise GraphImportError(f"cluster {name!r} names more than one cluster in the graph: pass its uid")
    return f"k8s-cluster:{name}", name


def _stack_edges(built: Built, target: str, role: str, source: str) -> None:
    stack = built.node("Stack", f"stack:{target}", name=target.rsplit("/", 1)[-1], target=target)
    rel = "DESIRES" if role == "desired" else "CONTAINS"
    for node in list(built.nodes.values()):
        if node.kind not in NOT_IN_STACK and node.uid != stack and node.kind != "Stack":
            want = {f"want_{k}": node.props.get(k) for k in ("replicas", "image") if node.props.get(k) is not None}
            built.edge(rel, stack, node.uid, by=source, **(want if rel == "DESIRES" else {}))


def parse(request: GraphImportRequest) -> tuple[str, Built]:
    try:
        document = json.loads(request.content)
    except json.JSONDecodeError as exc:
        raise GraphImportError(f"{request.filename or 'the file'} is not JSON: {exc.msg} at line {exc.lineno} "
                               f"column {exc.colno}") from exc
    kind = detect(document) if request.format == "auto" else request.format
    source = f"{kind} import{f' {request.filename}' if request.filename else ''}"
    try:
        if kind in ("terraform-state", "terraform-show"):
            _, found = terraform_state.resources(document)
            if not found:
                raise GraphImportError("the state holds no managed resources")
            place = Place(account=request.account, region=request.region, role=request.role, source=source)
            built = terraform_state.build(found, place)
            targets = {request.stack} if request.stack else {
                f"aws/{n.props['region']}/{n.props['environment']}/{n.props['stack']}"
                for n in built.nodes.values() if n.props.get("stack") and n.props.get("environment")}
            for target in sorted(targets):
                _stack_edges(built, target, request.role, source)
        elif kind == "kubernetes":
            if not request.cluster:
                raise GraphImportError("a kubectl list needs the cluster it was read from (option cluster)")
            cluster_uid, cluster_name = _cluster(request.cluster)
            built = kubernetes.build(kubernetes.items(document), cluster_uid, cluster_name, source)
            if request.stack:
                _stack_edges(built, request.stack, "observed" if request.role == "observed" else "desired", source)
        else:
            built = runs.build(runs.records(document))
    except (terraform_state.StateFormatError, kubernetes.KubernetesFormatError, runs.RunsFormatError) as exc:
        raise GraphImportError(f"{request.filename or 'file'} ({kind}): {exc}") from exc
    except (KeyError, TypeError, AttributeError) as exc:
        raise GraphImportError(f"{request.filename or 'file'} ({kind}): malformed entry ({type(exc).__name__}: {exc})") from exc
    return kind, built


def import_graph(request: GraphImportRequest) -> GraphImportResult:
    kind, built = parse(request)
    nodes: list[GraphNode] = list(built.nodes.values())
    edges: list[GraphEdge] = built.edges
    summary = write_graph(nodes, edges)
    return GraphImportResult(format=kind, nodes=summary.nodes, relationships=summary.relationships,
                             nodes_created=summary.nodes_created, relationships_created=summary.relationships_created,
                             properties_set=summary.properties_set, kinds=summary.kinds)
