"""`mcpcloud knowledge ...` and `mcpcloud graph ...`: sent to the rag worker by task name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from celery.exceptions import TimeoutError as CeleryTimeout

from shared import graph as graph_store
from shared.contracts import GraphImportRequest, GraphImportResult, KnowledgeAnswer, KnowledgeQuery
from shared.queues import Task

from services.gateway.celery_client import get_celery

knowledge_app = typer.Typer(help="The knowledge index (catalog, guardrails, runbooks)", no_args_is_help=True)
graph_app = typer.Typer(help="The infrastructure graph in Neo4j", no_args_is_help=True)


def _call(task: Task, payload: dict, timeout: float) -> dict:
    result = get_celery().send_task(task.value, args=(payload,), queue=task.queue.value)
    try:
        return result.get(timeout=timeout)
    except CeleryTimeout:
        typer.echo(f"the rag worker did not answer within {timeout:.0f}s (is it running? `make run` starts it)", err=True)
        raise typer.Exit(3) from None
    finally:
        result.forget()


@knowledge_app.command("ingest")
def ingest(timeout: Annotated[float, typer.Option(help="seconds")] = 1800) -> None:
    """Embed what changed (content hash) into Neo4j; unchanged documents are skipped."""
    report = _call(Task.rag_ingest, {}, timeout)
    typer.echo(json.dumps(report, indent=2))


@knowledge_app.command("search")
def search(question: str, top_k: Annotated[int, typer.Option()] = 5) -> None:
    """Ranked passages with sources, Korean or English."""
    answer = KnowledgeAnswer.model_validate(_call(Task.rag_search, KnowledgeQuery(question=question, top_k=top_k)
                                                  .model_dump(mode="json"), 60))
    typer.echo(f"({answer.retriever}; searched as: {answer.normalised})")
    for rank, passage in enumerate(answer.passages, 1):
        typer.echo(f"{rank}. {passage.key} [{passage.kind}] {passage.source}  score {passage.score}")
        typer.echo("   " + passage.text[:200].replace("\n", " "))


@graph_app.command("import")
def import_file(
    file: Path,
    stack: Annotated[str, typer.Option(help="stack target cloud/region/env/name")] = "",
    account: Annotated[str, typer.Option()] = "", region: Annotated[str, typer.Option()] = "",
    cluster: Annotated[str, typer.Option(help="cluster a kubectl list was read from")] = "",
    role: Annotated[str, typer.Option(help="observed or desired")] = "observed",
) -> None:
    """Import Terraform state / show -json, a kubectl list or run records (idempotent, one transaction)."""
    if not file.is_file():
        typer.echo(f"{file}: no such file", err=True)
        raise typer.Exit(2)
    try:
        request = GraphImportRequest(content=file.read_text(), filename=file.name, stack=stack, account=account,
                                     region=region, cluster=cluster, role=role)
    except (ValueError, UnicodeDecodeError) as exc:
        typer.echo(f"{file}: {exc}", err=True)
        raise typer.Exit(2) from None
    result = GraphImportResult.model_validate(_call(Task.rag_graph_import, request.model_dump(mode="json"), 300))
    if result.error:
        typer.echo(result.error, err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(result.model_dump(), indent=2))


@graph_app.command("neighbours")
def neighbours(uid: str) -> None:
    """A node and everything one relationship away."""
    found = graph_store.neighbours(uid)
    if found is None:
        typer.echo(f"no node {uid!r}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(found, indent=2, default=str))


@graph_app.command("drift")
def drift(stack: str) -> None:
    """Drift of one stack (desired against observed)."""
    report = graph_store.drift_report(stack)
    if report is None:
        typer.echo(f"no stack {stack!r}", err=True)
        raise typer.Exit(1)
    typer.echo(report.model_dump_json(indent=2))
