"""`rag.retrieve`: the knowledge and graph facts a run's generation and report rest on.

What retrieval decides, and what it does not:
- Catalog modules: the intent fixes them (the catalog has one module per cloud and
  need: network, cluster, bucket), so retrieval does not choose among alternatives. It
  finds, per module the intent needs, the knowledge documents that describe it (module
  docs, guardrails, runbooks): the report cites them as the sources of the change.
- The network: when the graph holds an observed VPC with private subnets for the run's
  account/region/environment, the generator reuses it instead of creating a second one
  (`RetrievedContext.network`). That changes the generated Terraform.

Search runs on the hybrid index (Neo4j vectors + BM25, `knowledge/index.py`) once it is
ingested; until then on BM25 over the same documents read from disk, and the context
names which one answered.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document
from llama_index.retrievers.bm25 import BM25Retriever
from neo4j import exceptions as neo4j_errors

from shared import graph
from shared.contracts import ContextDocument, DeploymentIntent, ModuleChoice, NetworkFact, RetrievedContext
from shared.settings import get_settings

from services.rag.knowledge.index import Passage, get_index
from services.rag.knowledge.sources import load_documents

log = logging.getLogger(__name__)
TOP_K = 6
# The catalog's module per cloud and need (what the generator builds from).
NEEDS = {
    ("aws", "network"): "aws-vpc", ("aws", "cluster"): "aws-eks", ("aws", "bucket"): "aws-s3-bucket",
    ("gcp", "cluster"): "gcp-gke", ("gcp", "bucket"): "gcp-gcs-bucket",
    ("azure", "cluster"): "azure-aks", ("azure", "bucket"): "azure-storage-account",
}


def intent_query(intent: DeploymentIntent) -> str:
    """The words of an intent that should find its modules, guardrails and runbooks."""
    words = [intent.cloud, intent.platform or "", intent.region, intent.action.value.replace("_", " ")]
    if intent.cluster or intent.platform:
        words += ["kubernetes cluster", intent.platform or "", "node group"]
    if intent.app:
        words += ["deployment", intent.app.name, intent.app.image, "pod security non-root"]
        if intent.app.run_as_root or intent.app.privileged:
            words += ["root privileged pod"]
    for bucket in intent.buckets:
        words += ["s3 bucket" if intent.cloud == "aws" else "storage bucket", bucket.purpose, "versioning encryption"]
        if bucket.public_read:
            words += ["public read access"]
    if intent.gitops != "none":
        words += [intent.gitops, "gitops application"]
    return " ".join(word for word in words if word)


@lru_cache(maxsize=1)
def _fallback() -> BM25Retriever:
    documents = [Document(text=d.text, metadata=d.metadata, id_=d.doc_id) for d in load_documents()]
    if not documents:
        raise FileNotFoundError(f"no knowledge documents under {get_settings().knowledge_dirs}")
    nodes = SentenceSplitter(chunk_size=200, chunk_overlap=20).get_nodes_from_documents(documents)
    return BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(20, len(nodes)))


def search(question: str, top_k: int = TOP_K, kinds: list[str] | None = None,
           cloud: str | None = None) -> tuple[list[Passage], str]:
    """Passages and the name of the retriever that found them."""
    try:
        index = get_index()
        if index.generation() > 0:
            return index.search(question, top_k, kinds, cloud), "llama-index hybrid: neo4j vector + bm25 (rrf)"
        why = "knowledge index not ingested yet"
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, ValueError, OSError) as exc:
        why = f"knowledge index unavailable ({type(exc).__name__})"
        log.warning("hybrid search unavailable: %s", exc)
    passages: list[Passage] = []
    seen: set[str] = set()
    for hit in _fallback().retrieve(question):
        meta = hit.node.metadata
        if (hit.score or 0) <= 0 or meta["key"] in seen or (kinds and meta["kind"] not in kinds) or (
                cloud and meta.get("cloud") not in (cloud, None, "")):
            continue
        seen.add(meta["key"])
        passages.append(Passage(doc_id=hit.node.ref_doc_id or "", key=meta["key"], kind=meta["kind"],
                                title=meta["title"], source=meta["source"], score=round(float(hit.score), 4),
                                text=hit.node.get_content()[:1200]))
        if len(passages) >= top_k:
            break
    return passages, f"llama-index bm25 only ({why})"


def _needs(intent: DeploymentIntent) -> list[tuple[str, str]]:
    needs = []
    if intent.cluster:
        if intent.cloud == "aws":
            needs.append(("network", "VPC with private subnets for the cluster nodes"))
        needs.append(("cluster", f"{intent.platform} Kubernetes cluster {intent.cluster.name}"))
    if intent.buckets:
        needs.append(("bucket", "object storage bucket " + ", ".join(b.name for b in intent.buckets)))
    return needs


def network_fact(intent: DeploymentIntent) -> tuple[NetworkFact | None, list[str], str]:
    """An observed VPC to reuse, the sentences that say what the graph answered, or its error."""
    if not (intent.cluster and intent.cloud == "aws"):
        return None, [], ""
    account = get_settings().rag_cloud_account
    try:
        rows = graph.existing_network("aws", intent.region, intent.environment, account)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
        return None, [], f"graph not read ({type(exc).__name__}: {exc}); a new VPC is generated"
    where = f"account {account or '(unset)'} {intent.region}/{intent.environment}"
    usable = [row for row in rows if len(row["private_subnets"]) >= 2]
    if not usable:
        note = f"graph: no observed VPC with two private subnets in {where}; a new VPC is generated"
        return None, [note], ""
    if len(usable) > 1:
        names = ", ".join(row["vpc_id"] for row in usable)
        return None, [f"graph: more than one observed VPC in {where} ({names}); none reused, a new VPC is generated"], ""
    row = usable[0]
    fact = NetworkFact(uid=row["uid"], vpc_id=row["vpc_id"], name=row["name"] or "", account=row["account"] or "",
                       region=intent.region, environment=intent.environment, stack=row["stack"] or "",
                       private_subnet_ids=row["private_subnets"], observed_by=row["observed_by"] or "")
    return fact, [f"graph: observed VPC {fact.vpc_id} ({fact.name}, stack {fact.stack or '-'}) with private subnets "
                  f"{', '.join(fact.private_subnet_ids)} in {where}, from {fact.observed_by or 'the graph'}: reused"], ""


def retrieve(intent: DeploymentIntent) -> RetrievedContext:
    query = intent_query(intent)
    passages, retriever = search(query, TOP_K)
    choices: list[ModuleChoice] = []
    network, facts, graph_error = network_fact(intent)
    for need, words in _needs(intent):
        module = NEEDS.get((intent.cloud, need))
        if module is None:
            continue
        if need == "network" and network is not None:
            continue  # reused, not generated
        found, _ = search(f"{module} {words}", 3, cloud=intent.cloud)
        sources = [p.source for p in found if p.key == module] or [p.source for p in found[:1]]
        choices.append(ModuleChoice(module=module, reason=f"{need} for {intent.cloud}: the catalog's one module",
                                    sources=sources))
    documents = [ContextDocument(source=p.source, title=p.title, score=p.score, excerpt=p.text[:600], kind=p.kind,
                                 key=p.key) for p in passages]
    modules = sorted({p.key for p in passages if p.kind == "module"})
    return RetrievedContext(query=query, documents=documents, modules=modules, retriever=retriever, choices=choices,
                            network=network, graph_facts=facts, graph_error=graph_error)


def warm() -> None:
    """Build the on-disk BM25 fallback at worker start (before the pool forks: no connections)."""
    _fallback()
