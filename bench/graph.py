"""Graph benchmark: neighbour and blast-radius queries at 100,000 nodes, and the import of
a 5,000-resource Terraform state, on the real Neo4j through the project's own code
(`shared/graph.py` queries, `services/rag/graph` importer).

All data is written under a bench-only account id (uids `...:bench<hex>...`), which no
other query matches, and deleted at the end. Honest case: the import is of a state never
seen before (first import: everything created); the queries run on a graph freshly
written (no warm-up beyond one query).

Usage: .venv/bin/python bench/graph.py [--workloads 20000] [--state 5000] [--out bench/results/graph.json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared import graph  # noqa: E402
from shared.contracts import GraphImportRequest  # noqa: E402
from shared.graph import GraphEdge, GraphNode, get_driver  # noqa: E402

from services.rag.graph.imports import import_graph  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def build_graph(tag: str, workloads: int) -> tuple[int, int, list[str], list[str], float]:
    """VPCs > subnets, security groups > clusters > namespaces > workloads > pods (3 each) + a Service each."""
    acct = f"bench{tag}"
    nodes: list[GraphNode] = []
    edges: list[GraphEdge] = []
    clusters = max(1, workloads // 100)
    vpcs = max(1, clusters // 10)
    sg_ids, workload_uids = [], []
    for v in range(vpcs):
        vpc = f"aws:{acct}:r:vpc:{v}"
        nodes.append(GraphNode("VPC", vpc, {"vpc_id": f"vpc-{tag}{v}", "account": acct}))
        for s in range(5):
            nodes.append(GraphNode("Subnet", f"{vpc}:subnet:{s}", {"subnet_id": f"subnet-{tag}{v}-{s}", "account": acct}))
            edges.append(GraphEdge("HAS_SUBNET", vpc, f"{vpc}:subnet:{s}"))
    for c in range(clusters):
        vpc = f"aws:{acct}:r:vpc:{c % vpcs}"
        sg_id = f"sg-{tag}-{c}"
        sg, cluster = f"aws:{acct}:r:sg:{sg_id}", f"aws:{acct}:r:cluster:{c}"
        sg_ids.append(sg_id)
        nodes += [GraphNode("SecurityGroup", sg, {"sg_id": sg_id, "account": acct}),
                  GraphNode("SecurityGroupRule", f"{sg}:rule:0", {"direction": "ingress", "cidrs": ["10.0.0.0/8"]}),
                  GraphNode("Cluster", cluster, {"name": f"c{c}", "account": acct})]
        edges += [GraphEdge("HAS_SECURITY_GROUP", vpc, sg), GraphEdge("HAS_RULE", sg, f"{sg}:rule:0"),
                  GraphEdge("USES_SECURITY_GROUP", cluster, sg), GraphEdge("IN_SUBNET", cluster, f"{vpc}:subnet:0")]
        for n in range(10):
            ns = f"k8s:{cluster}/ns{n}"
            nodes.append(GraphNode("Namespace", ns, {"name": f"ns{n}"}))
            edges.append(GraphEdge("HAS_NAMESPACE", cluster, ns))
            for w in range(workloads // clusters // 10):
                workload = f"{ns}/Deployment/w{w}"
                workload_uids.append(workload)
                nodes += [GraphNode("Workload", workload, {"name": f"w{w}", "namespace": f"ns{n}", "ready_replicas": 3}),
                          GraphNode("Service", f"{ns}/Service/w{w}", {"name": f"w{w}", "service_type": "ClusterIP"})]
                edges += [GraphEdge("RUNS", ns, workload), GraphEdge("SELECTS", f"{ns}/Service/w{w}", workload)]
                for p in range(3):
                    pod = f"{ns}/Pod/w{w}-{p}"
                    nodes.append(GraphNode("Pod", pod, {"name": f"w{w}-{p}", "phase": "Running", "ready": True}))
                    edges.append(GraphEdge("HAS_POD", workload, pod))
    started = time.perf_counter()
    for start in range(0, len(nodes), 20000):  # batches: one transaction each
        graph.write_graph(nodes[start:start + 20000])
    for start in range(0, len(edges), 20000):
        graph.write_graph([], edges[start:start + 20000])
    return len(nodes), len(edges), sg_ids, workload_uids, time.perf_counter() - started


def state_document(tag: str, resources: int) -> str:
    items = []
    per_vpc = 50
    for i in range(resources):
        v = i // per_vpc
        if i % per_vpc == 0:
            items.append({"mode": "managed", "type": "aws_vpc", "name": f"v{v}", "instances": [{"attributes": {
                "id": f"vpc-{tag}{v}", "cidr_block": "10.0.0.0/16", "tags_all": {"Name": f"v{v}"}}}]})
        elif i % per_vpc < 30:
            items.append({"mode": "managed", "type": "aws_subnet", "name": f"s{i}", "module": f"module.net{v}",
                          "instances": [{"index_key": i, "attributes": {"id": f"subnet-{tag}{i}", "vpc_id": f"vpc-{tag}{v}",
                                                                         "cidr_block": "10.0.1.0/24"}}]})
        elif i % per_vpc < 40:
            items.append({"mode": "managed", "type": "aws_security_group", "name": f"g{i}", "instances": [{"attributes": {
                "id": f"sg-{tag}{i}", "name": f"g{i}", "vpc_id": f"vpc-{tag}{v}",
                "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]}}]})
        else:
            items.append({"mode": "managed", "type": "aws_s3_bucket", "name": "b", "instances": [{"index_key": f"k{i}",
                          "attributes": {"id": f"b-{tag}-{i}", "bucket": f"b-{tag}-{i}"}}]})
    return json.dumps({"version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": tag, "resources": items})


def cleanup(tag: str) -> None:
    with get_driver().session() as session:
        session.run("MATCH (n:Infra) WHERE n.uid CONTAINS $t CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
                    t=f"bench{tag}").consume()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workloads", type=int, default=20000)
    parser.add_argument("--state", type=int, default=5000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", default="bench/results/graph.json")
    args = parser.parse_args()
    tag = secrets.token_hex(3)
    graph.ensure_schema()
    result: dict = {"tag": tag}
    try:
        total_nodes, total_edges, sg_ids, workloads, write_s = build_graph(tag, args.workloads)
        result.update(nodes=total_nodes, relationships=total_edges, write_seconds=round(write_s, 2))
        rng = random.Random(7)
        graph.neighbours(workloads[0])
        timings = []
        for uid in rng.sample(workloads, min(args.queries, len(workloads))):
            started = time.perf_counter()
            found = graph.neighbours(uid)
            timings.append((time.perf_counter() - started) * 1000)
            assert found and len(found["links"]) == 5  # namespace, service, three pods
        result["neighbours_ms"] = {"p50": round(statistics.median(timings), 2), "p95": round(percentile(timings, .95), 2),
                                   "n": len(timings)}
        timings = []
        for sg in rng.sample(sg_ids, min(args.queries, len(sg_ids))):
            started = time.perf_counter()
            users = graph.workloads_on_security_groups([sg])
            timings.append((time.perf_counter() - started) * 1000)
            assert len(users) == args.workloads // len(sg_ids)
        result["blast_radius_ms"] = {"p50": round(statistics.median(timings), 2), "p95": round(percentile(timings, .95), 2),
                                     "n": len(timings), "workloads_per_group": args.workloads // len(sg_ids)}
        # A/B in the same run: the query as it ran before (through `execute_query`, a managed
        # transaction: BEGIN+RUN+PULL, then a COMMIT round trip; one record per workload)
        # against the library's (one auto-commit round trip, one record holding the list).
        before_query = graph.WORKLOADS_ON_SECURITY_GROUP.replace(
            "WITH sg.sg_id AS sg_id", "RETURN sg.sg_id AS sg_id").split("\nRETURN collect(")[0]
        managed, single = [], []
        for sg in rng.sample(sg_ids, min(args.queries, len(sg_ids))):
            started = time.perf_counter()
            records = [dict(r) for r in get_driver().execute_query(before_query, sg_ids=[sg]).records]
            managed.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            users = graph.workloads_on_security_groups([sg])
            single.append((time.perf_counter() - started) * 1000)
            assert len(records) == len(users) == args.workloads // len(sg_ids)
        result["blast_radius_ab_ms"] = {
            "before_p50": round(statistics.median(managed), 2), "now_p50": round(statistics.median(single), 2),
            "n": len(single), "before": "execute_query (managed transaction), one record per workload",
            "now": "shared.graph: one auto-commit round trip, one record holding the list"}
        text = state_document(tag, args.state)
        started = time.perf_counter()
        imported = import_graph(GraphImportRequest(content=text, account=f"bench{tag}", region="r"))
        result["state_import"] = {"resources": args.state, "seconds": round(time.perf_counter() - started, 2),
                                  "nodes_created": imported.nodes_created,
                                  "relationships_created": imported.relationships_created, "bytes": len(text)}
        started = time.perf_counter()
        again = import_graph(GraphImportRequest(content=text, account=f"bench{tag}", region="r"))
        result["state_reimport"] = {"seconds": round(time.perf_counter() - started, 2), "nodes_created": again.nodes_created}
    finally:
        cleanup(tag)
    result["targets"] = {"query_p50_ms": 20, "state_import_s": 10}
    result["load_average_1m"], result["cpus"] = os.getloadavg()[0], os.cpu_count()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
