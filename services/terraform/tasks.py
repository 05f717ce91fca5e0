"""Terraform service tasks: thin wrappers over the generator and validator."""

from __future__ import annotations

from shared.approvals import require_approved
from shared.contracts import FileKind, TerraformRun
from shared.db.models import RunStatus, StepStatus
from shared.gitops import repository_url
from shared.settings import get_settings
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, pipeline_task

from services.terraform.generator import GenerationError, generate
from services.terraform.runner import PlanSummary, TerraformError, TerraformRunner
from services.terraform.validate import validate_bundle
from services.terraform.worker import app


@pipeline_task(app, Task.terraform_generate, starts=RunStatus.planning)
def generate_step(message, step: StepContext) -> StepResult:
    """Intent → root module + catalog modules + manifests, parsed back and statically validated."""
    try:
        bundle = generate(message.intent, message.context, gitops_repo_url=repository_url(message.intent))
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
    binary = get_settings().terraform_binary
    return TerraformRunner(binary, work_root=get_settings().terraform_work_dir) if binary else None


def _as_run(summary: PlanSummary, message: str) -> TerraformRun:
    return TerraformRun(
        ran=True, message=message, to_add=summary.to_add, to_change=summary.to_change, to_destroy=summary.to_destroy,
        changes=[f"{change.action} {change.address}" for change in summary.resource_changes],
    )


def _not_run(message, field: str, why: str) -> StepResult:
    result = TerraformRun(ran=False, message=why)
    return StepResult(message=message.model_copy(update={field: result}), output=result,
                      status=StepStatus.skipped, detail=why)


@pipeline_task(app, Task.terraform_plan)
def plan_step(message, step: StepContext) -> StepResult:
    """terraform/tofu plan of the files the guardrails passed (skipped without a binary)."""
    if message.verdict is None or not message.verdict.passed:
        raise StepError("refused: terraform plan runs only on files with a passed guardrail verdict")
    if not message.bundle.of_kind(FileKind.terraform):
        return _not_run(message, "plan", "no Terraform in this change: nothing to plan")
    runner = _runner()
    if runner is None:
        return _not_run(message, "plan", "plan not run: no terraform or tofu binary configured (MCP_TERRAFORM_BINARY)")
    try:
        result = runner.plan(message.bundle, on_line=step.log)
    except TerraformError as exc:
        raise StepError(f"terraform plan failed (exit {exc.exit_code}): {exc.output[-600:]}") from exc
    plan = _as_run(result.summary, result.summary.headline)
    return StepResult(message=message.model_copy(update={"plan": plan}), output=plan, detail=plan.message)


@pipeline_task(app, Task.terraform_apply, starts=RunStatus.applying)
def apply_step(message, step: StepContext) -> StepResult:
    """Approved: plan again, refuse if it differs from the approved plan, then apply."""
    require_approved(message)
    if not message.bundle.of_kind(FileKind.terraform):
        return _not_run(message, "infrastructure", "no Terraform in this change: nothing to apply")
    runner = _runner()
    if runner is None or message.plan is None or not message.plan.ran:
        return _not_run(message, "infrastructure",
                        "nothing applied: no terraform or tofu binary configured (MCP_TERRAFORM_BINARY)")
    try:
        fresh = runner.plan(message.bundle, on_line=step.log)
        if sorted(_as_run(fresh.summary, "").changes) != sorted(message.plan.changes):
            raise StepError(f"refused: the plan changed since approval ({fresh.summary.headline} now, "
                            f"approved: {message.plan.message}); start a new run")
        runner.apply(fresh, on_line=step.log)
    except TerraformError as exc:
        raise StepError(f"terraform apply failed (exit {exc.exit_code}): {exc.output[-600:]}") from exc
    applied = _as_run(fresh.summary, f"applied: {fresh.summary.headline.removeprefix('Plan: ')}")
    return StepResult(message=message.model_copy(update={"infrastructure": applied}), output=applied,
                      detail=applied.message)
