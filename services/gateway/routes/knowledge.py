"""GET /api/v1/knowledge/search: what the platform knows, as ranked passages with sources.

The search runs in the rag worker (`rag.search`, sent by name and awaited with a
timeout): the embedding model and the index live there, and the gateway imports no
service code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from celery.exceptions import TimeoutError as CeleryTimeout
from fastapi import APIRouter, HTTPException, Query, status
from pydantic import ValidationError

from shared.contracts import KnowledgeAnswer, KnowledgeQuery
from shared.queues import Task
from shared.settings import get_settings

from services.gateway.deps import CeleryApp, Viewer
from services.gateway.errors import COMMON, declare

router = APIRouter(prefix="/api/v1/knowledge", tags=["knowledge"], responses=declare(*COMMON))


@router.get("/search", response_model=KnowledgeAnswer)
def search(
    celery: CeleryApp, principal: Viewer,
    q: Annotated[str, Query(min_length=2, max_length=500, description="a question, in Korean or English")],
    top_k: Annotated[int, Query(ge=1, le=20)] = 5,
    kind: Annotated[list[Literal["module", "guardrail", "runbook"]] | None, Query()] = None,
) -> KnowledgeAnswer:
    """Ranked passages (module docs and variables, guardrail rationale and fix, runbooks) with their sources."""
    try:
        query = KnowledgeQuery(question=q, top_k=top_k, kinds=kind or [])
    except ValidationError as exc:
        raise HTTPException(422, f"invalid search: {exc.errors()[0]['msg']}") from exc
    timeout = get_settings().rag_search_timeout_seconds
    result = celery.send_task(Task.rag_search.value, args=(query.model_dump(mode="json"),), queue=Task.rag_search.queue.value)
    try:
        return KnowledgeAnswer.model_validate(result.get(timeout=timeout))
    except CeleryTimeout as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            f"the rag service did not answer within {timeout:.0f}s; try again") from exc
    finally:
        result.forget()
