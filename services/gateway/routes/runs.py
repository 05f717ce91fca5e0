"""/api/v1/requests and /api/v1/runs: submit, list, read, decide."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated

from pydantic import AfterValidator
from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from fastapi.responses import JSONResponse

from shared.contracts import ArtifactBundle, Persona, RunMessage
from shared.contracts.errors import ErrorBody, FieldProblem
from shared.db.models import Run, RunStatus

from services.gateway import requests_service, run_cursor, runs_service
from services.gateway.run_cursor import RunCursor
from services.gateway.deps import Approver, CeleryApp, DbSession, Requester, Viewer
from services.gateway.runs_service import BrokerUnavailable, RunConflict, RunForbidden, RunInvalid
from services.gateway.schemas import (
    Approve, ApprovalOut, ArtifactOut, Decision, QueryAnswer, RunDetail, RunPage, RunRequest, RunSummary, StepOut,
)
from services.gateway.errors import COMMON, declare, error_response

router = APIRouter(prefix="/api/v1", tags=["runs"], responses=declare(*COMMON, 404, 409))


def _summary(run: Run) -> RunSummary:
    return RunSummary.model_validate(run, from_attributes=True)


def _detail(run: Run) -> RunDetail:
    message = RunMessage.model_validate(run.message)
    bundle = message.bundle or ArtifactBundle()
    return RunDetail(
        **_summary(run).model_dump(),
        requested_by_principal_id=run.requested_by_principal_id,
        persona_requested=run.persona_requested,
        persona_applied=run.persona,
        persona_policy=run.persona_policy,
        content_sha256=message.bundle.content_sha256 if message.bundle else None,
        plan_sha256=message.plan.plan_sha256 if message.plan else None,
        intent=run.intent,
        steps=[StepOut.model_validate(step, from_attributes=True) for step in run.steps],
        findings=message.verdict.findings if message.verdict else [],
        verdict=message.verdict.status if message.verdict else None,
        artifacts=[ArtifactOut(path=f.path, kind=f.kind.value, sha256=f.sha256, size=len(f.content)) for f in bundle.files],
        change=message.change.model_dump(mode="json") if message.change else None,
        approvals=[ApprovalOut.model_validate(a, from_attributes=True) for a in run.approvals],
        report=message.report,
    )


def _load(db, run_id: uuid.UUID, *, lock: bool = False) -> Run:
    run = runs_service.get_run(db, run_id, lock=lock)
    if run is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} not found")
    return run


def _decide(action):
    try:
        return action()
    except RunForbidden as exc:
        raise HTTPException(status.HTTP_403_FORBIDDEN, exc.message) from exc
    except RunConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.message) from exc
    except RunInvalid as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.message) from exc
    except BrokerUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.message) from exc


@router.post("/requests", status_code=status.HTTP_202_ACCEPTED, response_model=RunDetail,
             responses={200: {"model": RunDetail | QueryAnswer,
                              "description": "The run already made for this Idempotency-Key and body, or "
                                             "(a question in words) a summary of runs"},
                        422: {"model": ErrorBody,
                              "description": "Invalid input, or (a request in words) something required is "
                                             "missing: `needs_input`, `missing` and `parsed` say what"}})
def submit_request(
    body: RunRequest, db: DbSession, celery: CeleryApp, principal: Requester, response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
):
    """Start a run. Repeating a request with the same body and Idempotency-Key returns the same
    run (keys are the caller's own; the same key with another body is a 422)."""
    if body.text is not None:
        return _submit_text(body, db, celery, principal, response, idempotency_key)
    body_sha256 = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()
    run, created = _decide(lambda: runs_service.create_run(
        db, celery, persona=body.persona, intent=body.intent, principal=principal,
        idempotency_key=idempotency_key, request_body_sha256=body_sha256,
    ))
    if not created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/runs/{run.id}"
    return _detail(_load(db, run.id))


def _submit_text(body: RunRequest, db, celery, principal, response: Response, idempotency_key: str | None):
    try:
        outcome = _decide(lambda: requests_service.submit_text(
            db, celery, text=body.text, persona=body.persona_given, principal=principal,
            idempotency_key=idempotency_key,
        ))
    except requests_service.NeedsInput as exc:
        return error_response(422, **exc.body())  # the ErrorBody, plus what is missing
    if outcome.summary is not None:
        answer = QueryAnswer(kind="query", parsed=outcome.parsed, summary=outcome.summary)
        return JSONResponse(answer.model_dump(mode="json"))
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/runs/{outcome.run.id}"
    return _detail(_load(db, outcome.run.id)).model_copy(update={"parsed": outcome.parsed})


@router.get("/runs", response_model=RunPage)
def list_runs(
    db: DbSession, principal: Viewer,
    status_: Annotated[RunStatus | None, Query(alias="status")] = None,
    persona: Persona | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    after: Annotated[str | None, Query(max_length=200, description="the previous page's next_cursor (keyset paging)"),
                     AfterValidator(run_cursor.checked)] = None,
):
    if after is not None and offset:
        return error_response(422, "pass either after (keyset paging) or offset, not both",
                              [FieldProblem(field="query.offset", message="leave it out when after is given")])
    cursor = RunCursor.decode(after) if after is not None else None
    items, total = runs_service.list_runs(db, status=status_, persona=persona, limit=limit, offset=offset, after=cursor)
    following = RunCursor(items[-1].created_at, items[-1].id).encode() if len(items) == limit else None
    return RunPage(items=[_summary(run) for run in items], total=total, limit=limit, offset=offset,
                   next_cursor=following)


@router.get("/runs/{run_id}", response_model=RunDetail)
def get_run(run_id: uuid.UUID, db: DbSession, principal: Viewer) -> RunDetail:
    return _detail(_load(db, run_id))


@router.get("/runs/{run_id}/artifacts/{path:path}", response_class=Response)
def get_artifact(run_id: uuid.UUID, path: str, db: DbSession, principal: Viewer) -> Response:
    message = RunMessage.model_validate(_load(db, run_id).message)
    for file in (message.bundle.files if message.bundle else []):
        if file.path == path:
            return Response(file.content, media_type="text/plain; charset=utf-8")
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"run {run_id} has no artifact {path!r}")


@router.post("/runs/{run_id}/approve", response_model=RunDetail)
def approve(run_id: uuid.UUID, db: DbSession, celery: CeleryApp, principal: Approver, body: Approve | None = None) -> RunDetail:
    """Approve as another principal than the requester. Send `content_sha256` (RunDetail's) to
    bind the approval to what you reviewed: a run that holds other files is refused (409)."""
    run = _load(db, run_id, lock=True)
    body = body or Approve()
    _decide(lambda: runs_service.approve(db, celery, run, principal, body.comment, content_sha256=body.content_sha256))
    return _detail(_load(db, run_id))


@router.post("/runs/{run_id}/reject", response_model=RunDetail)
def reject(run_id: uuid.UUID, db: DbSession, principal: Approver, body: Decision | None = None) -> RunDetail:
    run = _load(db, run_id, lock=True)
    _decide(lambda: runs_service.reject(db, run, principal, body.comment if body else None))
    return _detail(_load(db, run_id))


@router.post("/runs/{run_id}/cancel", response_model=RunDetail)
def cancel(run_id: uuid.UUID, db: DbSession, principal: Requester, body: Decision | None = None) -> RunDetail:
    run = _load(db, run_id, lock=True)
    _decide(lambda: runs_service.cancel(db, run, principal, body.comment if body else None))
    return _detail(_load(db, run_id))
