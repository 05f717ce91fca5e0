"""The services under the tools: the same functions the HTTP routes call, nothing MCP-specific.

A run made here is the same row, events and report as one made over HTTP, because both
go through `services.gateway.runs_service`. These functions are synchronous (SQLAlchemy,
Celery) and are called from the async tool handlers in a worker thread.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from celery.exceptions import TimeoutError as CeleryTimeout

from shared.contracts import DeploymentIntent, GuardrailVerdict, Persona, RunMessage, ScanRequest, ScanResponse
from shared.db.models import AuditLog, Run, RunStatus
from shared.db.session import session_scope
from shared.queues import Task

from services.gateway import runs_service
from services.gateway.celery_client import get_celery
from services.gateway.mcp.auth import McpPrincipal
from services.gateway.mcp.views import (
    RunPageView, RunSummaryView, RunView, SummaryView, cut, run_view,
)
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


def create_run(principal: McpPrincipal, persona: Persona, intent: DeploymentIntent,
               idempotency_key: str | None) -> RunView:
    with session_scope() as session:
        try:
            run, _ = runs_service.create_run(session, get_celery(), persona=persona, intent=intent,
                                             actor=principal.name, idempotency_key=idempotency_key)
        except runs_service.BrokerUnavailable as exc:
            raise ToolRefused(exc.message) from exc
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
    except (runs_service.RunForbidden, runs_service.RunConflict, runs_service.BrokerUnavailable) as exc:
        raise ToolRefused(exc.message) from exc


def approve(principal: McpPrincipal, run_id: str, comment: str | None, content_sha256: str | None) -> RunView:
    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        if content_sha256 is not None:
            bundle = RunMessage.model_validate(run.message).bundle
            actual = bundle.content_sha256 if bundle and bundle.files else None
            if actual != content_sha256:
                raise ToolRefused(
                    f"content_sha256 does not match the run's bundle ({actual}): the files changed since you "
                    "reviewed them, or the hash is wrong; read the run again before approving"
                )
        _decide(lambda: runs_service.approve(session, get_celery(), run, principal.name, comment))
        return run_view(_load(session, run_id))


def reject(principal: McpPrincipal, run_id: str, comment: str | None) -> RunView:
    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        _decide(lambda: runs_service.reject(session, run, principal.name, comment))
        return run_view(_load(session, run_id))


def cancel(principal: McpPrincipal, run_id: str, comment: str | None) -> RunView:
    from shared.db.models import Role

    with session_scope() as session:
        run = _load(session, run_id, lock=True)
        _decide(lambda: runs_service.cancel(session, run, principal.name, principal.allows(Role.admin), comment))
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


def summarize(persona: Persona | None, limit: int) -> SummaryView:
    """The latest runs, their failing steps and errors (SRE), bounded by `limit`."""
    with session_scope() as session:
        items, total = runs_service.list_runs(session, status=None, persona=persona, limit=limit, offset=0)
        failures: list[dict[str, Any]] = []
        for run in items:
            if run.status not in (RunStatus.failed.value, RunStatus.blocked.value):
                continue
            full = runs_service.get_run(session, run.id)
            bad = [s for s in full.steps if s.status in ("failed", "blocked")]
            failures.append({"run_id": str(run.id), "status": run.status, "target": run.target,
                             "step": bad[0].name if bad else None,
                             "detail": cut(bad[0].detail if bad else None, 200), "error": cut(run.error, 200)})
        counts = Counter(run.status for run in items)
        latest = [_summary(run) for run in items]
    lines = [f"{len(latest)} latest runs of {total}: " + ", ".join(f"{n} {s}" for s, n in counts.most_common())]
    if latest:
        last = latest[0]
        lines.append(f"last run {last.id} is {last.status} ({last.target})")
    for failure in failures[:5]:
        lines.append(f"{failure['status']} run {failure['run_id']} at step {failure['step']}: "
                     f"{failure['error'] or failure['detail']}")
    if not failures:
        lines.append("no failed or blocked run among them")
    return SummaryView(runs_considered=len(latest), by_status=dict(counts), latest=latest, failures=failures,
                       text="\n".join(lines))


def audit(principal: McpPrincipal | None, tool: str, arguments: dict[str, Any], status: str,
          run_id: str | None, error: str | None = None) -> None:
    detail: dict[str, Any] = {"tool": tool, "arguments": arguments, "status": status, "via": "mcp"}
    if principal is not None:
        detail["principal_kind"] = principal.kind
        detail["role"] = principal.role.value
    if run_id:
        detail["run_id"] = run_id
    if error:
        detail["error"] = cut(error, 500)
    with session_scope() as session:
        session.add(AuditLog(actor=principal.name if principal else "anonymous", action="mcp.tool_call",
                             target_type="run" if run_id else "mcp_tool", target_id=run_id or tool, detail=detail))
