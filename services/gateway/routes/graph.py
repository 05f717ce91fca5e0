"""The infrastructure graph over HTTP: import files, look at a node's neighbours, see drift.

Imports are parsed and written by the rag worker (`rag.graph_import`, by name); reads
go through the shared graph library (`shared/graph.py`, Cypher kept there), which is
a store client like the database session, not service code.
"""

from __future__ import annotations

from typing import Annotated

from celery.exceptions import TimeoutError as CeleryTimeout
from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from neo4j import exceptions as neo4j_errors

from shared import graph
from shared.contracts import DriftReport, GraphImportRequest, GraphImportResult
from shared.queues import Task
from shared.settings import get_settings

from services.gateway.deps import CeleryApp, Requester, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1/graph", tags=["graph"], responses=declare(*COMMON, 404))
IMPORT_TIMEOUT_SECONDS = 120


def _unavailable(exc: Exception) -> HTTPException:
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the graph (Neo4j) did not answer: {type(exc).__name__}")


@router.post("/import", response_model=GraphImportResult)
def import_file(
    celery: CeleryApp, principal: Requester,
    file: Annotated[UploadFile, File(description="terraform state / show -json, kubectl get -o json, run records")],
    stack: Annotated[str, Form()] = "", account: Annotated[str, Form()] = "", region: Annotated[str, Form()] = "",
    cluster: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "observed",
    format: Annotated[str, Form()] = "auto",
) -> GraphImportResult:
    """Import one file in one transaction: all of it, or (with a 422 naming the problem) nothing."""
    limit = get_settings().rag_graph_import_max_bytes
    raw = file.file.read(limit + 1)
    if len(raw) > limit:
        raise HTTPException(413, f"file larger than {limit} bytes (MCP_RAG_GRAPH_IMPORT_MAX_BYTES)")
    try:
        text = raw.decode("utf-8")
        request = GraphImportRequest(content=text, filename=file.filename or "", stack=stack, account=account,
                                     region=region, cluster=cluster, role=role, format=format)
    except UnicodeDecodeError as exc:
        raise HTTPException(422, f"{file.filename}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except ValueError as exc:
        raise HTTPException(422, f"invalid import: {exc}") from exc
    result = celery.send_task(Task.rag_graph_import.value, args=(request.model_dump(mode="json"),),
                              queue=Task.rag_graph_import.queue.value)
    try:
        answer = GraphImportResult.model_validate(result.get(timeout=IMPORT_TIMEOUT_SECONDS))
    except CeleryTimeout as exc:
        raise HTTPException(503, f"the rag service did not answer within {IMPORT_TIMEOUT_SECONDS}s") from exc
    finally:
        result.forget()
    if answer.error:
        raise HTTPException(422, answer.error)
    return answer


@router.get("/neighbours")
def neighbours(principal: Viewer, id: Annotated[str, Query(min_length=1, max_length=500)],
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> dict:
    """A node (by uid) and every node one relationship away."""
    try:
        found = graph.neighbours(id, limit)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
        raise _unavailable(exc) from exc
    if found is None:
        raise HTTPException(404, f"no graph node with uid {id!r}")
    return found


@router.get("/drift", response_model=DriftReport)
def drift(principal: Viewer, stack: Annotated[str, Query(min_length=3, max_length=200,
                                                        description="stack target cloud/region/env/name")]) -> DriftReport:
    """Desired (applied runs, imported state) against observed (imports, rollouts) for one stack."""
    try:
        report = graph.drift_report(stack)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
        raise _unavailable(exc) from exc
    if report is None:
        raise HTTPException(404, f"no stack {stack!r} in the graph (target is cloud/region/environment/stack)")
    return report
