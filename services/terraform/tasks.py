"""Terraform service tasks: thin wrappers over the generator and validator."""

from __future__ import annotations

from shared.db.models import RunStatus
from shared.gitops import repository_url
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, pipeline_task

from services.terraform.generator import GenerationError, generate
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
