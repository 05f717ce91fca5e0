"""The Kubernetes adapter against the real local API server (scripts/cluster.sh, KWOK nodes)."""

from __future__ import annotations

import time

import pytest
from kubernetes import client

from services.k8s import drift
from services.k8s.apply import ApplyRejected
from services.k8s.cluster import ClusterTarget
from services.k8s.deploy import deploy_direct
from services.k8s.manifests import ManifestError, load_manifests
from services.k8s.observe import observe
from services.k8s.policy import RolloutPolicy
from services.k8s.preflight import AccessRefused

from tests.k8s.helpers import (admin, all_audit_events, app_intent, audit_events, bundle_for, edited, second_cluster_entry,
                               service_account_context, writes)

KEEP = RolloutPolicy(rollback_on_failure=False, timeout_seconds=60, source="test")
DEPLOYMENT = "kubernetes/nginx/deployment.yaml"


def test_apply_reaches_three_of_three_running_on_kwok_nodes_and_says_so(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent()
    deploy = deploy_direct(target, bundle_for(intent), intent)

    assert deploy.applied and deploy.mode == "direct"
    assert deploy.objects == [f"Deployment/{intent.app.namespace}/nginx", f"Service/{intent.app.namespace}/nginx"]
    assert deploy.namespaces_created == [intent.app.namespace]
    assert "server-side dry run" in deploy.validated and "2 objects accepted" in deploy.validated
    assert deploy.cluster.server.startswith("https://127.0.0.1:") and deploy.cluster.simulated_nodes is True
    live = client.AppsV1Api(target.api).read_namespaced_deployment("nginx", intent.app.namespace)
    assert {m.manager for m in live.metadata.managed_fields} >= {"mcp-cloud"}

    rollout = observe(target, deploy, [], KEEP)
    assert rollout.observed and rollout.complete, rollout.message
    assert [p.phase for p in rollout.pods] == ["Running"] * 3 and all(p.ready for p in rollout.pods)
    assert {p.node for p in rollout.pods} == {"kwok-node-0"}
    assert "3/3 pods Running" in rollout.message and "simulated by KWOK" in rollout.message
    assert rollout.workloads[0].ready == 3 and rollout.workloads[0].updated == 3


def test_dry_run_rejections_name_object_and_field_and_nothing_is_written(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent(name="badport")
    bundle = bundle_for(intent)

    def bad_port(doc):
        doc["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 99999

    def typo(doc):
        doc["spec"]["clusterIPP"] = "None"  # strict field validation refuses unknown fields

    bundle = edited(edited(bundle, "kubernetes/badport/deployment.yaml", bad_port), "kubernetes/badport/service.yaml", typo)
    with pytest.raises(ApplyRejected) as refused:
        deploy_direct(target, bundle, intent)
    text = str(refused.value)
    ns = intent.app.namespace
    assert (f"kubernetes/badport/deployment.yaml: Deployment/{ns}/badport: "
            "spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 99999: must be between 1 and 65535") in text, text
    assert f"kubernetes/badport/service.yaml: Service/{ns}/badport" in text and ".spec.clusterIPP: field not declared in schema" in text
    events = audit_events(local_cluster.audit_log, "badport")
    assert any("dryRun=All" in e["requestURI"] for e in events)  # the server did see it, as a dry run
    assert [e for e in writes(events) if e["objectRef"]["resource"] == "deployments"] == []


def test_a_guardrail_blocked_object_makes_zero_calls_to_the_api_server(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent("root-pod")  # redis asked to run as root and privileged
    with pytest.raises(ManifestError, match="privileged"):
        deploy_direct(target, bundle_for(intent), intent)
    time.sleep(0.5)
    assert audit_events(local_cluster.audit_log, intent.app.name) == []
    namespaces = client.CoreV1Api(target.api).list_namespace().items
    assert intent.app.namespace not in {n.metadata.name for n in namespaces}


def test_a_restricted_service_account_is_refused_by_preflight_before_any_write(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent()
    kubeconfig = service_account_context(target, intent.app.namespace, "viewer-only", "restricted")
    rbac = client.RbacAuthorizationV1Api(target.api)
    rbac.create_namespaced_role_binding(intent.app.namespace, {
        "metadata": {"name": "viewer-only"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "viewer-only", "namespace": intent.app.namespace}],
    })
    restricted = ClusterTarget.from_dict(kubeconfig, "restricted", source="test")

    with pytest.raises(AccessRefused) as refused:
        deploy_direct(restricted, bundle_for(intent), intent)
    text = str(refused.value)
    assert f"create deployments.apps in namespace {intent.app.namespace}" in text
    assert f"patch services in namespace {intent.app.namespace}" in text
    assert "create namespaces (cluster-wide)" in text
    assert "get deployments.apps" not in text  # `view` may read: only what it lacks is listed
    user = f"system:serviceaccount:{intent.app.namespace}:viewer-only"
    by_user = [e for e in writes(all_audit_events(local_cluster.audit_log)) if e["user"]["username"] == user]
    assert {e["objectRef"]["resource"] for e in by_user} == {"selfsubjectaccessreviews"}  # it only asked


def test_two_clusters_are_two_contexts_and_each_deploy_names_its_own(local_cluster):
    """Two kubeconfig contexts with their own cluster entries; here both reach the one local API server."""
    target = admin(local_cluster.kubeconfig)
    kubeconfig = second_cluster_entry(target, "mcp-local-b", "cluster-b")
    results = {}
    for context in ("mcp-local", "cluster-b"):
        chosen = ClusterTarget.from_dict(kubeconfig, context, source="test")
        intent = app_intent(replicas=1)
        results[context] = deploy_direct(chosen, bundle_for(intent), intent)
    assert results["mcp-local"].cluster.name == "mcp-local" and results["cluster-b"].cluster.name == "mcp-local-b"
    assert results["cluster-b"].cluster.context == "cluster-b"
    assert "context cluster-b (cluster mcp-local-b" in results["cluster-b"].message
    with pytest.raises(Exception, match="no context 'cluster-c'"):
        ClusterTarget.from_dict(kubeconfig, "cluster-c", source="test")


def test_an_unschedulable_rollout_fails_with_events_and_the_pod_reason_then_rolls_back(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent()
    bundle = bundle_for(intent)
    first = deploy_direct(target, bundle, intent)
    assert observe(target, first, [], KEEP).complete

    def unschedulable(doc):
        doc["spec"]["template"]["spec"]["nodeSelector"] = {"mcp-cloud.test/no-such-node": "true"}

    second = deploy_direct(target, edited(bundle, DEPLOYMENT, unschedulable), intent)
    # long enough for the controllers to create the new pod and the scheduler to refuse it on a loaded machine
    rollout = observe(target, second, [], RolloutPolicy(rollback_on_failure=True, timeout_seconds=20, source="test"))

    assert rollout.observed and not rollout.complete
    assert "Rollout failed" in rollout.message and "not complete after 20s" in rollout.message
    assert rollout.failing_pod and "Unschedulable" in rollout.message, rollout.message
    assert any("FailedScheduling" in e for e in rollout.events), rollout.events
    assert rollout.rollback == f"rolled Deployment/{intent.app.namespace}/nginx back to revision 1"
    back = observe(target, first, [], KEEP)  # the previous template is back and complete again
    assert back.complete, back.message
    live = client.AppsV1Api(target.api).read_namespaced_deployment("nginx", intent.app.namespace)
    assert not live.spec.template.spec.node_selector


def test_drift_reads_back_the_live_objects_and_names_a_hand_edit(local_cluster):
    target = admin(local_cluster.kubeconfig)
    intent = app_intent()
    bundle = bundle_for(intent)
    deploy_direct(target, bundle, intent)
    manifests = load_manifests(bundle)

    assert not drift.drift(target, manifests, intent.app.namespace).drifted
    live = drift.live_objects(target, intent.stack)
    assert {o.ref for o in live} == {f"Deployment/{intent.app.namespace}/nginx", f"Service/{intent.app.namespace}/nginx"}
    assert all("mcp-cloud" in o.managed_by for o in live)

    client.AppsV1Api(target.api).patch_namespaced_deployment(
        "nginx", intent.app.namespace, {"spec": {"replicas": 5}}, field_manager="someone-by-hand")
    report = drift.drift(target, manifests, intent.app.namespace)
    assert report.changed == [f"Deployment/{intent.app.namespace}/nginx: spec.replicas: desired 3, live 5"]
    client.CoreV1Api(target.api).delete_namespaced_service("nginx", intent.app.namespace)
    assert drift.drift(target, manifests, intent.app.namespace).missing == [f"Service/{intent.app.namespace}/nginx"]


def test_a_second_stack_with_the_same_app_and_namespace_is_refused_before_any_write(local_cluster):
    from services.k8s.deploy import DeployRefused

    target = admin(local_cluster.kubeconfig)
    first = app_intent(name="shared")
    deploy_direct(target, bundle_for(first), first)
    second = first.model_copy(update={"stack": f"{first.stack}-other"})  # same app, same namespace

    with pytest.raises(DeployRefused) as refused:
        deploy_direct(target, bundle_for(second), second)

    message = str(refused.value)
    assert f"Deployment/{first.app.namespace}/shared belongs to stack {first.stack}" in message
    assert f"Service/{first.app.namespace}/shared belongs to stack {first.stack}" in message
    live = client.AppsV1Api(target.api).read_namespaced_deployment("shared", first.app.namespace)
    assert live.metadata.labels["app.kubernetes.io/part-of"] == first.stack  # not taken over
    assert not [e for e in writes(audit_events(local_cluster.audit_log, "shared"))
                if second.stack in str(e.get("requestObject", ""))]
    deploy_direct(target, bundle_for(first), first)  # the stack that holds them redeploys as before
