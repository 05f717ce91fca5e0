"""The infrastructure graph over HTTP: import files, look at a node's neighbours, see drift.

Imports are parsed and written by the rag worker (`rag.graph_import`, by name, through
`graph_service`, as the MCP `import_graph` tool does); reads
go through the shared graph library (`shared/graph.py`, Cypher kept there), which is
a store client like the database session, not service code.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Query, UploadFile, status
from neo4j import exceptions as neo4j_errors

from shared import graph
from shared.contracts import DriftReport, GraphImportResult
from shared.settings import get_settings

from services.gateway import graph_service
from services.gateway.deps import CeleryApp, Requester, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1/graph", tags=["graph"], responses=declare(*COMMON, 404))


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
    """Import one file in one transaction: all of it, or (with a 4xx naming the problem) nothing."""
    raw = file.file.read(get_settings().rag_graph_import_max_bytes + 1)
    try:
        request = graph_service.build_request(raw, file.filename or "", stack=stack, account=account, region=region,
                                              cluster=cluster, role=role, format=format)
        return graph_service.submit(celery, request)
    except graph_service.ImportRefused as exc:
        raise HTTPException(exc.status, exc.message) from exc


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
