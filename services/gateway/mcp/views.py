"""What the tools return: small, bounded views of runs, verdicts and summaries (the outputSchemas).

Every list is capped and says how much it left out, so one call never floods an agent's
context. Texts are cut at a stated length with an ellipsis, never silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shared.contracts import ArtifactBundle, Finding, GuardrailVerdict, RunMessage
from shared.contracts.summary import RunSummaryReport
from shared.db.models import Run

MAX_FINDINGS = 20
MAX_DETAIL = 300
MAX_REPORT = 4000


def cut(text: str | None, limit: int = MAX_DETAIL) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


class StepView(BaseModel):
    name: str
    status: str
    duration_ms: float | None = None
    detail: str | None = Field(default=None, description=f"What the step did, cut at {MAX_DETAIL} characters")


class FindingView(BaseModel):
    check_id: str = Field(description="checkov id (e.g. CKV_AWS_20) or a guardrail pack id")
    guardrail_id: str | None = None
    severity: str
    blocking: bool
    accepted: bool = Field(description="Accepted by the catalog module: reported, never blocks")
    location: str = Field(description="file:line")
    resource: str
    message: str

    @classmethod
    def of(cls, finding: Finding) -> FindingView:
        return cls(check_id=finding.check_id, guardrail_id=finding.guardrail_id, severity=finding.severity.value,
                   blocking=finding.blocking, accepted=bool(finding.accepted),
                   location=f"{finding.file}:{finding.line_start}", resource=finding.resource,
                   message=cut(finding.message) or "")


class VerdictView(BaseModel):
    status: Literal["passed", "blocked"]
    checks_passed: int
    checks_failed: int
    scanner: str
    content_sha256: str = Field(description="Hash of the files the verdict was given on")
    findings_total: int
    findings: list[FindingView] = Field(description=f"Blocking first, at most {MAX_FINDINGS}")

    @classmethod
    def of(cls, verdict: GuardrailVerdict) -> VerdictView:
        ordered = sorted(verdict.findings, key=lambda f: (not f.blocking, bool(f.accepted), f.check_id))
        return cls(status=verdict.status, checks_passed=verdict.checks_passed, checks_failed=verdict.checks_failed,
                   scanner=verdict.scanner, content_sha256=verdict.content_sha256,
                   findings_total=len(verdict.findings), findings=[FindingView.of(f) for f in ordered[:MAX_FINDINGS]])


class ApprovalView(BaseModel):
    decision: str
    actor: str
    comment: str | None
    content_sha256: str | None = None
    created_at: datetime


class RunView(BaseModel):
    id: str
    status: str
    persona: str
    requested_by: str
    target: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    error: str | None
    intent: dict[str, Any]
    steps: list[StepView]
    verdict: VerdictView | None
    bundle_sha256: str | None = Field(
        description="Content hash of the generated files; approve_run may require it to match what you reviewed"
    )
    artifacts: list[str] = Field(description="Paths of the generated files (read them as resources)")
    change_url: str | None = Field(description="Pull request or local git commit the change went to")
    approvals: list[ApprovalView]
    report: str | None = Field(description=f"The run's own report, cut at {MAX_REPORT} characters")
    next: str | None = Field(default=None, description="What can be done with this run now")


def _next(run: Run) -> str | None:
    return {
        "awaiting_approval": "a second person with the approver role can call approve_run or reject_run",
        "blocked": "fix the blocking findings and request the change again",
        "queued": "call get_run to follow it", "planning": "call get_run to follow it",
        "validating": "call get_run to follow it", "applying": "call get_run to follow it",
        "verifying": "call get_run to follow it",
    }.get(run.status)


def run_view(run: Run) -> RunView:
    message = RunMessage.model_validate(run.message)
    bundle = message.bundle or ArtifactBundle()
    return RunView(
        id=str(run.id), status=run.status, persona=run.persona, requested_by=run.requested_by, target=run.target,
        created_at=run.created_at, updated_at=run.updated_at, finished_at=run.finished_at, error=cut(run.error),
        intent=run.intent,
        steps=[StepView(name=s.name, status=s.status, duration_ms=s.duration_ms, detail=cut(s.detail))
               for s in sorted(run.steps, key=lambda s: s.seq)],
        verdict=VerdictView.of(message.verdict) if message.verdict else None,
        bundle_sha256=bundle.content_sha256 if bundle.files else None,
        artifacts=[f.path for f in bundle.files],
        change_url=(message.change.url or f"{message.change.repository}@{message.change.commit_sha[:12]}")
        if message.change else None,
        approvals=[ApprovalView(decision=a.decision, actor=a.actor, comment=a.comment,
                                content_sha256=getattr(a, "content_sha256", None), created_at=a.created_at)
                   for a in run.approvals],
        report=cut(message.report.text, MAX_REPORT) if message.report else None,
        next=_next(run),
    )


def run_text(view: RunView) -> str:
    """One paragraph for a person: only what the run's rows say."""
    lines = [f"run {view.id}: {view.status} ({view.target}, requested by {view.requested_by})"]
    done = [s for s in view.steps if s.status not in ("pending",)]
    if done:
        lines.append("steps: " + ", ".join(f"{s.name} {s.status}" for s in done))
    if view.verdict:
        blocking = sum(1 for f in view.verdict.findings if f.blocking)
        lines.append(f"guardrails: {view.verdict.status}, {view.verdict.findings_total} findings ({blocking} blocking shown)")
    if view.bundle_sha256:
        lines.append(f"bundle sha256: {view.bundle_sha256}")
    if view.error:
        lines.append(f"error: {view.error}")
    if view.report:
        lines.append(f"report: {view.report}")
    if view.next:
        lines.append(f"next: {view.next}")
    return "\n".join(lines)


class RunSummaryView(BaseModel):
    id: str
    status: str
    persona: str
    requested_by: str
    target: str
    created_at: datetime
    error: str | None


class RunPageView(BaseModel):
    items: list[RunSummaryView]
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="Pass as offset for the next page; null on the last page")


class MissingFieldView(BaseModel):
    field: str
    question: str
    choices: list[str] = Field(default_factory=list)


class RequestOutcome(BaseModel):
    outcome: Literal["run", "needs_input", "answer"] = Field(
        description="run: a run was started (see run); needs_input: nothing was created, answer the questions "
                    "and call again with `answers`; answer: a read-only question was answered (see summary)"
    )
    understood: dict[str, Any] = Field(default_factory=dict, description="What was read from the text")
    defaulted: list[dict[str, Any]] = Field(default_factory=list, description="Fields filled from defaults, with the source")
    ignored: list[str] = Field(default_factory=list, description="Phrases that had no effect (never obeyed)")
    missing: list[MissingFieldView] = Field(default_factory=list)
    run: RunView | None = None
    summary: RunSummaryReport | None = None
    waited: str | None = Field(default=None, description="What the call waited for, and whether it saw it")
