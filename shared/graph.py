"""The infrastructure graph in Neo4j: driver, schema, MERGE-only writes, and the reads
every service shares (gateway API, policy graph guardrails, rag retrieval).

Model. Everything that exists (or existed when last seen) is an `:Infra` node with a
unique `uid` and one kind label: CloudAccount, Region, VPC, Subnet, SecurityGroup,
SecurityGroupRule, Cluster, NodeGroup, Namespace, Workload, Pod, Service, Bucket,
Database, Stack, Repo, PullRequest, WorkflowRun, Run, Finding. What a run only
*proposes* is a `:Proposal` node (`kind`, `name`), linked `(:Run)-[:PROPOSES]->`: it has
none of the kind labels, so no query for buckets or clusters can return a thing that
was never built. A stack links what it wants with `DESIRES` (runs that applied,
imported Terraform state) and what was seen with `CONTAINS` (imports, observed
rollouts); drift is the difference.

Writes go through `write_graph` only: labels and relationship types come from the
allowlists below (never from input), values are parameters, every statement MERGEs,
and one call is one transaction, so a failed import leaves nothing half-written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction, Record

from shared.settings import get_settings

logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)

KINDS = (
    "CloudAccount", "Region", "VPC", "Subnet", "SecurityGroup", "SecurityGroupRule", "Cluster", "NodeGroup",
    "Namespace", "Workload", "Pod", "Service", "Bucket", "Database", "Stack", "Repo", "PullRequest",
    "WorkflowRun", "Run", "Finding",
)
RELATIONSHIPS = (
    "HAS_REGION", "HAS_VPC", "HAS_SUBNET", "HAS_SECURITY_GROUP", "HAS_RULE", "HAS_CLUSTER", "HAS_BUCKET",
    "HAS_DATABASE", "IN_VPC", "IN_SUBNET", "USES_SECURITY_GROUP", "PART_OF", "HAS_NAMESPACE", "RUNS",
    "HAS_POD", "SELECTS", "IN_NAMESPACE", "CONTAINS", "DESIRES", "TARGETS", "APPLIED", "OPENED", "IN_REPO",
    "TRIGGERED", "HAS_FINDING", "PROPOSES",
)
# Edges along which a node depends on another: (a)-[IN_SUBNET]->(b) means a needs b;
# (a)-[HAS_SUBNET]->(b) means b needs a.
DEPENDS_ON = ("IN_VPC", "IN_SUBNET", "USES_SECURITY_GROUP", "PART_OF")
NEEDED_BY = ("HAS_SUBNET", "HAS_SECURITY_GROUP", "HAS_NAMESPACE", "RUNS", "HAS_POD")


class GraphUnavailable(RuntimeError):
    """Neo4j did not answer; callers that decide something must not treat this as 'nothing found'."""


@lru_cache
def get_driver() -> Driver:
    settings = get_settings()
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        connection_timeout=5,
        max_connection_lifetime=3600,
        # The driver's own retries stay short: the step runner retries with backoff.
        max_transaction_retry_time=5,
    )


def reset_driver() -> None:
    """Forget the driver (after a fork: a child must not share its parent's sockets)."""
    get_driver.cache_clear()


def ping() -> None:
    """Raise if Neo4j does not answer a query."""
    get_driver().execute_query("RETURN 1")


# --- schema ------------------------------------------------------------------------------

SCHEMA = (
    "CREATE CONSTRAINT infra_uid IF NOT EXISTS FOR (n:Infra) REQUIRE n.uid IS UNIQUE",
    "CREATE CONSTRAINT proposal_uid IF NOT EXISTS FOR (n:Proposal) REQUIRE n.uid IS UNIQUE",
    "CREATE INDEX infra_name IF NOT EXISTS FOR (n:Infra) ON (n.name)",
    "CREATE INDEX vpc_place IF NOT EXISTS FOR (n:VPC) ON (n.region, n.environment)",
    "CREATE INDEX sg_id IF NOT EXISTS FOR (n:SecurityGroup) ON (n.sg_id)",
    "CREATE INDEX stack_target IF NOT EXISTS FOR (n:Stack) ON (n.target)",
)


@lru_cache
def ensure_schema() -> None:
    """Constraints and indexes (idempotent); once per process."""
    driver = get_driver()
    for statement in SCHEMA:
        driver.execute_query(statement)


# --- writes ------------------------------------------------------------------------------


@dataclass
class GraphNode:
    kind: str
    uid: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class GraphEdge:
    type: str
    src: str
    dst: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class WriteSummary:
    nodes: int = 0
    relationships: int = 0
    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


_NODE_WRITE = {kind: f"UNWIND $rows AS row MERGE (n:Infra {{uid: row.uid}}) SET n:{kind} SET n += row.props"
               for kind in KINDS}
_PROPOSAL_WRITE = ("UNWIND $rows AS row MERGE (p:Proposal {uid: row.uid}) SET p += row.props "
                   "WITH p, row MATCH (r:Infra:Run {uid: row.run}) MERGE (r)-[:PROPOSES]->(p)")
_EDGE_WRITE = {rel: ("UNWIND $rows AS row MATCH (a:Infra {uid: row.src}) MATCH (b:Infra {uid: row.dst}) "
                     f"MERGE (a)-[r:{rel}]->(b) SET r += row.props") for rel in RELATIONSHIPS}


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Neo4j properties: scalars and lists of scalars; None dropped."""
    out: dict[str, Any] = {}
    for key, value in props.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = [v for v in value if isinstance(v, (str, int, float, bool))]
        elif not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[key] = value
    return out


def _write(tx: ManagedTransaction, nodes: list[GraphNode], edges: list[GraphEdge],
           proposals: list[dict[str, Any]], summary: WriteSummary) -> None:
    by_kind: dict[str, list[dict]] = {}
    for node in nodes:
        if node.kind not in _NODE_WRITE:
            raise ValueError(f"unknown node kind {node.kind!r}")
        by_kind.setdefault(node.kind, []).append({"uid": node.uid, "props": _clean({**node.props, "uid": node.uid})})
    statements = [(_NODE_WRITE[kind], rows) for kind, rows in sorted(by_kind.items())]
    by_type: dict[str, list[dict]] = {}
    for edge in edges:
        if edge.type not in _EDGE_WRITE:
            raise ValueError(f"unknown relationship type {edge.type!r}")
        by_type.setdefault(edge.type, []).append({"src": edge.src, "dst": edge.dst, "props": _clean(edge.props)})
    statements += [(_EDGE_WRITE[rel], rows) for rel, rows in sorted(by_type.items())]
    if proposals:
        statements.append((_PROPOSAL_WRITE, [{**p, "props": _clean(p["props"])} for p in proposals]))
    for query, rows in statements:
        counters = tx.run(query, rows=rows).consume().counters
        summary.nodes_created += counters.nodes_created
        summary.relationships_created += counters.relationships_created
        summary.properties_set += counters.properties_set
    summary.kinds = {kind: len(rows) for kind, rows in by_kind.items()}


def write_graph(nodes: list[GraphNode], edges: list[GraphEdge] = (),
                proposals: list[dict[str, Any]] = ()) -> WriteSummary:
    """MERGE nodes, then edges between them (and a run's proposals), in one transaction."""
    ensure_schema()
    uids = {n.uid for n in nodes}
    summary = WriteSummary(nodes=len(uids), relationships=len(edges))
    with get_driver().session() as session:
        session.execute_write(_write, list(nodes), list(edges), list(proposals), summary)
    return summary


# --- reads -------------------------------------------------------------------------------


def _read(query: str, **params: Any) -> list[Record]:
    """A read as one auto-commit statement: RUN and PULL go out together, one round trip.
    `execute_query` runs it in a managed transaction, which costs a second round trip for a
    COMMIT that a read does not need; a read that fails raises to its caller either way."""
    with get_driver().session(default_access_mode=READ_ACCESS) as session:
        return list(session.run(query, params))

NEIGHBOURS = """
CALL () { MATCH (n:Infra {uid: $uid}) RETURN n UNION MATCH (n:Proposal {uid: $uid}) RETURN n }
OPTIONAL MATCH (n)-[r]-(m)
WITH n, r, m LIMIT $limit
RETURN n {.*, labels: labels(n)} AS node,
       collect(CASE WHEN r IS NULL THEN NULL ELSE {type: type(r), outgoing: startNode(r) = n,
               node: m {.uid, .name, .state, labels: labels(m)}} END) AS links
"""


def neighbours(uid: str, limit: int = 200) -> dict | None:
    records = _read(NEIGHBOURS, uid=uid, limit=limit)
    if not records:
        return None
    node = {k: v for k, v in records[0]["node"].items()}
    return {"node": node, "links": [link for link in records[0]["links"] if link]}


EXISTING_NETWORK = """
MATCH (v:Infra:VPC {cloud: $cloud, region: $region, environment: $environment, account: $account})
WHERE v.vpc_id IS NOT NULL
OPTIONAL MATCH (v)-[:HAS_SUBNET]->(s:Subnet {tier: 'private'})
WITH v, s ORDER BY s.subnet_id
WITH v, collect(s.subnet_id) AS private_subnets
RETURN v.uid AS uid, v.vpc_id AS vpc_id, v.name AS name, v.account AS account, v.stack AS stack,
       v.observed_by AS observed_by, private_subnets
ORDER BY size(private_subnets) DESC, v.uid LIMIT 2
"""


def existing_network(cloud: str, region: str, environment: str, account: str) -> list[dict]:
    """Observed VPCs (with private subnets) for this account/region/environment; at most two."""
    return [dict(r) for r in _read(EXISTING_NETWORK, cloud=cloud, region=region, environment=environment,
                                   account=account)]


WORKLOADS_ON_SECURITY_GROUP = """
MATCH (sg:Infra:SecurityGroup) WHERE sg.sg_id IN $sg_ids
CALL (sg) {
  MATCH (sg)<-[:USES_SECURITY_GROUP]-(w:Workload) RETURN w
  UNION
  MATCH (sg)<-[:USES_SECURITY_GROUP]-(:Cluster)-[:HAS_NAMESPACE]->(:Namespace)-[:RUNS]->(w:Workload) RETURN w
  UNION
  MATCH (sg)<-[:USES_SECURITY_GROUP]-(:NodeGroup)-[:PART_OF]->(:Cluster)-[:HAS_NAMESPACE]->(:Namespace)-[:RUNS]->(w:Workload)
  RETURN w
}
WITH sg, w WHERE coalesce(w.ready_replicas, 0) > 0 OR EXISTS { MATCH (w)-[:HAS_POD]->(:Pod {phase: 'Running'}) }
WITH sg.sg_id AS sg_id, w.uid AS uid, w.namespace AS namespace, w.name AS name ORDER BY sg_id, namespace, name
RETURN collect({sg_id: sg_id, uid: uid, namespace: namespace, name: name}) AS workloads
"""


def workloads_on_security_groups(sg_ids: list[str]) -> list[dict]:
    """Running workloads whose pods sit behind these security groups (directly or via their nodes).
    One record holding the list: a hundred workloads are one Bolt message, not a hundred."""
    return _read(WORKLOADS_ON_SECURITY_GROUP, sg_ids=sg_ids)[0]["workloads"]


CLUSTER_FOR_STACK = """
MATCH (c:Infra:Cluster) WHERE c.name = $cluster OR EXISTS { MATCH (:Stack {target: $target})-[:CONTAINS|DESIRES]->(c) }
RETURN c.uid AS uid, c.name AS name
"""
OPEN_DATABASES_IN_CLUSTER_VPC = """
MATCH (c:Infra:Cluster {uid: $cluster_uid})
MATCH (v:VPC) WHERE (c)-[:IN_VPC]->(v) OR EXISTS { MATCH (c)-[:IN_SUBNET]->(:Subnet)<-[:HAS_SUBNET]-(v) }
MATCH (db:Infra:Database)-[:USES_SECURITY_GROUP]->(sg:SecurityGroup)-[:HAS_RULE]->(rule:SecurityGroupRule)
WHERE rule.direction = 'ingress' AND ('0.0.0.0/0' IN rule.cidrs OR '::/0' IN rule.cidrs)
  AND ((db)-[:IN_VPC]->(v) OR (v)-[:HAS_SECURITY_GROUP]->(sg))
RETURN DISTINCT v.vpc_id AS vpc_id, db.name AS database, sg.sg_id AS sg_id,
       rule.from_port AS from_port, rule.to_port AS to_port ORDER BY database, sg_id
"""


def clusters_for(target: str, cluster_name: str | None) -> list[dict]:
    return [dict(r) for r in _read(CLUSTER_FOR_STACK, target=target, cluster=cluster_name or "")]


def open_databases_near(cluster_uid: str) -> list[dict]:
    """Databases in the cluster's VPC whose security group admits 0.0.0.0/0."""
    return [dict(r) for r in _read(OPEN_DATABASES_IN_CLUSTER_VPC, cluster_uid=cluster_uid)]


STACK_RESOURCES = """
MATCH (s:Infra:Stack {target: $target})-[:DESIRES]->(n:Infra)
RETURN n.uid AS uid, [l IN labels(n) WHERE l <> 'Infra'][0] AS kind, n.name AS name
"""
DEPENDENTS = f"""
MATCH (x:Infra {{uid: $uid}})
CALL (x) {{
  MATCH (x)<-[:{'|'.join(DEPENDS_ON)}]-(y:Infra) RETURN y
  UNION
  MATCH (x)-[:{'|'.join(NEEDED_BY)}]->(y:Infra) RETURN y
}}
WITH x, y WHERE NOT EXISTS {{ MATCH (:Stack {{target: $target}})-[:DESIRES]->(y) }}
OPTIONAL MATCH (other:Stack)-[:DESIRES|CONTAINS]->(y)
RETURN y.uid AS uid, [l IN labels(y) WHERE l <> 'Infra'][0] AS kind, y.name AS name,
       collect(DISTINCT other.target) AS stacks
ORDER BY kind, name
"""


def stack_resources(target: str) -> list[dict]:
    return [dict(r) for r in _read(STACK_RESOURCES, target=target)]


def dependents_outside(uid: str, target: str) -> list[dict]:
    """What depends on `uid` and does not belong to stack `target` (so would break if it went)."""
    return [dict(r) for r in _read(DEPENDENTS, uid=uid, target=target)]


DRIFT = """
MATCH (s:Infra:Stack {target: $target})
OPTIONAL MATCH (s)-[d:DESIRES]->(want:Infra)
WITH s, collect({node: want, rel: properties(d)}) AS desired
OPTIONAL MATCH (s)-[:CONTAINS]->(seen:Infra)
RETURN desired, collect(seen) AS observed
"""


def drift_rows(target: str) -> tuple[list[dict], list[dict]] | None:
    """(desired: [{node, rel}], observed: [node]) for a stack; None if the stack is unknown."""
    records = _read(DRIFT, target=target)
    if not records:
        return None
    desired = [{"node": dict(row["node"]), "labels": list(row["node"].labels), "rel": row["rel"]}
               for row in records[0]["desired"] if row["node"] is not None]
    observed = [{"node": dict(node), "labels": list(node.labels)} for node in records[0]["observed"]]
    return desired, observed


def _kind(labels: list[str]) -> str:
    return next((label for label in labels if label in KINDS), "")


def drift_report(target: str):
    """Drift of one stack. Only kinds someone observed for it are judged: a desired
    bucket with no observation of buckets at all is 'not verified', not 'missing'."""
    from shared.contracts.artifacts import DriftItem, DriftReport

    rows = drift_rows(target)
    report = DriftReport(stack=target)
    if rows is None:
        return None
    desired, observed = rows
    seen = {row["node"]["uid"]: row for row in observed}
    wanted = {row["node"]["uid"]: row for row in desired}
    seen_kinds = {_kind(row["labels"]) for row in observed}
    wanted_kinds = {_kind(row["labels"]) for row in desired}
    report.desired, report.observed = len(wanted), len(seen)
    for uid, row in sorted(wanted.items()):
        kind, name = _kind(row["labels"]), row["node"].get("name", uid)
        if uid not in seen:
            if kind in seen_kinds:
                report.items.append(DriftItem(uid=uid, kind=kind, name=name, status="missing",
                                              detail=f"desired by {row['rel'].get('by', 'the stack')}, not observed"))
            continue
        actual = seen[uid]["node"]
        changes = [f"{key[5:]}: desired {value!r}, observed {actual.get(key[5:])!r}"
                   for key, value in sorted(row["rel"].items())
                   if key.startswith("want_") and actual.get(key[5:]) != value]
        if changes:
            report.items.append(DriftItem(uid=uid, kind=kind, name=name, status="changed", detail="; ".join(changes)))
    for uid, row in sorted(seen.items()):
        kind = _kind(row["labels"])
        if uid not in wanted and kind in wanted_kinds:
            report.items.append(DriftItem(uid=uid, kind=kind, name=row["node"].get("name", uid), status="unmanaged",
                                          detail="observed, desired by no run or state of this stack"))
    return report
