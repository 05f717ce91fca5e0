"""Policy service tasks: the guardrail verdict on what the terraform service generated."""

from __future__ import annotations

from shared.contracts import ScanRequest, ScanResponse
from shared.db.models import RunStatus, StepStatus
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, pipeline_task

from services.policy.graph_checks import GraphCheckUnavailable, apply_graph_guardrails
from services.policy.personas import blocks_at
from services.policy.scanner import DEFAULT_THRESHOLD, InvalidInput, blocking_reasons, scan, scan_files
from services.policy.worker import app


@pipeline_task(app, Task.policy_validate, starts=RunStatus.validating)
def validate_step(message, step: StepContext) -> StepResult:
    """checkov + our guardrail pack; a blocking finding ends the run `blocked`."""
    if message.bundle is None:
        raise StepError("policy.validate got no generated files: terraform.generate must run first")
    threshold, source = blocks_at(message.persona)
    step.log(f"persona {message.persona.value}: non-blocking findings block at {threshold_name(threshold)} ({source})")
    verdict = scan(message.bundle, message.persona, threshold)
    # Graph-aware guardrails (services/policy/graph_checks): fail closed, never a silent pass.
    try:
        verdict = apply_graph_guardrails(verdict, {f.path: f.content for f in message.bundle.files}, message.intent)
    except GraphCheckUnavailable as exc:
        raise StepError(str(exc)) from exc
    updated = message.model_copy(update={"verdict": verdict})
    if verdict.passed:
        return StepResult(
            message=updated, output=verdict,
            detail=f"passed: {verdict.checks_passed} checks passed, {len(verdict.findings)} non-blocking findings",
        )
    causes = blocking_reasons(verdict, threshold)
    ids = sorted({f.guardrail_id or f.check_id for f in causes})
    where = "; ".join(f"{f.guardrail_id or '-'} {f.check_id} {f.resource} at {f.file}:{f.line_start}" for f in causes[:5])
    return StepResult(
        message=updated, output=verdict, status=StepStatus.blocked, run_status=RunStatus.blocked,
        detail=f"blocked by {', '.join(ids)}: {where}",
    )


def threshold_name(threshold) -> str:
    return "the built-in level" if threshold is DEFAULT_THRESHOLD else (threshold.value if threshold else "never")


@app.task(name=Task.policy_scan_files.value, acks_late=True, reject_on_worker_lost=True)
def scan_files_task(payload: dict) -> dict:
    """Scan uploaded files (POST /api/v1/validate): a verdict, or the error in the input."""
    request = ScanRequest.model_validate(payload)
    try:
        verdict = scan_files(request.files, request.persona)
        response = ScanResponse(verdict=apply_graph_guardrails(verdict, request.files, None))
    except InvalidInput as exc:
        response = ScanResponse(error=str(exc))
    except GraphCheckUnavailable as exc:  # fail closed: no verdict without the graph guardrails
        response = ScanResponse(error=str(exc))
    return response.model_dump(mode="json")
