"""Kubernetes service tasks: deploy the approved manifests and watch the rollout.

With no kubeconfig the manifests are validated and nothing is applied; the step ends
`skipped` and says so. Direct server-side apply and ArgoCD/Flux sync watching arrive
with the Kubernetes adapter issue.
"""

from __future__ import annotations

from shared.approvals import require_approved
from shared.contracts import DeployResult, RolloutResult
from shared.db.models import RunStatus, StepStatus
from shared.queues import Task
from shared.settings import get_settings
from shared.steps import StepContext, StepError, StepResult, pipeline_task

from services.k8s.manifests import ManifestError, load_manifests, refuse_unsafe_pods
from services.k8s.worker import app


@pipeline_task(app, Task.k8s_deploy, starts=RunStatus.applying)
def deploy_step(message, step: StepContext) -> StepResult:
    """Refuse anything not passed and approved, validate the manifests, then deploy."""
    require_approved(message)
    try:
        manifests = load_manifests(message.bundle)
        refuse_unsafe_pods(manifests)
    except ManifestError as exc:
        raise StepError(f"refused before any Kubernetes call: {exc}") from exc
    objects = [m.ref for m in manifests]
    intent = message.intent
    mode = "gitops" if intent.gitops != "none" else ("direct" if manifests else "none")
    if get_settings().kubeconfig is not None:
        raise StepError("MCP_KUBECONFIG is set, but applying to a cluster is not built yet (Kubernetes adapter issue)")
    where = f" and committed to {message.change.repository} (main)" if message.change else ""
    text = (
        f"No cluster configured (MCP_KUBECONFIG): {len(manifests)} manifests validated{where}; nothing applied."
        if manifests
        else "No Kubernetes manifests in this change; nothing to apply."
    )
    deploy = DeployResult(mode=mode if manifests else "none", applied=False, message=text, objects=objects,
                          gitops_path=f"kubernetes/{intent.app.name}" if intent.app else "")
    return StepResult(
        message=message.model_copy(update={"deploy": deploy}), output=deploy, status=StepStatus.skipped, detail=text
    )


@pipeline_task(app, Task.k8s_await_rollout, starts=RunStatus.verifying)
def await_rollout_step(message, step: StepContext) -> StepResult:
    """Watch the rollout until ready (skipped when nothing was applied)."""
    if message.deploy is None or not message.deploy.applied:
        rollout = RolloutResult(observed=False, message="nothing was applied, so no rollout to observe")
        return StepResult(
            message=message.model_copy(update={"rollout": rollout}), output=rollout,
            status=StepStatus.skipped, detail=rollout.message,
        )
    raise StepError("watching rollouts is not built yet (Kubernetes adapter issue)")
