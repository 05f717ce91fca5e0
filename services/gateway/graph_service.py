"""The graph import for every door (POST /api/v1/graph/import, the MCP `import_graph` tool).

Both build the same `GraphImportRequest`, check the same size limit and send the same
`rag.graph_import` task to the rag worker, which parses and writes in one transaction:
a refusal here (too large, not UTF-8, bad options, a file the importer cannot read) has
a status and a message naming what to fix, and nothing was written.
"""

from __future__ import annotations

from celery import Celery
from celery.exceptions import TimeoutError as CeleryTimeout
from pydantic import ValidationError

from shared.contracts import GraphImportRequest, GraphImportResult
from shared.queues import Task
from shared.settings import get_settings

IMPORT_TIMEOUT_SECONDS = 120


class ImportRefused(Exception):
    """The import did not happen; `status` is the HTTP status that says why, `message` what to fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def build_request(raw: bytes, filename: str = "", **options: str) -> GraphImportRequest:
    """The import request for a file's bytes and the import options (stack, account, region, cluster, role, format)."""
    limit = get_settings().rag_graph_import_max_bytes
    if len(raw) > limit:
        raise ImportRefused(413, f"file larger than {limit} bytes (MCP_RAG_GRAPH_IMPORT_MAX_BYTES)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ImportRefused(422, f"{filename or 'the file'}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    try:
        return GraphImportRequest(content=text, filename=filename, **options)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in exc.errors())
        raise ImportRefused(422, f"invalid import: {problems}") from exc


def submit(celery: Celery, request: GraphImportRequest) -> GraphImportResult:
    """Import through the rag worker and wait for its answer."""
    result = celery.send_task(Task.rag_graph_import.value, args=(request.model_dump(mode="json"),),
                              queue=Task.rag_graph_import.queue.value)
    try:
        answer = GraphImportResult.model_validate(result.get(timeout=IMPORT_TIMEOUT_SECONDS))
    except CeleryTimeout as exc:
        raise ImportRefused(503, f"the rag service did not answer within {IMPORT_TIMEOUT_SECONDS}s; "
                                 "the import may still complete (importing again changes nothing)") from exc
    except Exception as exc:  # the task raised (Neo4j unreachable...): its transaction was not committed
        raise ImportRefused(503, f"the import failed in the rag service ({type(exc).__name__}: {exc}); "
                                 "nothing was committed, try again") from exc
    finally:
        result.forget()
    if answer.error:
        raise ImportRefused(422, answer.error)
    return answer
