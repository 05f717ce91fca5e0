"""Retrieval over the real catalog, guardrail pack and runbooks: labelled questions in
Korean and English, through LlamaIndex (Neo4j vector store + BM25, fused) and over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from services.rag.knowledge.index import KnowledgeIndex
from services.rag.knowledge.lexicon import normalise
from services.rag.knowledge.sources import load_documents

from tests.rag.conftest import FIXTURES, TAG

QUESTIONS = yaml.safe_load((FIXTURES / "questions.yaml").read_text())


def test_the_labelled_set_covers_korean_and_english_and_every_kind():
    korean = [q for q in QUESTIONS if any("\uac00" <= c <= "\ud7a3" for c in q["q"])]
    assert len(QUESTIONS) >= 60 and len(korean) >= 20 and len(QUESTIONS) - len(korean) >= 30
    keys = {d.key for d in load_documents()}
    assert {q["key"] for q in QUESTIONS} <= keys  # every label names a real document


@pytest.mark.timeout(1800)  # the first test to use `knowledge` pays for embedding the whole corpus
def test_labelled_questions_find_their_document_first(knowledge):
    index, report = knowledge
    # the rag worker may have ingested at its start already: then every document is unchanged
    assert report.documents >= 38 and report.added + report.updated + report.unchanged == report.documents
    top1 = top3 = 0
    misses = []
    for item in QUESTIONS:
        keys = [p.key for p in index.search(item["q"], 5)]
        top1 += keys[:1] == [item["key"]]
        top3 += item["key"] in keys[:3]
        if keys[:1] != [item["key"]]:
            misses.append((item["q"], item["key"], keys[:3]))
    assert top1 / len(QUESTIONS) >= 0.95, misses
    assert top3 / len(QUESTIONS) >= 0.97, misses


@pytest.mark.timeout(1800)
def test_a_passage_carries_its_source_and_metadata(knowledge):
    index, _ = knowledge
    passage = index.search("왜 퍼블릭 S3가 막히나요?", 3)[0]
    assert passage.key == "GR-S3-PUBLIC" and passage.kind == "guardrail"
    assert passage.source == "services/policy/guardrails/GR-S3-PUBLIC.yaml"
    assert passage.metadata["guardrail_id"] == "GR-S3-PUBLIC"
    assert passage.text.startswith("Guardrail GR-S3-PUBLIC") and "Why:" in passage.text
    assert {"vector", "bm25"} <= set(passage.ranks)  # found by both retrievers, fused


def test_korean_is_searched_through_its_english_rendering():
    assert set(normalise("서울 리전에 프라이빗 포스트그레스").split()) == {
        "private", "postgres", "postgresql", "seoul", "ap-northeast-2", "region"}
    assert set(normalise("EKS 클러스터 만들기").split()) == {"cluster", "kubernetes", "EKS"}
    assert normalise("plain English stays") == "plain English stays"


def test_ingest_embeds_only_what_changed(stores, tmp_path):
    docs = tmp_path / "runbooks"
    docs.mkdir()
    (docs / "a.md").write_text("# Rotate database credentials\n\nUse the secrets manager rotation lambda.\n")
    (docs / "b.md").write_text("# Drain a node\n\nCordon the node, then drain it with a PDB-aware eviction.\n")
    index = KnowledgeIndex(f"KnowI{TAG}")
    try:
        first = index.ingest(load_documents([docs], guardrails=[]))
        assert (first.added, first.unchanged, first.chunks) == (2, 0, 2)
        again = index.ingest(load_documents([docs], guardrails=[]))
        assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 2, 0)
        (docs / "b.md").write_text("# Drain a node\n\nCordon it and drain it; never delete pods by hand.\n")
        (docs / "a.md").unlink()
        changed = index.ingest(load_documents([docs], guardrails=[]))
        assert (changed.updated, changed.removed, changed.unchanged, changed.chunks) == (1, 1, 0, 1)
        assert [p.key for p in index.search("how do I drain a node?", 3)] == ["b"]
    finally:
        index.drop()


@pytest.mark.timeout(1800)
def test_search_over_http_in_korean(api, workers, keys, knowledge):
    response = api.get("/api/v1/knowledge/search", params={"q": "루트로 실행되는 파드가 왜 차단되나요?"},
                       headers=keys.viewer)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["retriever"].startswith("llama-index hybrid")
    assert answer["passages"][0]["key"] == "GR-K8S-ROOT"
    assert answer["passages"][0]["source"].endswith("GR-K8S-ROOT.yaml")
    assert "root" in answer["normalised"]


def test_search_refuses_a_too_short_question(api, keys):
    response = api.get("/api/v1/knowledge/search", params={"q": "x"}, headers=keys.viewer)
    assert response.status_code == 422
