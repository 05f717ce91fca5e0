"""search_knowledge: what the platform knows (catalog modules, guardrails, runbooks), ranked, with sources.

The search runs in the rag worker (`rag.search`, sent by name), as GET /api/v1/knowledge/search does.
"""

from __future__ import annotations

from typing import Annotated, Literal

from celery.exceptions import TimeoutError as CeleryTimeout
from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import Field

from shared.contracts import KnowledgeAnswer, KnowledgeQuery
from shared.db.models import Role
from shared.queues import Task
from shared.settings import get_settings

from services.gateway.celery_client import get_celery
from services.gateway.mcp.backend import ToolRefused
from services.gateway.mcp.tools import spec
from services.gateway.mcp.tools.common import blocking, principal_of
from services.gateway.mcp.views import cut

MAX_PASSAGE = 600


def _search(query: KnowledgeQuery) -> KnowledgeAnswer:
    timeout = get_settings().rag_search_timeout_seconds
    result = get_celery().send_task(Task.rag_search.value, args=(query.model_dump(mode="json"),),
                                    queue=Task.rag_search.queue.value)
    try:
        answer = KnowledgeAnswer.model_validate(result.get(timeout=timeout))
    except CeleryTimeout as exc:
        raise ToolRefused(f"the rag service did not answer within {timeout:.0f}s; nothing was searched, try again") from exc
    finally:
        result.forget()
    if answer.error:
        raise ToolRefused(f"the knowledge search failed: {answer.error}")
    return answer


async def search_knowledge(
    ctx: Context,
    question: Annotated[str, Field(min_length=2, max_length=500, description="A question, in Korean or English")],
    top_k: Annotated[int, Field(ge=1, le=10, description="How many passages (at most 10)")] = 5,
    kinds: Annotated[list[Literal["module", "guardrail", "runbook"]] | None, Field(
        description="Only these kinds of source")] = None,
) -> KnowledgeAnswer:
    """Ranked passages from the vetted module catalog, the guardrail pack and the runbooks, each with its source."""
    principal_of(ctx)
    answer = await blocking(_search, KnowledgeQuery(question=question, top_k=top_k, kinds=kinds or []))
    for passage in answer.passages:
        passage.text = cut(passage.text, MAX_PASSAGE) or ""
    lines = [f"{len(answer.passages)} passages ({answer.retriever})"]
    lines += [f"{p.score:.3f} [{p.kind}] {p.title} ({p.source})" for p in answer.passages]
    return CallToolResult(content=[TextContent(type="text", text="\n".join(lines))],
                          structured_content=answer.model_dump(mode="json"))


SPECS = [
    spec(search_knowledge, toolset="knowledge", role=Role.viewer, title="Search the platform's knowledge",
         read_only=True, idempotent=True),
]
