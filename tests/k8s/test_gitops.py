"""GitOps for real on the local cluster: Argo CD and Flux clone the local repository over HTTP.

Each test merges a bundle into a local GitOps repository's main (as github.dispatch_workflow
does after approval), applies the bundle's Application or GitRepository+Kustomization, and
reads what the controller itself reports, then the pods.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.gitops import local_repository_name

from services.github.local_git import LocalGitRepository
from services.k8s import controllers
from services.k8s.deploy import DeployRefused, deploy_gitops, gitops_bodies
from services.k8s.observe import observe
from services.k8s.policy import RolloutPolicy

from tests.k8s.helpers import admin, app_intent, bundle_for, edited

POLICY = RolloutPolicy(rollback_on_failure=False, timeout_seconds=60, source="test")


def _merged(local_cluster, intent, change=None, application_change=None):
    """The bundle for `intent`, committed and merged into main of its repository; (bundle, head)."""
    name = local_repository_name(intent)
    bundle = bundle_for(intent, f"{local_cluster.env['MCP_GITOPS_REPO_BASE_URL']}/{name}.git")
    if change:
        bundle = edited(bundle, f"kubernetes/{intent.app.name}/deployment.yaml", change)
    if application_change:
        bundle = edited(bundle, "kubernetes/gitops/argocd-application.yaml", application_change)
    repo = LocalGitRepository(Path(local_cluster.env["MCP_LOCAL_GIT_ROOT"]), name)  # what its git server serves
    proposal = repo.propose(f"mcp/{intent.stack}", bundle.files, "test change")
    return bundle, repo.merge(proposal.branch, "merge test change")


@pytest.mark.parametrize("controller", ["argocd", "flux"])
def test_the_controller_syncs_main_and_three_pods_run(local_cluster, controller):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops=controller)
    bundle, head = _merged(local_cluster, intent)

    deploy = deploy_gitops(target, bundle, intent)
    assert deploy.applied and deploy.mode == "gitops" and deploy.controller.expected_revision == head
    expected = {"argocd": [f"Application/argocd/{intent.stack}-nginx"],
                "flux": [f"GitRepository/flux-system/{intent.stack}-nginx", f"Kustomization/flux-system/{intent.stack}-nginx"]}
    assert deploy.objects == expected[controller]
    assert deploy.workloads == [f"Deployment/{intent.app.namespace}/nginx"]

    rollout = observe(target, deploy, gitops_bodies(bundle, intent.app.namespace), POLICY)
    assert rollout.observed and rollout.complete, rollout.message
    status = rollout.controller
    assert status.kind == controller and status.observed and status.synced and status.healthy
    assert status.revision == head
    if controller == "argocd":
        assert (status.sync_status, status.health_status) == ("Synced", "Healthy")
    else:
        assert status.health_status == "True"  # Kustomization Ready=True at the pushed revision
    assert [p.phase for p in rollout.pods] == ["Running"] * 3 and all(p.ready for p in rollout.pods)
    assert "3/3 pods Running" in rollout.message and "simulated by KWOK" in rollout.message


def bad_port(doc):
    doc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 99999


@pytest.mark.parametrize("controller", ["argocd", "flux"])
def test_a_broken_manifest_on_main_shows_the_controllers_error(local_cluster, controller):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops=controller)
    bundle, head = _merged(local_cluster, intent, bad_port)
    deploy = deploy_gitops(target, bundle, intent)
    rollout = observe(target, deploy, gitops_bodies(bundle, intent.app.namespace), POLICY)

    assert not rollout.observed and not rollout.complete
    assert rollout.controller.observed and not rollout.controller.synced
    message = rollout.controller.message
    assert "99999" in message and "65535" in message, message
    assert message in rollout.message
    assert "not in sync after" not in message  # the controller's verdict, not our timeout
    if controller == "argocd":
        # Argo CD ended its own sync operation (after the Application's bounded retry) and we quote
        # the field its words came from
        assert message.startswith(f"Argo CD sync Failed at {head[:10]}; status.operationState.message: "), message
        assert "(retried 3 times)" in message


def test_argocd_still_retrying_at_the_timeout_is_reported_with_its_error(local_cluster):
    """An Application without our retry budget (Argo CD's default: 5 retries, 10 s doubling to 160 s)
    is still retrying when the watch ends: the timeout carries the failed attempt's error."""
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops="argocd")
    bundle, head = _merged(local_cluster, intent, bad_port,
                           application_change=lambda doc: doc["spec"]["syncPolicy"].pop("retry"))
    deploy = deploy_gitops(target, bundle, intent)
    status = controllers.watch(target, gitops_bodies(bundle, intent.app.namespace), head, observe=30, timeout=45)

    assert status.observed and not status.synced
    assert status.message.startswith(f"{status.object} not in sync after 45s"), status.message
    assert "last seen: Argo CD is retrying (attempt " in status.message, status.message
    assert f"a sync at {head[:10]} that failed: " in status.message
    assert "99999" in status.message and "65535" in status.message
    assert deploy.applied


def test_main_that_differs_from_the_approved_files_is_refused_before_any_write(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops="argocd")
    bundle, _ = _merged(local_cluster, intent)
    approved = edited(bundle, f"kubernetes/{intent.app.name}/deployment.yaml", lambda d: d["spec"].update(replicas=2))
    with pytest.raises(DeployRefused, match="differs from the approved files: kubernetes/nginx/deployment.yaml"):
        deploy_gitops(target, approved, intent)


def test_a_file_url_is_refused_as_unreachable_by_a_cluster(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops="flux")
    bundle = bundle_for(intent, "file:///tmp/nowhere.git")
    with pytest.raises(DeployRefused, match="cannot be cloned by a cluster"):
        deploy_gitops(target, bundle, intent)


def test_with_no_controller_running_the_report_says_exactly_that(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(gitops="argocd")
    bundle, _ = _merged(local_cluster, intent)
    local_cluster.stop_process("argocd-application-controller")
    try:
        deploy = deploy_gitops(target, bundle, intent)
        rollout = observe(target, deploy, gitops_bodies(bundle, intent.app.namespace), POLICY, observe_seconds=5)
    finally:
        local_cluster.restart_process("argocd-application-controller")
    assert deploy.applied
    assert not rollout.observed and not rollout.controller.observed
    assert rollout.message.startswith("applied, not synced: no controller observed")
    assert rollout.pods == []
