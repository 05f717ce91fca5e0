"""Fixtures for the knowledge index and the graph: real Neo4j, real LlamaIndex, the real
model. Everything this session writes is scoped to it and removed at the end: the
knowledge index lives under its own label namespace, graph data under its own cloud
account ids and stack names (Neo4j is shared with other test sessions)."""

from __future__ import annotations

import json
import os
import secrets
import uuid
from pathlib import Path

import pytest

# pytest loads this file as a conftest and the tests import it as tests.rag.conftest: both
# must see the same session values, so the first import puts them in the environment.
TAG = os.environ.setdefault("RAG_TEST_SESSION_TAG", "r" + secrets.token_hex(3))  # in stack names, namespaces
ACCOUNT = "9" + str(int(TAG[1:], 16) % 10**9).zfill(9) + "00"  # the account this session's runs deploy to
NAMESPACE = f"KnowT{TAG}"
FIXTURES = Path(__file__).with_name("fixtures")
# Before any worker starts (they inherit the environment) and before settings are read.
os.environ["MCP_RAG_KNOWLEDGE_NAMESPACE"] = NAMESPACE
os.environ["MCP_RAG_CLOUD_ACCOUNT"] = ACCOUNT
os.environ["MCP_RAG_INGEST_ON_START"] = "false"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def account(n: int) -> str:
    """Another account of this session (its data never meets the runs' account)."""
    return ACCOUNT[:-2] + f"{(int(ACCOUNT[-2:]) + n) % 100:02d}"


def fixture_text(name: str, **replace: str) -> str:
    text = (FIXTURES / name).read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    return text


def stack_target(name: str, region: str = "ap-northeast-2", environment: str = "dev") -> str:
    return f"aws/{region}/{environment}/{name}"


def unique_stack(label: str) -> str:
    return f"{label}-{TAG}-{uuid.uuid4().hex[:4]}"


def _cleanup() -> None:
    from shared.graph import get_driver

    driver = get_driver()
    driver.execute_query(
        "MATCH (r:Infra:Run)-[:TARGETS]->(s:Stack) WHERE s.target CONTAINS $tag "
        "OPTIONAL MATCH (r)-[:PROPOSES|OPENED|HAS_FINDING|TRIGGERED]->(x) DETACH DELETE x, r", tag=TAG)
    driver.execute_query(
        "MATCH (n) WHERE (n:Infra OR n:Proposal) AND (n.uid CONTAINS $tag OR n.uid CONTAINS $acct "
        "OR n.account STARTS WITH $prefix OR coalesce(n.target, '') CONTAINS $tag OR coalesce(n.stack, '') CONTAINS $tag) "
        "DETACH DELETE n", tag=TAG, acct=ACCOUNT[:-2], prefix=ACCOUNT[:-2])


@pytest.fixture(scope="session", autouse=True)
def _drop_session_namespace():
    """The rag worker creates this session's (empty) vector index on its first search: drop it at the end."""
    yield
    from shared.graph import get_driver

    driver = get_driver()
    driver.execute_query(f"MATCH (n) WHERE n:`{NAMESPACE}Chunk` OR n:`{NAMESPACE}Document` OR n:`{NAMESPACE}Meta` "
                         "DETACH DELETE n")
    driver.execute_query(f"DROP INDEX `{NAMESPACE.lower()}_chunks` IF EXISTS")


@pytest.fixture(scope="session")
def graph_session(stores):
    """The graph, cleaned of this session's data before and after."""
    from shared.graph import ensure_schema

    ensure_schema()
    _cleanup()
    yield
    _cleanup()


@pytest.fixture(scope="session")
def knowledge(stores):
    """The repository's knowledge ingested into this session's namespace (real model, real Neo4j)."""
    from services.rag.knowledge.index import KnowledgeIndex
    from services.rag.knowledge.sources import load_documents

    index = KnowledgeIndex(NAMESPACE)
    report = index.ingest(load_documents())
    yield index, report
    index.drop()


def import_file(api, headers: dict, name: str, text: str, **form: str):
    return api.post("/api/v1/graph/import", headers=headers, files={"file": (name, text.encode(), "application/json")},
                    data=form)


def state_json(text: str) -> dict:
    return json.loads(text)
