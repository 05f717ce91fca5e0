"""Kubernetes service tasks: deploy the approved manifests, then watch the rollout.

With no cluster configured (no `k8s.kubeconfig` secret, no MCP_KUBECONFIG) the manifests
pass the pod guardrail and nothing is applied: the step ends `skipped` and says exactly
what was checked. The domain is in deploy.py and observe.py.
"""

from __future__ import annotations

from kubernetes.client.rest import ApiException
from urllib3.exceptions import HTTPError

from shared.approvals import require_approved
from shared.contracts import DeployResult, RolloutResult
from shared.db.models import RunStatus, StepStatus
from shared.queues import Task
from shared.steps import StepContext, StepError, StepResult, TransientStepError, pipeline_task

from services.k8s.apply import ApplyRejected
from services.k8s.cluster import ClusterUnavailable, configured_target
from services.k8s.deploy import DeployRefused, deploy_direct, deploy_gitops, gitops_bodies, split
from services.k8s.manifests import ManifestError
from services.k8s.observe import observe
from services.k8s.policy import rollout_policy
from services.k8s.preflight import AccessRefused
from services.k8s.worker import app

CHECKED_OFFLINE = ("{n} manifests parsed (apiVersion, kind, metadata.name present) and passed the k8s service's pod "
                   "check (no privileged or root containers); not validated against a Kubernetes API")


def _target(message):
    try:
        return configured_target()
    except ClusterUnavailable as exc:
        raise StepError(f"refused: {exc}") from exc


@pipeline_task(app, Task.k8s_deploy, starts=RunStatus.applying)
def deploy_step(message, step: StepContext) -> StepResult:
    """Refuse anything not passed and approved, check every object, then apply."""
    require_approved(message)
    try:
        parts = split(message.bundle)
    except ManifestError as exc:
        raise StepError(f"refused before any Kubernetes call: {exc}") from exc
    manifests = parts.app + parts.gitops
    intent = message.intent
    target = _target(message)
    if target is None or not manifests:
        where = f" and committed to {message.change.repository} (main)" if message.change else ""
        text = (f"No cluster configured (k8s.kubeconfig secret or MCP_KUBECONFIG): "
                f"{CHECKED_OFFLINE.format(n=len(manifests))}{where}; nothing applied."
                if manifests else "No Kubernetes manifests in this change; nothing to apply.")
        deploy = DeployResult(mode="none", applied=False, message=text, objects=[m.ref for m in manifests],
                              validated=CHECKED_OFFLINE.format(n=len(manifests)) if manifests else "")
        return StepResult(message=message.model_copy(update={"deploy": deploy}), output=deploy,
                          status=StepStatus.skipped, detail=text)
    try:
        if intent.gitops != "none":
            deploy = deploy_gitops(target, message.bundle, intent)
        else:
            deploy = deploy_direct(target, message.bundle, intent)
    except (DeployRefused, AccessRefused, ApplyRejected, ManifestError) as exc:
        raise StepError(f"refused on {target.describe()}: {exc}") from exc
    except (HTTPError, OSError) as exc:
        raise TransientStepError(f"{target.describe()} did not answer: {exc}") from exc
    except ApiException as exc:
        if exc.status in (429, 500, 502, 503, 504):
            raise TransientStepError(f"{target.describe()}: {exc.status} {exc.reason}") from exc
        raise StepError(f"{target.describe()}: {exc.status} {exc.reason}: {exc.body!r:.300}") from exc
    step.log(deploy.validated)
    return StepResult(message=message.model_copy(update={"deploy": deploy}), output=deploy, detail=deploy.message)


@pipeline_task(app, Task.k8s_await_rollout, starts=RunStatus.verifying)
def await_rollout_step(message, step: StepContext) -> StepResult:
    """Watch the controller (GitOps) and the workloads; skipped when nothing was applied."""
    deploy = message.deploy
    if deploy is None or not deploy.applied:
        rollout = RolloutResult(observed=False, message="nothing was applied, so no rollout to observe")
        return StepResult(message=message.model_copy(update={"rollout": rollout}), output=rollout,
                          status=StepStatus.skipped, detail=rollout.message)
    target = _target(message)
    if target is None:
        raise StepError("the deploy applied to a cluster that is no longer configured")
    policy = rollout_policy(message.persona.value)
    namespace = message.intent.app.namespace if message.intent.app else "default"
    try:
        rollout = observe(target, deploy, gitops_bodies(message.bundle, namespace), policy)
    except (HTTPError, OSError) as exc:
        raise TransientStepError(f"{target.describe()} did not answer: {exc}") from exc
    updated = message.model_copy(update={"rollout": rollout})
    if rollout.controller is not None and rollout.controller.observed and not rollout.observed:
        # The controller answered with an error (or never got in sync): the run fails with its words.
        return StepResult(message=updated, output=rollout, status=StepStatus.failed, detail=rollout.message,
                          run_status=RunStatus.failed)
    if not rollout.observed:  # no controller ever looked at the object
        return StepResult(message=updated, output=rollout, status=StepStatus.skipped, detail=rollout.message)
    if not rollout.complete:
        return StepResult(message=updated, output=rollout, status=StepStatus.failed, detail=rollout.message,
                          run_status=RunStatus.failed)
    return StepResult(message=updated, output=rollout, detail=rollout.message)


@app.task(name=Task.k8s_live_state.value)
def live_state_task(stack: str, namespace: str | None = None, bundle: dict | None = None,
                    context: str | None = None) -> dict:
    """Read back the live objects of `stack` (and, given its bundle, the drift from it).

    For the graph and drift report: `app.send_task("k8s.live_state", args=[stack], queue="k8s")`.
    """
    from shared.contracts import ArtifactBundle, LiveObjectState, LiveState

    from services.k8s import drift
    from services.k8s.deploy import observed_cluster

    target = configured_target(context)
    if target is None:
        raise ClusterUnavailable("no cluster configured (k8s.kubeconfig secret or MCP_KUBECONFIG)")
    objects = drift.live_objects(target, stack, namespace)
    report = drift.DriftReport()
    if bundle is not None:
        parts = split(ArtifactBundle.model_validate(bundle))
        report = drift.drift(target, parts.app, namespace or "default")
    state = LiveState(cluster=observed_cluster(target), stack=stack,
                      objects=[LiveObjectState(**vars(o)) for o in objects], missing=report.missing,
                      changed=report.changed)
    return state.model_dump(mode="json")
