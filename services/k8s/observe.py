"""After a deploy: the controller's own status (GitOps), then every workload's rollout.

The result says what was observed and on which cluster, including that the nodes are
simulated when they are KWOK nodes. A failed direct rollout is rolled back to the last
revision when the persona's policy asks for it (in GitOps mode the controller would undo
a rollback; reverting is a commit, left to a person).
"""

from __future__ import annotations

import time

from shared.contracts import DeployResult, PodStatus, RolloutResult, WorkloadStatus
from shared.settings import get_settings

from services.k8s import controllers, rollout
from services.k8s.apply import FIELD_MANAGER
from services.k8s.cluster import ClusterTarget
from services.k8s.policy import RolloutPolicy


def _where(deploy: DeployResult) -> str:
    cluster = deploy.cluster
    if cluster is None:
        return "the cluster"
    simulated = {True: "; its nodes are simulated by KWOK (pods are scheduled and report Running, no container runs)",
                 False: "", None: "; its nodes could not be listed"}[cluster.simulated_nodes]
    return f"cluster {cluster.name} ({cluster.server}, context {cluster.context}){simulated}"


def observe(target: ClusterTarget, deploy: DeployResult, gitops_objects: list[dict],
            policy: RolloutPolicy, *, observe_seconds: float | None = None) -> RolloutResult:
    settings = get_settings()
    started = time.monotonic()
    controller = None
    if deploy.mode == "gitops":
        expected = deploy.controller.expected_revision if deploy.controller else ""
        controller = controllers.watch(target, gitops_objects, expected,
                                       observe=observe_seconds or settings.k8s_controller_observe_seconds,
                                       timeout=settings.k8s_controller_timeout_seconds)
        if not (controller.synced and controller.healthy):
            return RolloutResult(observed=False, complete=False, cluster=deploy.cluster, controller=controller,
                                 message=f"{controller.message} on {_where(deploy)}",
                                 seconds=round(time.monotonic() - started, 3))
    results, pods = [], []
    for ref in deploy.workloads:
        kind, namespace, name = ref.split("/", 2)
        results.append(rollout.watch(target, kind, namespace, name, policy.timeout_seconds))
        pods += results[-1].pods
    failed = [r for r in results if not r.complete]
    rollback = ""
    if failed and policy.rollback_on_failure:
        if deploy.mode == "direct":
            rollback = "; ".join(rollout.rollback_deployment(target, *r.ref.split("/", 2)[1:], FIELD_MANAGER)
                                 for r in failed if r.ref.startswith("Deployment/"))
        else:
            rollback = "not rolled back: in GitOps mode the controller re-applies main; revert the commit instead"
    running = [p for p in pods if p.phase == "Running" and p.ready]
    where = _where(deploy)
    if failed:
        first = failed[0]
        text = (f"Rollout failed on {where}: " + "; ".join(r.message for r in failed)
                + (f". Events: {' | '.join(first.events)}" if first.events else "")
                + (f". Rollback ({policy.source}): {rollback}" if rollback else ""))
    else:
        lead = f"{controller.message}; " if controller else ""
        text = (f"{lead}{len(running)}/{len(pods)} pods Running and ready on {where}: "
                + ", ".join(r.message for r in results))
    return RolloutResult(
        observed=True, complete=not failed, message=text, cluster=deploy.cluster, controller=controller,
        pods=[PodStatus(name=p.name, phase=p.phase, ready=p.ready, node=p.node, reason=p.reason) for p in pods],
        workloads=[WorkloadStatus(ref=r.ref, complete=r.complete, desired=r.desired, ready=r.ready,
                                  updated=r.updated, message=r.message) for r in results],
        events=failed[0].events if failed else [], failing_pod=failed[0].failing_pod if failed else "",
        rollback=rollback, seconds=round(time.monotonic() - started, 3),
    )
