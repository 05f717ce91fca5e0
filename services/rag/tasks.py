"""RAG service tasks: retrieval for the plan, then the graph record and the report."""

from __future__ import annotations

from shared.db.models import RunStatus
from shared.graph import get_driver
from shared.queues import Task
from shared.steps import StepContext, StepResult, pipeline_task

from services.rag.graph_recorder import record_run
from services.rag.report import compose_report
from services.rag.retriever import retrieve
from services.rag.worker import app


@pipeline_task(app, Task.rag_retrieve, starts=RunStatus.planning)
def retrieve_step(message, step: StepContext) -> StepResult:
    """Find the catalog modules, guardrails and runbooks that fit the intent."""
    context = retrieve(message.intent)
    step.log(f"query: {context.query}")
    return StepResult(
        message=message.model_copy(update={"context": context}),
        output=context,
        detail=f"{len(context.documents)} documents; modules {', '.join(context.modules) or '-'}",
    )


@pipeline_task(app, Task.rag_record_graph, starts=RunStatus.verifying)
def record_graph_step(message, step: StepContext) -> StepResult:
    """Write the run, its stack and what it touched into Neo4j."""
    record = record_run(get_driver(), message)
    return StepResult(
        message=message.model_copy(update={"graph": record}),
        output=record,
        detail=f"{record.nodes_written} nodes, {record.relationships_written} relationships written",
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
