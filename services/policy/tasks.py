"""Policy service tasks: the guardrail verdict on what the terraform service generated."""

from __future__ import annotations

import logging

from shared.contracts import ScanRequest, ScanResponse
from shared.db.models import RunStatus, StepStatus
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, TransientStepError, pipeline_task

from services.policy.graph_checks import GraphCheckUnavailable, apply_graph_guardrails
from services.policy.outcome import VerdictError, outcome_of
from services.policy.personas import blocks_at
from services.policy.scanner import DEFAULT_THRESHOLD, InvalidInput, scan, scan_files
from services.policy.verdict import error_verdict
from services.policy.worker import app

log = logging.getLogger(__name__)


@pipeline_task(app, Task.policy_validate, starts=RunStatus.validating)
def validate_step(message, step: StepContext) -> StepResult:
    """checkov + our guardrail pack; a blocking finding or an unscanned file ends the run
    `blocked`, a check that failed fails it (``services/policy/outcome.py``)."""
    if message.bundle is None:
        raise StepError("policy.validate got no generated files: terraform.generate must run first")
    threshold, source = blocks_at(message.persona)
    step.log(f"persona {message.persona.value}: non-blocking findings block at {threshold_name(threshold)} ({source})")
    verdict = scan(message.bundle, message.persona, threshold)
    # Graph-aware guardrails (services/policy/graph_checks): fail closed, never a silent pass.
    # An unreadable graph is a store outage: retried with backoff like any other, and the run
    # fails naming the guardrails only when Neo4j stays away past the retries.
    try:
        verdict = apply_graph_guardrails(verdict, {f.path: f.content for f in message.bundle.files}, message.intent)
    except GraphCheckUnavailable as exc:
        raise TransientStepError(str(exc)) from exc
    updated = message.model_copy(update={"verdict": verdict})
    try:
        outcome = outcome_of(verdict, threshold)
    except VerdictError as exc:  # a check or the scan failed: the run fails, naming it
        raise StepError(str(exc)) from None
    if not outcome.blocked:
        return StepResult(message=updated, output=verdict, detail=outcome.detail)
    return StepResult(
        message=updated, output=verdict, status=StepStatus.blocked, run_status=RunStatus.blocked,
        detail=outcome.detail,
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
    except Exception as exc:  # noqa: BLE001 - never a 500 nor a pass: an error verdict
        log.exception("policy.scan_files failed")
        response = ScanResponse(verdict=error_verdict(request.persona, "", [f"scan failed: {type(exc).__name__}: {exc}"]))
    return response.model_dump(mode="json")
