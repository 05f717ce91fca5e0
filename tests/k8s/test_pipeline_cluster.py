"""The seed's request through the real pipeline (gateway, five worker processes) onto the local cluster."""

from __future__ import annotations

import uuid

from tests.conftest import wait_for_status
from tests.scenarios import EKS_NGINX_ARGOCD, with_stack


def _approve_and_finish(api, keys, body: dict) -> dict:
    response = api.post("/api/v1/requests", json=body, headers=keys.requester)
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"}, timeout=180)
    assert run["status"] == "awaiting_approval", run
    approved = api.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "lgtm"}, headers=keys.approver)
    assert approved.status_code == 200, approved.text
    return wait_for_status(api, keys.viewer, run_id, {"succeeded", "not_applied", "failed"}, timeout=300)


def _outputs(run: dict) -> dict[str, dict]:
    return {step["name"]: step for step in run["steps"]}


def _message(run_id: str) -> dict:
    """The run's message as the last step stored it in Postgres (what the report was written from)."""
    from shared.db.models import Run
    from shared.db.session import session_scope

    with session_scope() as session:
        return session.get(Run, run_id).message


def test_the_seed_eks_request_is_synced_by_argo_cd_and_three_pods_are_observed(api, cluster_workers, keys):
    run = _approve_and_finish(api, keys, with_stack(EKS_NGINX_ARGOCD, f"eks-{uuid.uuid4().hex[:6]}"))
    steps = _outputs(run)
    assert steps["k8s.deploy"]["status"] == "succeeded", steps["k8s.deploy"]
    assert steps["k8s.await_rollout"]["status"] == "succeeded", steps["k8s.await_rollout"]
    rollout = _message(run["id"])["rollout"]
    assert rollout["controller"]["kind"] == "argocd"
    assert (rollout["controller"]["sync_status"], rollout["controller"]["health_status"]) == ("Synced", "Healthy")
    assert rollout["controller"]["revision"] == rollout["controller"]["expected_revision"]
    assert [p["phase"] for p in rollout["pods"]] == ["Running"] * 3
    assert rollout["cluster"]["simulated_nodes"] is True
    assert "3 pods Running" in run["report"]["text"]

    # The graph's read-back of the stack, through the k8s worker (task k8s.live_state)
    from services.gateway.celery_client import get_celery

    message = _message(run["id"])
    live = get_celery().send_task("k8s.live_state", args=[message["intent"]["stack"], "web", message["bundle"]],
                                  queue="k8s").get(timeout=60)
    assert {o["ref"] for o in live["objects"]} >= {"Deployment/web/nginx", "Service/web/nginx"}
    assert live["missing"] == [] and live["changed"] == []
    assert live["cluster"]["simulated_nodes"] is True
    # The EKS cluster itself is Terraform; without a terraform apply the run cannot claim it was built.
    applied = steps["terraform.apply"]["status"] == "succeeded"
    assert run["status"] == ("succeeded" if applied else "not_applied"), (run["status"], steps["terraform.apply"])


def test_an_app_on_an_existing_cluster_through_flux_ends_succeeded(api, cluster_workers, keys):
    intent = {**EKS_NGINX_ARGOCD["intent"], "stack": f"web-{uuid.uuid4().hex[:6]}", "gitops": "flux"}
    intent["app"] = {**intent["app"], "namespace": f"web-{uuid.uuid4().hex[:6]}"}  # not the Argo CD test's
    intent.pop("cluster")
    run = _approve_and_finish(api, keys, {**EKS_NGINX_ARGOCD, "intent": intent})
    steps = _outputs(run)
    assert run["status"] == "succeeded", (run["status"], run.get("error"), steps["k8s.await_rollout"])
    rollout = _message(run["id"])["rollout"]
    assert rollout["controller"]["kind"] == "flux" and rollout["controller"]["healthy"] is True
    assert [p["phase"] for p in rollout["pods"]] == ["Running"] * 3
    assert "3 pods Running" in run["report"]["text"]
