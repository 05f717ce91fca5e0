"""The services under the tools: the same functions the HTTP routes call, nothing MCP-specific.

A run made here is the same row, events and report as one made over HTTP, because both
go through `services.gateway.runs_service`. These functions are synchronous (SQLAlchemy,
Celery) and are called from the async tool handlers in a worker thread.
"""

from __future__ import annotations

import uuid
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout

from shared.contracts import DeploymentIntent, GuardrailVerdict, Persona, ScanRequest, ScanResponse
from shared.contracts.parse import ParsedRequest
from shared.contracts.summary import RunSummaryReport
from shared.db.models import Run, RunStatus
from shared.db.session import session_scope
from shared.queues import Task

from services.gateway import requests_service, run_summary, runs_service
from services.gateway.auth import Principal
from services.gateway.celery_client import get_celery
from services.gateway.mcp.views import RunPageView, RunSummaryView, RunView, cut, run_view
from services.gateway.uploads import UploadError, check_sizes

SCAN_TIMEOUT_SECONDS = 60


class ToolRefused(Exception):
    """A request the caller can fix (bad id, wrong state, four eyes): the message says what."""


def _summary(run: Run) -> RunSummaryView:
    return RunSummaryView(id=str(run.id), status=run.status, persona=run.persona, requested_by=run.requested_by,
                          target=run.target, created_at=run.created_at, error=cut(run.error))


def _run_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise ToolRefused(f"run_id {value!r} is not a run id (a UUID such as the `id` list_runs returns)") from exc


def _load(session, run_id: str, *, lock: bool = False) -> Run:
    run = runs_service.get_run(session, _run_id(run_id), lock=lock)
    if run is None:
        raise ToolRefused(f"run {run_id} not found")
    return run


def parse_text(principal: Principal, text: str, persona: Persona | None) -> ParsedRequest:
    """The same reading as `POST /api/v1/requests` with `text` (rules, config defaults, optional LLM)."""
    with session_scope() as session:
        return requests_service.parse_text(session, text, persona=persona, principal_name=principal.name)


def create_run(principal: Principal, persona: Persona, intent: DeploymentIntent,
               idempotency_key: str | None, request_sha256: str | None) -> RunView:
    with session_scope() as session:
        run, _ = _decide(lambda: runs_service.create_run(
            session, get_celery(), persona=persona, intent=intent, principal=principal,
            idempotency_key=idempotency_key, request_body_sha256=request_sha256))
        return run_view(_load(session, str(run.id)))


def get_run(run_id: str) -> RunView:
    with session_scope() as session:
        return run_view(_load(session, run_id))


def run_status(run_id: str) -> str:
    with session_scope() as session:
        status = session.get(Run, _run_id(run_id))
        if status is None:
            raise ToolRefused(f"run {run_id} not found")
        return status.status


def list_runs(status: RunStatus | None, persona: Persona | None, limit: int, offset: int) -> RunPageView:
    with session_scope() as session:
        items, total = runs_service.list_runs(session, status=status, persona=persona, limit=limit, offset=offset)
        following = offset + len(items)
        return RunPageView(items=[_summary(r) for r in items], total=total, limit=limit, offset=offset,
                           next_offset=following if following < total else None)


def _decide(action):
    try:
        return action()
    except (runs_service.RunForbidden, runs_service.RunConflict, runs_service.RunInvalid,
            runs_service.BrokerUnavailable) as exc:
        raise ToolRefused(exc.message) from exc


def approve(principal: Principal, run_id: str, comment: str | None, content_sha256: str | None) -> RunView:
    """runs_service.approve: four eyes by principal id, and the bundle hash the approver saw."""
    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        _decide(lambda: runs_service.approve(session, get_celery(), run, principal, comment, content_sha256))
        return run_view(_load(session, run_id))


def reject(principal: Principal, run_id: str, comment: str | None) -> RunView:
    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        _decide(lambda: runs_service.reject(session, run, principal, comment))
        return run_view(_load(session, run_id))


def cancel(principal: Principal, run_id: str, comment: str | None) -> RunView:
    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        _decide(lambda: runs_service.cancel(session, run, principal, comment))
        return run_view(_load(session, run_id))


def scan(files: dict[str, str], persona: Persona) -> GuardrailVerdict:
    """The guardrail verdict on files sent directly: `policy.scan_files`, as POST /api/v1/validate does."""
    try:
        check_sizes(files)
    except UploadError as exc:
        raise ToolRefused(exc.message) from exc
    request = ScanRequest(files=files, persona=persona)
    result = get_celery().send_task(Task.policy_scan_files.value, args=(request.model_dump(mode="json"),),
                                    queue=Task.policy_scan_files.queue.value)
    try:
        response = ScanResponse.model_validate(result.get(timeout=SCAN_TIMEOUT_SECONDS))
    except CeleryTimeout as exc:
        raise ToolRefused(f"the policy service did not answer within {SCAN_TIMEOUT_SECONDS}s; nothing was "
                          "validated, try again") from exc
    finally:
        result.forget()
    if response.error:
        raise ToolRefused(response.error)
    return response.verdict


def summarize(principal: Principal, query: dict[str, Any], limit: int) -> RunSummaryReport:
    """The latest runs, their steps and errors (services/gateway/run_summary.py, as over HTTP), bounded."""
    with session_scope() as session:
        try:
            return run_summary.summarize(session, query, principal.role, limit)
        except run_summary.SummaryForbidden as exc:
            raise ToolRefused(str(exc)) from exc
