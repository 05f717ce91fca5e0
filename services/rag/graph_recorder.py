"""`rag.record_graph`: what a run proposed, and what was observed to exist after it.

A run always *proposes*: `(:Run)-[:PROPOSES]->(:Proposal {kind, name})` for each
cluster, VPC, workload and bucket of its intent. Proposals carry no kind label, so no
query for clusters or buckets ever shows one that was never built. Only observed
results create or update real nodes:

- `message.infrastructure.ran` (terraform apply ran): the cluster and buckets it
  created, `(:Run)-[:APPLIED]->`, desired and contained by the stack;
- `message.deploy.applied` and `message.rollout.observed`: the workload with the pods
  the rollout saw Running, desired (replicas, image) and contained by the stack.

Everything is MERGEd through `shared.graph.write_graph` (one transaction), so
recording the same run twice changes nothing.
"""

from __future__ import annotations

from shared import graph
from shared.contracts import GraphRecord, RunMessage
from shared.graph import GraphEdge, GraphNode
from shared.settings import get_settings

from services.rag.graph.kubernetes import uid_for

MAX_FINDINGS = 50


def _cluster_uid(message: RunMessage) -> str:
    intent = message.intent
    account = get_settings().rag_cloud_account or "unknown"
    if intent.cluster and intent.cloud == "aws":
        return f"aws:{account}:{intent.region}:cluster:{intent.cluster.name}"
    if intent.cluster:
        return f"{intent.cloud}:{account}:{intent.region}:cluster:{intent.cluster.name}"
    known = graph.clusters_for(intent.target, None)
    return known[0]["uid"] if len(known) == 1 else f"k8s-cluster:{intent.target}"


def build(message: RunMessage) -> tuple[list[GraphNode], list[GraphEdge], list[dict], list[str], list[str]]:
    intent, run_id = message.intent, str(message.run_id)
    account = get_settings().rag_cloud_account or "unknown"
    run_uid, stack_uid = f"run:{run_id}", f"stack:{intent.target}"
    applied_tf = bool(message.infrastructure and message.infrastructure.ran)
    rolled_out = bool(message.deploy and message.deploy.applied and message.rollout and message.rollout.observed)
    nodes = [
        GraphNode("Run", run_uid, {"name": run_id, "persona": message.persona.value, "requested_by": message.requested_by,
                                   "action": intent.action.value, "verdict": message.verdict.status if message.verdict else None,
                                   "terraform_applied": applied_tf, "rolled_out": rolled_out}),
        GraphNode("Stack", stack_uid, {"name": intent.stack, "target": intent.target, "cloud": intent.cloud,
                                       "region": intent.region, "environment": intent.environment}),
    ]
    edges = [GraphEdge("TARGETS", run_uid, stack_uid)]
    proposals: list[dict] = []
    proposed: list[str] = []
    observed: list[str] = []

    def propose(kind: str, name: str, **props: object) -> None:
        proposals.append({"uid": f"proposal:{run_id}:{kind}:{name}", "run": run_uid,
                          "props": {"kind": kind, "name": name, "state": "proposed", "stack": intent.target, **props}})
        proposed.append(f"{kind} {name}")

    def exists(kind: str, uid: str, by: str, **props: object) -> None:
        nodes.append(GraphNode(kind, uid, {**props, "state": "observed", "observed_by": by, "account": account,
                                           "region": intent.region, "environment": intent.environment,
                                           "stack": intent.stack}))
        want = {f"want_{k}": props[k] for k in ("replicas", "image") if k in props}
        edges.extend([GraphEdge("DESIRES", stack_uid, uid, {"by": f"run {run_id}", **want}),
                      GraphEdge("CONTAINS", stack_uid, uid, {"by": by}), GraphEdge("APPLIED", run_uid, uid)])
        observed.append(f"{kind} {props.get('name')}")

    network = message.context.network if message.context else None
    if intent.cluster:
        propose("Cluster", intent.cluster.name, platform=intent.platform)
        if intent.cloud == "aws" and network is None:
            propose("VPC", intent.cluster.name)
        if applied_tf:
            exists("Cluster", _cluster_uid(message), f"terraform apply (run {run_id})", name=intent.cluster.name,
                   platform=intent.platform, kubernetes_version=intent.cluster.kubernetes_version)
    if network is not None:
        proposed.append(f"reuse of VPC {network.vpc_id}")
    for bucket in intent.buckets:
        propose("Bucket", bucket.name, public_read=bucket.public_read, versioning=bucket.versioning)
        if applied_tf:
            exists("Bucket", f"{intent.cloud}:{account}:{intent.region}:bucket:{bucket.name}",
                   f"terraform apply (run {run_id})", name=bucket.name, versioning=bucket.versioning)
    if intent.app:
        app = intent.app
        propose("Workload", app.name, namespace=app.namespace, image=f"{app.image}:{app.tag}", replicas=app.replicas)
        if rolled_out:
            cluster_uid = _cluster_uid(message)
            workload_uid = uid_for(cluster_uid, app.namespace, "Deployment", app.name)
            running = [p for p in message.rollout.pods if p.phase == "Running" and p.ready]
            nodes.append(GraphNode("Cluster", cluster_uid, {"name": intent.cluster.name} if intent.cluster else {}))
            nodes.append(GraphNode("Namespace", f"k8s:{cluster_uid}/{app.namespace}", {"name": app.namespace}))
            edges.append(GraphEdge("HAS_NAMESPACE", cluster_uid, f"k8s:{cluster_uid}/{app.namespace}"))
            exists("Workload", workload_uid, f"rollout observed (run {run_id})", name=app.name, namespace=app.namespace,
                   workload_kind="Deployment", image=f"{app.image}:{app.tag}", replicas=app.replicas,
                   ready_replicas=len(running))
            edges.append(GraphEdge("RUNS", f"k8s:{cluster_uid}/{app.namespace}", workload_uid))
            for pod in message.rollout.pods:
                pod_uid = uid_for(cluster_uid, app.namespace, "Pod", pod.name)
                nodes.append(GraphNode("Pod", pod_uid, {"name": pod.name, "namespace": app.namespace,
                                                        "phase": pod.phase, "ready": pod.ready}))
                edges.append(GraphEdge("HAS_POD", workload_uid, pod_uid))
    if message.change:
        change = message.change
        repo_uid = f"repo:{change.repository}"
        pr_uid = f"pr:{change.repository}#{change.number or change.branch}"
        nodes += [GraphNode("Repo", repo_uid, {"name": change.repository}),
                  GraphNode("PullRequest", pr_uid, {"name": change.branch, "number": change.number, "url": change.url,
                                                    "commit": change.commit_sha, "provider": change.provider})]
        edges += [GraphEdge("IN_REPO", pr_uid, repo_uid), GraphEdge("OPENED", run_uid, pr_uid)]
    if message.workflow and message.workflow.run_id:
        workflow_uid = f"workflow:{message.workflow.run_id}"
        nodes.append(GraphNode("WorkflowRun", workflow_uid, {"name": str(message.workflow.run_id),
                                                             "status": message.workflow.status,
                                                             "conclusion": message.workflow.conclusion}))
        edges.append(GraphEdge("TRIGGERED", run_uid, workflow_uid))
    for finding in (message.verdict.findings if message.verdict else [])[:MAX_FINDINGS]:
        finding_uid = f"finding:{run_id}:{finding.check_id}:{finding.resource}"
        nodes.append(GraphNode("Finding", finding_uid, {"name": finding.guardrail_id or finding.check_id,
                                                        "check_id": finding.check_id, "resource": finding.resource,
                                                        "severity": finding.severity.value, "blocking": finding.blocking}))
        edges.append(GraphEdge("HAS_FINDING", run_uid, finding_uid))
    return nodes, edges, proposals, proposed, observed


def record_run(message: RunMessage) -> GraphRecord:
    nodes, edges, proposals, proposed, observed = build(message)
    summary = graph.write_graph(nodes, edges, proposals)
    return GraphRecord(nodes_written=summary.nodes_created, relationships_written=summary.relationships_created,
                       proposed=proposed, observed=observed, drift=graph.drift_report(message.intent.target))
