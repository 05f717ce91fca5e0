"""Terraform service tasks: thin wrappers over the generator, validator, runner and plan store."""

from __future__ import annotations

import shutil

from shared.approvals import require_approved
from shared.config import ConfigUnavailable
from shared.contracts import Action, FileKind, TerraformRun
from shared.db.models import RunStatus, StepStatus
from shared.gitops import repository_url
from shared.settings import get_settings
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, TransientStepError, pipeline_task

from services.terraform import plan_store
from services.terraform.generator import GenerationError, generate
from services.terraform.runner import (
    PlanSummary, StalePlan, StateLocked, TerraformError, TerraformRunner, TerraformUnavailable,
)
from services.terraform.state import StateBackend, backend_for
from services.terraform.validate import validate_bundle
from services.terraform.worker import app


@pipeline_task(app, Task.terraform_generate, starts=RunStatus.planning)
def generate_step(message, step: StepContext) -> StepResult:
    """Intent → root module + catalog modules + manifests, parsed back and statically validated."""
    try:
        gitops_repo_url = repository_url(message.intent)
    except ConfigUnavailable as exc:
        raise TransientStepError(f"config service unavailable for github.repository: {exc}") from exc
    try:
        bundle = generate(message.intent, message.context, gitops_repo_url=gitops_repo_url)
    except GenerationError as exc:
        raise StepError(f"cannot generate Terraform for this intent: {exc}") from exc
    issues = validate_bundle(bundle)
    if issues:
        listing = "; ".join(f"{i.file}:{i.line}: {i.message}" for i in issues[:10])
        raise StepError(f"generated Terraform failed static validation: {listing}")
    step.log(f"{len(bundle.files)} files, modules: {', '.join(bundle.modules) or 'none'}")
    return StepResult(
        message=message.model_copy(update={"bundle": bundle}),
        output=bundle,
        detail=f"{len(bundle.files)} files from modules {', '.join(bundle.modules) or '-'}",
    )


def _runner() -> TerraformRunner | None:
    """None when no binary is configured (the step is skipped); a configured binary that
    cannot run fails the step (fail closed: the operator asked for plans)."""
    settings = get_settings()
    if not settings.terraform_binary:
        return None
    try:
        return TerraformRunner(settings.terraform_binary, work_root=settings.terraform_work_dir)
    except TerraformUnavailable as exc:
        raise StepError(str(exc)) from exc


def _backend(message) -> StateBackend:
    try:
        return backend_for(message.intent.target)
    except (RuntimeError, ValueError) as exc:
        raise StepError(f"no Terraform state backend for {message.intent.target}: {exc}") from exc


def _as_run(summary: PlanSummary, message: str, **extra) -> TerraformRun:
    return TerraformRun(
        ran=True, message=message, to_add=summary.to_add, to_change=summary.to_change, to_destroy=summary.to_destroy,
        changes=[f"{change.action} {change.address}" for change in summary.resource_changes], **extra,
    )


def _not_run(message, field: str, why: str) -> StepResult:
    result = TerraformRun(ran=False, message=why)
    return StepResult(message=message.model_copy(update={field: result}), output=result,
                      status=StepStatus.skipped, detail=why)


def _failure(action: str, exc: TerraformError) -> StepError:
    if isinstance(exc, StateLocked):
        return StepError(f"terraform {action} refused: the stack's state is locked by another plan or apply; "
                         f"try again when it ends ({exc.output.strip().splitlines()[-1][:200]})")
    return StepError(f"terraform {action} failed (exit {exc.exit_code}): {exc.output[-600:]}")


@pipeline_task(app, Task.terraform_plan)
def plan_step(message, step: StepContext) -> StepResult:
    """terraform/tofu plan (or plan -destroy) of the files the guardrails passed, on the
    stack's state backend; the plan file is kept for apply (skipped without a binary)."""
    if message.verdict is None or not message.verdict.passed:
        raise StepError("refused: terraform plan runs only on files with a passed guardrail verdict")
    if not message.bundle.of_kind(FileKind.terraform):
        return _not_run(message, "plan", "no Terraform in this change: nothing to plan")
    runner = _runner()
    if runner is None:
        return _not_run(message, "plan", "plan not run: no terraform or tofu binary configured (MCP_TERRAFORM_BINARY)")
    backend = _backend(message)
    destroy = message.intent.action is Action.destroy
    step.log(f"state: {backend.description}")
    try:
        result = runner.plan(message.bundle, on_line=step.log, backend=backend, destroy=destroy)
    except TerraformError as exc:
        raise _failure("plan", exc) from exc
    try:
        digest = plan_store.save(message.run_id, result.plan_bytes, destroy=destroy, backend=backend.description)
    finally:
        shutil.rmtree(result.workdir, ignore_errors=True)  # the plan is in Postgres, the state in its backend
    headline = result.summary.headline
    plan = _as_run(result.summary, f"destroy {headline}" if destroy else headline, plan_sha256=digest, destroy=destroy)
    step.log(f"saved plan file sha256 {digest}")
    return StepResult(message=message.model_copy(update={"plan": plan}), output=plan, detail=plan.message)


@pipeline_task(app, Task.terraform_apply, starts=RunStatus.applying)
def apply_step(message, step: StepContext) -> StepResult:
    """Approved: apply exactly the saved plan file that was approved; terraform refuses it
    if the state moved since (then nothing is applied and a new run is needed)."""
    approval = require_approved(message)
    if not message.bundle.of_kind(FileKind.terraform):
        return _not_run(message, "infrastructure", "no Terraform in this change: nothing to apply")
    runner = _runner()
    if runner is None:
        return _not_run(message, "infrastructure",
                        "nothing applied: no terraform or tofu binary configured (MCP_TERRAFORM_BINARY)")
    if message.plan is None or not message.plan.ran:
        why = message.plan.message if message.plan else "no plan step"
        return _not_run(message, "infrastructure",
                        f"nothing applied: no plan was made before approval ({why}), so there is no approved plan")
    saved = plan_store.load(message.run_id)
    if saved is None or saved[1] != approval.plan_sha256:
        raise StepError(f"refused: the saved plan file ({saved[1] if saved else 'missing'}) is not the approved one "
                        f"({approval.plan_sha256})")
    backend = _backend(message)
    step.log(f"state: {backend.description}; applying saved plan {saved[1]}")
    try:
        runner.apply(message.bundle, saved[0], on_line=step.log, backend=backend)
    except StalePlan as exc:
        raise StepError("refused: state moved since approval (terraform: Saved plan is stale); nothing was applied, "
                        "start a new run to plan against the current state") from exc
    except TerraformError as exc:
        raise _failure("apply", exc) from exc
    verb = "destroyed" if message.plan.destroy else "applied"
    counts = message.plan.message.removeprefix("destroy ").removeprefix("Plan: ")
    applied = message.plan.model_copy(update={"message": f"{verb}: {counts}"})
    return StepResult(message=message.model_copy(update={"infrastructure": applied}), output=applied,
                      detail=applied.message)
