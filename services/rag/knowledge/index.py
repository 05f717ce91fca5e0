"""The knowledge index: LlamaIndex nodes in Neo4j's vector index, fused with BM25.

Ingestion splits each document into nodes (LlamaIndex `SentenceSplitter`), embeds them
and stores them through LlamaIndex's `Neo4jVectorStore` (label `<ns>Chunk`, vector index
`<ns>_chunks`). A `<ns>Document` node per document keeps the sha256 of its text and the
embedding model: a document whose hash and model are unchanged is not re-embedded; a
changed one has its chunks replaced; a vanished one is removed.

Search asks three retrievers and fuses their rankings with reciprocal rank fusion
(score = sum 1/(60 + rank)): the vector index with the English-normalised question,
BM25 with the normalised question and, for a Korean question, BM25 with the question as
written (so Korean runbooks are found by their own words; an English question whose
normalisation only expanded a word is not counted twice by BM25). LlamaIndex's
`QueryFusionRetriever` sends one query to every retriever, hence the fusion here. A search makes one Neo4j round trip: the
vector query, which also reads the index generation; BM25 runs on this process's copy of
the chunks, rebuilt only when an ingest (here or in another process) moved the generation. Results are passages, the best one per
answer (module, guardrail or runbook), with their sources.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import neo4j
from llama_index.core.vector_stores.types import VectorStoreQuery
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import Document, NodeWithScore, TextNode
from llama_index.retrievers.bm25 import BM25Retriever
from llama_index.vector_stores.neo4jvector import Neo4jVectorStore

from shared.graph import get_driver
from shared.settings import get_settings

from services.rag.embedding import get_embedding
from services.rag.knowledge.lexicon import has_korean, normalise
from services.rag.knowledge.sources import KnowledgeDocument

log = logging.getLogger(__name__)
logging.getLogger("neo4j.notifications").setLevel(logging.ERROR)  # "label does not exist" on a first ingest
RRF_K = 60
CANDIDATES = 20
CHUNK_TOKENS = 200


_VECTOR_QUERY = "CALL db.index.vector.queryNodes"


class _Neo4jStore(Neo4jVectorStore):
    """LlamaIndex's Neo4j vector store; its vector query runs as one auto-commit read.

    The store sends every statement through `execute_query`, a managed transaction: BEGIN,
    RUN and PULL, then a second round trip for COMMIT. A search is a read that needs no
    commit, so it goes out as RUN+PULL in one round trip; writes and schema statements keep
    the store's own path (managed and retried)."""

    def database_query(self, query: str, params: dict[str, Any] | None = None) -> Any:
        if not query.startswith(_VECTOR_QUERY):
            return super().database_query(query, params)
        with self._driver.session(database=self._database, default_access_mode=neo4j.READ_ACCESS) as session:
            return [record.data() for record in session.run(neo4j.Query(text=query), params or {})]


@dataclass
class IngestReport:
    documents: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    chunks: int = 0
    seconds: float = 0.0
    model: str = ""


@dataclass
class Passage:
    doc_id: str
    key: str
    kind: str
    title: str
    source: str
    score: float
    text: str
    metadata: dict = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)


class KnowledgeIndex:
    def __init__(self, namespace: str | None = None, embedding=None) -> None:
        settings = get_settings()
        self.namespace = namespace or settings.rag_knowledge_namespace
        if not self.namespace.isidentifier():
            raise ValueError(f"knowledge namespace {self.namespace!r} must be an identifier")
        self.embedding = embedding or get_embedding()
        dimensions = getattr(self.embedding, "dimensions", 0) or len(self.embedding.get_query_embedding("probe"))
        self.store = _Neo4jStore(
            username=settings.neo4j_user, password=settings.neo4j_password.get_secret_value(), url=settings.neo4j_uri,
            embedding_dimension=dimensions, index_name=f"{self.namespace.lower()}_chunks",
            node_label=f"{self.namespace}Chunk", distance_strategy="cosine",
            # Ids and scores only: texts and metadata come from the chunk cache BM25 holds anyway,
            # so a query does not ship every hit's serialised node back from Neo4j. The `text`
            # column carries the index generation instead, read in the same statement: one round
            # trip tells the hits and whether this process's BM25 cache is still current.
            retrieval_query=(f"OPTIONAL MATCH (m:`{self.namespace}Meta` {{name: 'index'}}) "
                             "RETURN toString(coalesce(m.generation, 0)) AS text, score, node.id AS id, {} AS metadata"),
        )
        self.splitter = SentenceSplitter(chunk_size=CHUNK_TOKENS, chunk_overlap=20)
        self._bm25: BM25Retriever | None = None
        self._chunks: dict[str, TextNode] = {}
        self._generation = -1
        self._lock = threading.Lock()

    # --- ingestion -------------------------------------------------------------------

    def _stored_hashes(self) -> dict[str, tuple[str, str]]:
        records = get_driver().execute_query(
            f"MATCH (d:`{self.namespace}Document`) RETURN d.doc_id AS id, d.sha256 AS sha, d.model AS model").records
        return {r["id"]: (r["sha"], r["model"]) for r in records}

    def ingest(self, documents: list[KnowledgeDocument]) -> IngestReport:
        """Embed and store what changed; remove documents that are gone."""
        started = time.perf_counter()
        model = self.embedding.model_name
        report = IngestReport(documents=len(documents), model=model)
        stored = self._stored_hashes()
        changed = [d for d in documents if stored.get(d.doc_id) != (d.sha256, model)]
        report.unchanged = len(documents) - len(changed)
        gone = sorted(set(stored) - {d.doc_id for d in documents})
        for doc_id in [d.doc_id for d in changed if d.doc_id in stored] + gone:
            self.store.delete(doc_id)
        nodes: list[TextNode] = []
        for document in changed:
            source = Document(text=document.text, metadata=document.metadata, id_=document.doc_id,
                              excluded_embed_metadata_keys=["source", "language", "key", "kind"])
            for position, node in enumerate(self.splitter.get_nodes_from_documents([source])):
                node.id_ = f"{document.doc_id}#{position}"
                nodes.append(node)
        if nodes:
            embeddings = self.embedding.get_text_embedding_batch(
                [n.get_content(metadata_mode="embed") for n in nodes])
            for node, embedding in zip(nodes, embeddings, strict=True):
                node.embedding = embedding
            for start in range(0, len(nodes), 500):
                self.store.add(nodes[start:start + 500])
        driver = get_driver()
        if changed:
            driver.execute_query(
                f"UNWIND $rows AS row MERGE (d:`{self.namespace}Document` {{doc_id: row.doc_id}}) "
                "SET d.sha256 = row.sha256, d.model = $model, d.key = row.key, d.kind = row.kind, d.source = row.source",
                {"rows": [{"doc_id": d.doc_id, "sha256": d.sha256, "key": d.key, "kind": d.kind, "source": d.source}
                          for d in changed], "model": model})
        if gone:
            driver.execute_query(f"MATCH (d:`{self.namespace}Document`) WHERE d.doc_id IN $ids DETACH DELETE d",
                                 {"ids": gone})
        report.added = sum(1 for d in changed if d.doc_id not in stored)
        report.updated = len(changed) - report.added
        report.removed = len(gone)
        report.chunks = len(nodes)
        report.seconds = round(time.perf_counter() - started, 3)
        if changed or gone:
            driver.execute_query(f"MERGE (m:`{self.namespace}Meta` {{name: 'index'}}) "
                                 "SET m.generation = coalesce(m.generation, 0) + 1")
            with self._lock:
                self._bm25 = None
        return report

    def generation(self) -> int:
        """Bumped by every ingest that changed something: other processes rebuild their BM25 then."""
        records = get_driver().execute_query(
            f"MATCH (m:`{self.namespace}Meta` {{name: 'index'}}) RETURN m.generation AS g").records
        return records[0]["g"] if records else 0

    def drop(self) -> None:
        """Remove this namespace's chunks, documents and vector index (tests, benches)."""
        driver = get_driver()
        with driver.session() as session:  # IN TRANSACTIONS needs an implicit (auto-commit) transaction
            session.run(f"MATCH (n:`{self.namespace}Chunk`) CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS").consume()
        driver.execute_query(f"MATCH (n:`{self.namespace}Document`) DETACH DELETE n")
        driver.execute_query(f"MATCH (n:`{self.namespace}Meta`) DETACH DELETE n")
        driver.execute_query(f"DROP INDEX `{self.namespace.lower()}_chunks` IF EXISTS")
        self.store.client.close()

    # --- search ------------------------------------------------------------------------

    def _bm25_retriever(self, generation: int | None = None) -> BM25Retriever | None:
        """BM25 over this process's copy of the chunks, rebuilt when the index generation moved."""
        generation = self.generation() if generation is None else generation
        with self._lock:
            if self._bm25 is None or generation != self._generation:
                self._generation = generation
                records = get_driver().execute_query(
                    f"MATCH (c:`{self.namespace}Chunk`) RETURN c.id AS id, c.text AS text, "
                    "c {.doc_id, .key, .kind, .title, .source, .language, .cloud, .module, .guardrail_id} AS meta "
                    "ORDER BY c.id").records
                if not records:
                    self._bm25 = None
                    return None
                nodes = [TextNode(id_=r["id"], text=r["text"], metadata={k: v for k, v in r["meta"].items() if v})
                         for r in records]
                for node in nodes:
                    node.metadata["doc_id"] = node.id_.rsplit("#", 1)[0]
                self._chunks = {node.id_: node for node in nodes}
                self._bm25 = BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(CANDIDATES, len(nodes)))
            return self._bm25

    def _vector_query(self, text: str) -> tuple[list[tuple[str, float]], int | None]:
        """(chunk id, similarity) best first, and the index generation (None when nothing matched)."""
        query = VectorStoreQuery(query_embedding=self.embedding.get_query_embedding(text), similarity_top_k=CANDIDATES)
        result = self.store.query(query)
        generation = int(result.nodes[0].get_content()) if result.nodes else None
        hits = sorted(zip(result.ids or [], result.similarities or [], strict=True), key=lambda hit: -hit[1])
        return hits, generation

    def search(self, question: str, top_k: int = 5, kinds: list[str] | None = None,
               cloud: str | None = None) -> list[Passage]:
        english = normalise(question)
        rankings: dict[str, list[NodeWithScore]] = {}
        vector_hits, generation = self._vector_query(english)
        bm25 = self._bm25_retriever(generation)
        if bm25 is None:
            return []
        rankings["vector"] = [NodeWithScore(node=self._chunks[i], score=score) for i, score in vector_hits
                              if i in self._chunks]
        rankings["bm25"] = bm25.retrieve(english)
        if has_korean(question):  # Korean runbooks by their own words; an English question is asked once
            rankings["bm25_original"] = bm25.retrieve(question)
        fused: dict[str, float] = {}
        best: dict[str, NodeWithScore] = {}
        ranks: dict[str, dict[str, int]] = {}
        for name, hits in rankings.items():
            for rank, hit in enumerate(h for h in hits if (h.score or 0) > 0):
                node_id = hit.node.node_id
                fused[node_id] = fused.get(node_id, 0.0) + 1.0 / (RRF_K + rank + 1)
                best.setdefault(node_id, hit)
                ranks.setdefault(node_id, {})[name] = rank + 1
        passages: list[Passage] = []
        seen: set[str] = set()
        for node_id in sorted(fused, key=lambda i: (-fused[i], i)):
            meta = best[node_id].node.metadata
            doc_id = meta.get("doc_id") or best[node_id].node.ref_doc_id or node_id.rsplit("#", 1)[0]
            answer = meta.get("key") or doc_id  # a module's description and its variables: one answer
            if answer in seen or (kinds and meta.get("kind") not in kinds) or (
                    cloud and meta.get("cloud") not in (cloud, None, "")):
                continue
            seen.add(answer)
            passages.append(Passage(
                doc_id=doc_id, key=meta.get("key", ""), kind=meta.get("kind", ""), title=meta.get("title", ""),
                source=meta.get("source", ""), score=round(fused[node_id], 5),
                text=best[node_id].node.get_content()[:1200],
                metadata={k: meta[k] for k in ("cloud", "module", "guardrail_id", "language") if meta.get(k)},
                ranks=ranks[node_id]))
            if len(passages) >= top_k:
                break
        return passages


_INDEX: KnowledgeIndex | None = None
_INDEX_LOCK = threading.Lock()


def get_index() -> KnowledgeIndex:
    """This process's index (made lazily: a forked worker child makes its own connections)."""
    global _INDEX
    with _INDEX_LOCK:
        if _INDEX is None:
            from services.rag.embedding import embedding_config

            _INDEX = KnowledgeIndex(embedding=get_embedding(embedding_config()))
        return _INDEX


def forget_index() -> None:
    global _INDEX
    with _INDEX_LOCK:
        _INDEX = None
