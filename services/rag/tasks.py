"""RAG service tasks: retrieval for the plan, the graph record and the report; and,
outside a run, knowledge search/ingestion and graph import (called by name)."""

from __future__ import annotations

import logging

from shared.contracts import GraphImportRequest, GraphImportResult, KnowledgeAnswer, KnowledgeQuery
from shared.contracts.knowledge import KnowledgePassage
from shared.db.models import RunStatus
from shared.queues import Task
from shared.steps import StepContext, StepResult, pipeline_task

from services.rag.graph.imports import GraphImportError, import_graph
from services.rag.graph_recorder import record_run
from services.rag.knowledge.ingest import ingest_all
from services.rag.knowledge.lexicon import normalise
from services.rag.report import compose_report
from services.rag.retriever import retrieve, search
from services.rag.worker import app

log = logging.getLogger(__name__)


@pipeline_task(app, Task.rag_retrieve, starts=RunStatus.planning)
def retrieve_step(message, step: StepContext) -> StepResult:
    """Knowledge sources for the intent's modules, and graph facts (an existing VPC to reuse)."""
    context = retrieve(message.intent)
    step.log(f"query: {context.query} ({context.retriever})")
    for fact in context.graph_facts + ([context.graph_error] if context.graph_error else []):
        step.log(fact)
    reuse = f"; reuses VPC {context.network.vpc_id}" if context.network else ""
    return StepResult(
        message=message.model_copy(update={"context": context}),
        output=context,
        detail=f"{len(context.documents)} documents ({context.retriever}); modules "
               f"{', '.join(c.module for c in context.choices) or '-'} fixed by the intent, cited from "
               f"{len({s for c in context.choices for s in c.sources})} sources{reuse}",
    )


@pipeline_task(app, Task.rag_record_graph, starts=RunStatus.verifying)
def record_graph_step(message, step: StepContext) -> StepResult:
    """Write what the run proposed, and what was observed to exist, into Neo4j."""
    record = record_run(message)
    drift = f"; drift: {len(record.drift.items)} items" if record.drift and record.drift.items else ""
    return StepResult(
        message=message.model_copy(update={"graph": record}),
        output=record,
        detail=f"proposed {', '.join(record.proposed) or 'nothing'}; observed {', '.join(record.observed) or 'nothing'}; "
               f"{record.nodes_written} nodes, {record.relationships_written} relationships created{drift}",
    )


@pipeline_task(app, Task.rag_report)
def report_step(message, step: StepContext) -> StepResult:
    """Close the run with a report that claims only what was observed."""
    report, deployed = compose_report(message)
    return StepResult(
        message=message.model_copy(update={"report": report}),
        output=report,
        detail=report.text[:300],
        run_status=RunStatus.succeeded if deployed else RunStatus.not_applied,
    )


@app.task(name=Task.rag_search.value, acks_late=True, reject_on_worker_lost=True)
def search_task(payload: dict) -> dict:
    """GET /api/v1/knowledge/search: ranked passages with their sources."""
    query = KnowledgeQuery.model_validate(payload)
    passages, retriever = search(query.question, query.top_k, query.kinds or None)
    answer = KnowledgeAnswer(question=query.question, normalised=normalise(query.question), retriever=retriever,
                             passages=[KnowledgePassage(key=p.key, kind=p.kind, title=p.title, source=p.source,
                                                        score=p.score, text=p.text, metadata=p.metadata,
                                                        ranks=p.ranks) for p in passages])
    return answer.model_dump(mode="json")


@app.task(name=Task.rag_ingest.value, acks_late=True, reject_on_worker_lost=True)
def ingest_task(payload: dict | None = None) -> dict:
    """`mcpcloud knowledge ingest`: bring the index up to date (only changed documents are embedded)."""
    return ingest_all().__dict__


@app.task(name=Task.rag_graph_import.value, acks_late=True, reject_on_worker_lost=True)
def graph_import_task(payload: dict) -> dict:
    """`mcpcloud graph import` and POST /api/v1/graph/import: one transaction, or an error and nothing written."""
    request = GraphImportRequest.model_validate(payload)
    try:
        result = import_graph(request)
    except GraphImportError as exc:
        result = GraphImportResult(error=str(exc))
    return result.model_dump(mode="json")
