"""search_knowledge over MCP: the rag worker's index (real model, real Neo4j), in a namespace of this session."""

from __future__ import annotations

import os
import secrets

import pytest

from tests.mcp.conftest import bearer, mcp_client

pytestmark = pytest.mark.anyio
# Before any worker starts (they inherit the environment): a namespace of this session, unless the
# rag tests' conftest chose one already, and no ingest at worker start (the fixture ingests).
_OWN_NAMESPACE = f"KnowM{secrets.token_hex(3)}"
os.environ.setdefault("MCP_RAG_KNOWLEDGE_NAMESPACE", _OWN_NAMESPACE)
os.environ["MCP_RAG_INGEST_ON_START"] = "false"


@pytest.fixture(scope="module")
def knowledge_index(stores):
    """The knowledge in the namespace the workers use (read when they start): in our own namespace the
    guardrail pack only (embedding is CPU-bound), in the rag tests' one all of it, as their fixture does."""
    from services.rag.knowledge.index import KnowledgeIndex
    from services.rag.knowledge.sources import load_documents

    namespace = os.environ["MCP_RAG_KNOWLEDGE_NAMESPACE"]
    index = KnowledgeIndex(namespace)
    index.ingest(load_documents([]) if namespace == _OWN_NAMESPACE else load_documents())
    yield index
    if namespace == _OWN_NAMESPACE:
        index.drop()


@pytest.mark.timeout(900)
async def test_a_viewer_searches_the_guardrails_in_korean_and_gets_sources(gateway, keys, workers, knowledge_index):
    async with mcp_client(gateway.mcp_url, bearer(keys.viewer)) as client:
        result = await client.call_tool("search_knowledge", {"question": "왜 퍼블릭 S3가 막히나요?", "top_k": 3})
    assert not result.is_error, result.content
    answer = result.structured_content
    top = answer["passages"][0]
    assert top["key"] == "GR-S3-PUBLIC" and top["source"] == "services/policy/guardrails/GR-S3-PUBLIC.yaml"
    assert len(answer["passages"]) <= 3 and all(len(p["text"]) <= 600 for p in answer["passages"])
