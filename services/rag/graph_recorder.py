"""Record a run and the infrastructure it touched in the Neo4j graph.

MERGE on stable keys, so recording the same run twice changes nothing. Plain Cypher
(no APOC), so any Neo4j 5 serves.
"""

from __future__ import annotations

from neo4j import Driver

from shared.contracts import GraphRecord, RunMessage

RECORD_RUN = """
MERGE (r:Run {id: $run_id})
  SET r.persona = $persona, r.requested_by = $requested_by, r.action = $action,
      r.verdict = $verdict, r.deployed = $deployed
MERGE (s:Stack {target: $target})
  SET s.cloud = $cloud, s.region = $region, s.environment = $environment, s.name = $stack
MERGE (r)-[:TARGETS]->(s)
WITH r, s
FOREACH (c IN $clusters |
  MERGE (k:Cluster {key: $target + '/' + c.name})
    SET k.name = c.name, k.platform = $platform, k.kubernetes_version = c.version
  MERGE (s)-[:CONTAINS]->(k))
FOREACH (w IN $workloads |
  MERGE (n:Namespace {key: $target + '/' + w.namespace}) SET n.name = w.namespace
  MERGE (d:Workload {key: $target + '/' + w.namespace + '/' + w.name})
    SET d.name = w.name, d.image = w.image, d.replicas = w.replicas
  MERGE (n)-[:RUNS]->(d)
  MERGE (s)-[:CONTAINS]->(n)
  MERGE (r)-[:DEPLOYS]->(d))
FOREACH (b IN $buckets |
  MERGE (x:Bucket {key: $target + '/' + b.name}) SET x.name = b.name, x.versioning = b.versioning
  MERGE (s)-[:CONTAINS]->(x))
FOREACH (m IN $modules | MERGE (mod:Module {name: m}) MERGE (r)-[:USES]->(mod))
FOREACH (c IN $changes |
  MERGE (repo:Repository {name: c.repository})
  MERGE (pr:Change {key: c.repository + '#' + c.branch})
    SET pr.provider = c.provider, pr.commit = c.commit_sha, pr.url = c.url, pr.number = c.number
  MERGE (repo)-[:HAS_CHANGE]->(pr)
  MERGE (r)-[:PROPOSED]->(pr))
RETURN r.id AS id
"""


def record_run(driver: Driver, message: RunMessage) -> GraphRecord:
    intent = message.intent
    parameters = {
        "run_id": str(message.run_id),
        "persona": message.persona.value,
        "requested_by": message.requested_by,
        "action": intent.action.value,
        "verdict": message.verdict.status if message.verdict else None,
        "deployed": bool(message.deploy and message.deploy.applied),
        "target": intent.target,
        "cloud": intent.cloud,
        "region": intent.region,
        "environment": intent.environment,
        "stack": intent.stack,
        "platform": intent.platform,
        "clusters": [{"name": intent.cluster.name, "version": intent.cluster.kubernetes_version}] if intent.cluster else [],
        "workloads": (
            [{"name": intent.app.name, "namespace": intent.app.namespace, "image": f"{intent.app.image}:{intent.app.tag}",
              "replicas": intent.app.replicas}]
            if intent.app else []
        ),
        "buckets": [{"name": b.name, "versioning": b.versioning} for b in intent.buckets],
        "modules": message.bundle.modules if message.bundle else [],
        "changes": [message.change.model_dump(mode="json")] if message.change else [],
    }
    summary = driver.execute_query(RECORD_RUN, parameters).summary
    counters = summary.counters
    return GraphRecord(nodes_written=counters.nodes_created, relationships_written=counters.relationships_created)
