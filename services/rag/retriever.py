"""Retrieval over the knowledge base: the module catalog, guardrail docs and runbooks.

A first form with LlamaIndex's BM25 retriever (offline, no model download). The index is
built once per process from the folders in `MCP_KNOWLEDGE_DIRS`; the Neo4j vector index
and graph context are added by the RAG issue without changing this interface.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.retrievers.bm25 import BM25Retriever

from shared.contracts import ContextDocument, DeploymentIntent, RetrievedContext
from shared.settings import REPO_ROOT, get_settings

TOP_K = 6


def _documents(folders: list[Path]) -> list[Document]:
    documents: list[Document] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.name == "module.yaml":
                meta = yaml.safe_load(path.read_text()) or {}
                module = path.parent.name
                text = f"Terraform module {module}. {yaml.safe_dump(meta, sort_keys=False)}"
                documents.append(Document(text=text, metadata={"source": str(path), "title": module, "module": module}))
            elif path.suffix == ".md":
                text = path.read_text()
                title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#")), path.stem)
                documents.append(Document(text=text, metadata={"source": str(path), "title": title}))
    return documents


@lru_cache(maxsize=1)
def _retriever() -> tuple[BM25Retriever, int]:
    documents = _documents(get_settings().knowledge_dirs)
    if not documents:
        raise FileNotFoundError(f"no knowledge documents under {get_settings().knowledge_dirs}")
    nodes = SentenceSplitter(chunk_size=512, chunk_overlap=32).get_nodes_from_documents(documents)
    return BM25Retriever.from_defaults(nodes=nodes, similarity_top_k=min(TOP_K, len(nodes))), len(documents)


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


def retrieve(intent: DeploymentIntent) -> RetrievedContext:
    retriever, _ = _retriever()
    query = intent_query(intent)
    hits = retriever.retrieve(query)
    documents = [
        ContextDocument(
            source=_display_path(hit.node.metadata["source"]),
            title=hit.node.metadata.get("title", ""),
            score=round(float(hit.score or 0.0), 4),
            excerpt=hit.node.get_content()[:600],
        )
        for hit in hits
        if (hit.score or 0) > 0
    ]
    modules = sorted({hit.node.metadata["module"] for hit in hits if hit.node.metadata.get("module") and (hit.score or 0) > 0})
    return RetrievedContext(query=query, documents=documents, modules=modules, retriever="llama-index bm25")


def _display_path(source: str) -> str:
    path = Path(source)
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else path.name


def warm() -> None:
    """Build the index at worker start (in the parent, before the pool forks)."""
    _retriever()
