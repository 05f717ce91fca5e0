"""Answer a question about runs ("마지막 배포 상태랑 로그 요약해줘", "What failed in the last run?").

Why here and not a worker: it only reads Postgres, what `GET /api/v1/runs/{id}` shows,
and must answer at once. Every part is bounded (runs, characters, log lines), and it
names pods only when the rollout watch observed them.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shared.contracts import RunMessage
from shared.contracts.summary import MAX_LOG_LINES, MAX_RUNS, MAX_TEXT, PodDigest, RunDigest, RunSummaryReport, StepDigest
from shared.db.models import Role, Run, RunStatus

FAILED_STATUSES = (RunStatus.failed.value, RunStatus.blocked.value)
_PROBLEM_STEPS = {"failed", "blocked"}


class SummaryForbidden(PermissionError):
    pass


def _cut(text: str | None, limit: int = MAX_TEXT) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _log_tail(log: str | None) -> list[str]:
    if not log:
        return []
    return [_cut(line, 200) or "" for line in log.strip().splitlines()[-MAX_LOG_LINES:]]


def _digest(run: Run, focus: list[str]) -> RunDigest:
    try:
        message = RunMessage.model_validate(run.message)
    except ValidationError:
        message = None
    steps, errors = [], []
    for step in run.steps:
        problem = step.status in _PROBLEM_STEPS
        steps.append(StepDigest(
            name=step.name, status=step.status, duration_ms=step.duration_ms, detail=_cut(step.detail),
            log_tail=_log_tail(step.log) if problem or "logs" in focus else [],
        ))
        if problem and step.detail:
            errors.append(_cut(f"{step.name}: {step.detail}"))
    if message and message.verdict:
        for finding in [f for f in message.verdict.findings if f.blocking][:10]:
            where = f"{finding.file}:{finding.line_start}" if finding.line_start else finding.file
            errors.append(_cut(f"{finding.guardrail_id or finding.check_id} ({finding.check_id}) {where}: {finding.message}"))
    if run.error and not any(run.error in e for e in errors):
        errors.insert(0, _cut(run.error))
    rollout = message.rollout if message else None
    pods = [PodDigest(name=p.name, phase=p.phase, ready=p.ready) for p in rollout.pods[:20]] if rollout and rollout.observed else []
    return RunDigest(
        id=run.id, status=run.status, persona=run.persona, requested_by=run.requested_by, target=run.target,
        action=(run.intent or {}).get("action"), created_at=run.created_at, finished_at=run.finished_at,
        error=_cut(run.error), steps=steps, errors=errors[:12], pods=pods,
        pods_observed=bool(rollout and rollout.observed),
        report=_cut(message.report.text) if message and message.report else None,
    )


def _line(digest: RunDigest, korean: bool) -> str:
    done = sum(1 for s in digest.steps if s.status == "succeeded")
    head = f"{str(digest.id)[:8]} {digest.target}: {digest.status}"
    if korean:
        parts = [f"{head} (단계 {done}/{len(digest.steps)} 성공)"]
        if digest.errors:
            parts.append("오류: " + "; ".join(digest.errors[:3]))
        if digest.pods_observed:
            running = sum(1 for p in digest.pods if p.phase == "Running" and p.ready)
            parts.append(f"관측된 파드 {len(digest.pods)}개 중 {running}개 Running")
        else:
            parts.append("롤아웃은 관측되지 않음")
    else:
        parts = [f"{head} ({done}/{len(digest.steps)} steps succeeded)"]
        if digest.errors:
            parts.append("errors: " + "; ".join(digest.errors[:3]))
        if digest.pods_observed:
            running = sum(1 for p in digest.pods if p.phase == "Running" and p.ready)
            parts.append(f"{running} of {len(digest.pods)} observed pods Running")
        else:
            parts.append("no rollout observed")
    return ". ".join(parts)


def summarize(session: Session, query: dict[str, Any] | None, principal_role: Role, limit: int = 5) -> RunSummaryReport:
    """The latest runs matching `query` ({limit, status, focus, stack, language}), at most `limit` (≤ 20)."""
    if not principal_role.allows(Role.viewer):
        raise SummaryForbidden("reading runs needs the viewer role")
    query = dict(query or {})
    count = max(1, min(int(query.get("limit") or limit), limit, MAX_RUNS))
    focus = list(query.get("focus") or ["status"])
    select_runs = select(Run)
    status = query.get("status")
    if status == "failed":
        select_runs = select_runs.where(Run.status.in_(FAILED_STATUSES))
    elif status:
        select_runs = select_runs.where(Run.status == status)
    if query.get("stack"):
        select_runs = select_runs.where(Run.target.endswith(f"/{query['stack']}"))
    total = session.scalar(select(func.count()).select_from(select_runs.subquery())) or 0
    runs = session.scalars(
        select_runs.options(selectinload(Run.steps)).order_by(Run.created_at.desc(), Run.id).limit(count)
    ).all()
    digests = [_digest(run, focus) for run in runs]
    korean = query.get("language", "en") != "en"
    if digests:
        heading = (f"최근 실행 {len(digests)}건 (전체 {total}건 중):" if korean
                   else f"Latest {len(digests)} of {total} matching runs:")
        text = "\n".join([heading, *(f"- {_line(d, korean)}" for d in digests)])
    else:
        text = "조건에 맞는 실행이 없습니다." if korean else "No run matches."
    return RunSummaryReport(query={**query, "limit": count, "focus": focus}, total_matching=total, runs=digests,
                            truncated=total > len(digests), text=text)
