"""The HTTP API: identity and roles, clear 4xx errors, listing, idempotency, decisions."""

from __future__ import annotations

import copy
import uuid

from sqlalchemy import select

from shared.db.models import AuditLog
from shared.db.session import session_scope

from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def test_health_and_readiness_name_every_store(api):
    assert api.get("/healthz").json() == {"status": "ok"}
    ready = api.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert set(ready.json()["checks"]) == {"postgres", "redis", "broker", "neo4j", "config"}


def test_metrics_count_runs_by_persona(api, keys):
    api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "metrics-logs"), headers=keys.requester)
    metrics = api.get("/metrics/").text
    assert 'mcpcloud_runs_created_total{persona="devops"}' in metrics


def test_requests_need_a_key_and_the_right_role(api, keys):
    assert api.post("/api/v1/requests", json=PRIVATE_LOGS_BUCKET).status_code == 401
    assert api.get("/api/v1/runs", headers={"X-API-Key": "mcp_nope_nope"}).status_code == 401
    refused = api.post("/api/v1/requests", json=PRIVATE_LOGS_BUCKET, headers=keys.viewer)
    assert refused.status_code == 403
    assert "requester role" in refused.json()["detail"]


def test_bad_input_gets_422_saying_what_to_fix(api, keys):
    bad_region = copy.deepcopy(PRIVATE_LOGS_BUCKET)
    bad_region["intent"]["region"] = "mars-north-1"
    response = api.post("/api/v1/requests", json=bad_region, headers=keys.requester)
    assert response.status_code == 422
    assert "mars-north-1" in response.json()["detail"] and "ap-northeast-2" in response.json()["detail"]

    latest = copy.deepcopy(PRIVATE_LOGS_BUCKET)
    latest["intent"]["app"] = {"name": "web", "image": "nginx", "tag": "latest"}
    latest["intent"]["platform"] = "eks"
    detail = api.post("/api/v1/requests", json=latest, headers=keys.requester).json()["detail"]
    assert "latest" in detail and "pin a version" in detail

    wrong_machine = {"persona": "devops", "intent": {
        "cloud": "gcp", "platform": "gke", "region": "us-central1", "stack": "gke-demo",
        "cluster": {"name": "gke-demo", "node_instance_type": "t3.medium"}}}
    detail = api.post("/api/v1/requests", json=wrong_machine, headers=keys.requester).json()["detail"]
    assert "not a gcp machine type" in detail and "e2-standard-4" in detail

    text_only = api.post("/api/v1/requests", json={"text": "EKS 클러스터에 앱 배포해줘"}, headers=keys.requester)
    assert text_only.status_code == 422  # which app? asked, not guessed
    assert [m["field"] for m in text_only.json()["missing"]] == ["app"]

    assert api.get("/api/v1/runs?status=bogus", headers=keys.viewer).status_code == 422
    assert api.get("/api/v1/runs?limit=0", headers=keys.viewer).status_code == 422
    assert api.get(f"/api/v1/runs/{uuid.uuid4()}", headers=keys.viewer).status_code == 404
    assert api.get("/api/v1/runs/not-a-uuid", headers=keys.viewer).status_code == 422


def test_same_idempotency_key_gives_the_same_run(api, keys):
    headers = {**keys.requester, "Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = with_stack(PRIVATE_LOGS_BUCKET, "idem-logs")
    first = api.post("/api/v1/requests", json=body, headers=headers)
    second = api.post("/api/v1/requests", json=body, headers=headers)
    assert first.status_code == 202 and second.status_code == 200
    assert first.json()["id"] == second.json()["id"]


def test_runs_are_listed_filtered_and_paginated(api, keys):
    made = [api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, f"list-logs-{index}"),
                     headers=keys.requester).json()["id"] for index in range(3)]
    page = api.get("/api/v1/runs?limit=2&offset=0", headers=keys.viewer).json()
    assert len(page["items"]) == 2 and page["total"] >= 3 and page["limit"] == 2
    following = api.get("/api/v1/runs?limit=2&offset=2", headers=keys.viewer).json()
    assert following["items"] and not {r["id"] for r in page["items"]} & {r["id"] for r in following["items"]}
    cancelled = api.post(f"/api/v1/runs/{made[0]}/cancel", headers=keys.requester)
    assert cancelled.status_code == 200, cancelled.text
    listed = api.get("/api/v1/runs?status=cancelled&limit=200", headers=keys.viewer).json()["items"]
    assert made[0] in {run["id"] for run in listed}
    assert {run["status"] for run in listed} == {"cancelled"}


def test_cancel_is_the_requesters_and_is_audited(api, workers, keys):
    from tests.conftest import wait_for_status

    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "cancel-logs"),
                      headers=keys.requester).json()["id"]
    assert api.post(f"/api/v1/runs/{run_id}/cancel", headers=keys.other_requester).status_code == 403
    # Waiting for a human is the last cancellable state: the run is there whatever the workers' speed.
    assert wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})["status"] == \
        "awaiting_approval"
    cancelled = api.post(f"/api/v1/runs/{run_id}/cancel", json={"comment": "wrong region"}, headers=keys.requester)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(f"/api/v1/runs/{run_id}/cancel", headers=keys.requester)
    assert again.status_code == 409 and again.json()["detail"].startswith("run is cancelled")
    assert api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.approver).status_code == 409
    with session_scope() as session:
        actions = session.scalars(select(AuditLog.action).where(AuditLog.target_id == run_id)).all()
    assert actions == ["run.create", "run.cancel"]


def test_a_target_being_applied_by_another_run_refuses_a_second_approval(api, workers, keys):
    from shared.db.models import TargetLock

    from tests.conftest import wait_for_status

    first = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "locked-logs"), headers=keys.requester)
    second = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "locked-logs"), headers=keys.requester)
    first_id, second_id = first.json()["id"], second.json()["id"]
    for run_id in (first_id, second_id):
        assert wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "failed"})["status"] == "awaiting_approval"
    target = first.json()["target"]
    with session_scope() as session:  # the first run holds the stack, as it would while applying
        session.add(TargetLock(target=target, run_id=uuid.UUID(first_id)))
    try:
        refused = api.post(f"/api/v1/runs/{second_id}/approve", headers=keys.approver)
        assert refused.status_code == 409
        assert first_id in refused.json()["detail"] and target in refused.json()["detail"]
        assert api.get(f"/api/v1/runs/{second_id}", headers=keys.viewer).json()["status"] == "awaiting_approval"
        assert api.get(f"/api/v1/runs/{second_id}", headers=keys.viewer).json()["approvals"] == []
    finally:
        api.post(f"/api/v1/runs/{first_id}/cancel", headers=keys.requester)  # a terminal run frees its target
    with session_scope() as session:
        assert session.get(TargetLock, target) is None
    approved = api.post(f"/api/v1/runs/{second_id}/approve", headers=keys.approver)
    assert approved.status_code == 200, approved.text
