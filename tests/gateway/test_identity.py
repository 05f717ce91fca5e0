"""Identity is a principal: keys belong to one, four eyes and idempotency compare principals,
keys for others are admin-only and audited, approvals bind the bundle that was reviewed."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from shared.db.models import Approval, AuditLog
from shared.db.session import session_scope

from tests.conftest import wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _principal(api, keys, role: str) -> str:
    name = f"p-{role}-{uuid.uuid4().hex[:6]}"
    made = api.post("/api/v1/principals", json={"name": name, "role": role}, headers=keys.admin)
    assert made.status_code == 201, made.text
    return name


def _key(api, headers, name: str, **body) -> dict[str, str]:
    made = api.post("/api/v1/keys", json={"name": name, **body}, headers=headers)
    assert made.status_code == 201, made.text
    return {"X-API-Key": made.json()["key"]}


def test_a_person_with_two_keys_cannot_approve_their_own_run(api, workers, keys):
    carol = _principal(api, keys, "approver")
    carol_approves = _key(api, keys.admin, f"{carol}-approve", principal=carol)
    carol_requests = _key(api, carol_approves, f"{carol}-request", role="requester")
    run = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "two-keys-logs"), headers=carol_requests)
    assert run.status_code == 202, run.text
    assert run.json()["requested_by"] == carol
    waiting = wait_for_status(api, keys.viewer, run.json()["id"], {"awaiting_approval", "blocked", "failed"})
    assert waiting["status"] == "awaiting_approval", waiting

    own = api.post(f"/api/v1/runs/{waiting['id']}/approve", headers=carol_approves)
    assert own.status_code == 403
    assert "four-eyes" in own.json()["detail"] and carol in own.json()["detail"]

    other = api.post(f"/api/v1/runs/{waiting['id']}/approve", json={"content_sha256": waiting["content_sha256"]},
                     headers=keys.approver)
    assert other.status_code == 200, other.text
    with session_scope() as session:
        approval = session.scalar(select(Approval).where(Approval.run_id == uuid.UUID(waiting["id"])))
        assert approval.approver_principal_id != waiting["requested_by_principal_id"]
        assert approval.content_sha256 == waiting["content_sha256"]


def test_an_approval_of_another_bundle_hash_is_refused(api, workers, keys):
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "hash-logs"),
                      headers=keys.requester).json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval" and len(run["content_sha256"]) == 64
    stale = api.post(f"/api/v1/runs/{run_id}/approve", json={"content_sha256": "0" * 64}, headers=keys.approver)
    assert stale.status_code == 409
    assert run["content_sha256"] in stale.json()["detail"]
    assert api.get(f"/api/v1/runs/{run_id}", headers=keys.viewer).json()["approvals"] == []
    assert api.post(f"/api/v1/runs/{run_id}/reject", headers=keys.approver).status_code == 200


def test_keys_for_yourself_or_by_an_admin_for_others_audited(api, keys):
    dave = _principal(api, keys, "requester")
    dave_key = _key(api, keys.admin, f"{dave}-1", principal=dave)

    other = api.post("/api/v1/keys", json={"name": f"{dave}-sneaky", "principal": "someone-else"}, headers=dave_key)
    assert other.status_code == 403 and "admin" in other.json()["detail"]
    wider = api.post("/api/v1/keys", json={"name": f"{dave}-wide", "role": "approver"}, headers=dave_key)
    assert wider.status_code == 403 and "requester" in wider.json()["detail"]
    second = api.post("/api/v1/keys", json={"name": f"{dave}-2", "role": "viewer"}, headers=dave_key)
    assert second.status_code == 201 and second.json()["principal"] == dave and second.json()["role"] == "viewer"
    narrowed = {"X-API-Key": second.json()["key"]}
    assert api.post("/api/v1/requests", json=PRIVATE_LOGS_BUCKET, headers=narrowed).status_code == 403
    assert api.post("/api/v1/keys", json={"name": f"{dave}-3", "role": "requester"}, headers=narrowed).status_code == 403

    mine = api.get("/api/v1/keys", headers=dave_key).json()
    assert {k["name"] for k in mine} == {f"{dave}-1", f"{dave}-2"}
    everyone = {k["name"] for k in api.get("/api/v1/keys", headers=keys.admin).json()}
    assert {f"{dave}-1", f"{dave}-2"} < everyone
    assert api.get("/api/v1/principals", headers=dave_key).status_code == 403
    assert dave in {p["name"] for p in api.get("/api/v1/principals", headers=keys.admin).json()}

    admin_keys = api.get("/api/v1/keys", headers=keys.admin).json()
    not_daves = next(k for k in admin_keys if k["principal"] != dave)
    assert api.post(f"/api/v1/keys/{not_daves['id']}/revoke", headers=dave_key).status_code == 404
    revoked = api.post(f"/api/v1/keys/{second.json()['id']}/revoke", headers=dave_key)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert api.get("/api/v1/runs", headers=narrowed).status_code == 401

    with session_scope() as session:
        audited = session.execute(select(AuditLog.actor, AuditLog.action, AuditLog.detail)
                                  .where(AuditLog.action.in_(["api_key.create", "api_key.revoke"]))).all()
    by_admin = [d for actor, action, d in audited if action == "api_key.create" and d["name"] == f"{dave}-1"]
    assert len(by_admin) == 1 and by_admin[0]["principal"] == dave
    assert any(actor == dave and d["name"] == f"{dave}-2" for actor, action, d in audited if action == "api_key.revoke")


def test_a_disabled_principal_loses_every_key(api, keys):
    erin = _principal(api, keys, "requester")
    first, second = _key(api, keys.admin, f"{erin}-1", principal=erin), _key(api, keys.admin, f"{erin}-2", principal=erin)
    assert api.get("/api/v1/runs", headers=first).status_code == 200
    erin_id = next(p["id"] for p in api.get("/api/v1/principals", headers=keys.admin).json() if p["name"] == erin)
    assert api.post(f"/api/v1/principals/{erin_id}/disable", headers=first).status_code == 403
    disabled = api.post(f"/api/v1/principals/{erin_id}/disable", headers=keys.admin)
    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    assert api.get("/api/v1/runs", headers=first).status_code == 401
    assert api.get("/api/v1/runs", headers=second).status_code == 401


def test_idempotency_keys_are_scoped_to_the_principal_and_the_body(api, keys):
    key = f"k-{uuid.uuid4()}"
    body = with_stack(PRIVATE_LOGS_BUCKET, "idem-scope-logs")
    first = api.post("/api/v1/requests", json=body, headers={**keys.requester, "Idempotency-Key": key})
    again = api.post("/api/v1/requests", json=body, headers={**keys.requester, "Idempotency-Key": key})
    assert first.status_code == 202 and again.status_code == 200 and again.json()["id"] == first.json()["id"]

    theirs = api.post("/api/v1/requests", json=body, headers={**keys.other_requester, "Idempotency-Key": key})
    assert theirs.status_code == 202 and theirs.json()["id"] != first.json()["id"]
    assert theirs.json()["requested_by"] != first.json()["requested_by"]

    changed = with_stack(PRIVATE_LOGS_BUCKET, "idem-scope-other")
    conflict = api.post("/api/v1/requests", json=changed, headers={**keys.requester, "Idempotency-Key": key})
    assert conflict.status_code == 422
    assert key in conflict.json()["detail"] and "different request body" in conflict.json()["detail"]
    assert first.json()["id"] in conflict.json()["detail"]


def test_summarize_is_refused_as_a_run_with_what_to_use(api, keys):
    body = {"persona": "sre", "intent": {"action": "summarize", "cloud": "aws", "region": "ap-northeast-2",
                                          "stack": "sre-summary"}}
    refused = api.post("/api/v1/requests", json=body, headers=keys.requester)
    assert refused.status_code == 422
    assert "summarize" in refused.json()["detail"] and "query" in refused.json()["detail"]


def test_destroy_is_a_run_of_the_stack_without_an_app(api, keys):
    bucket_stack = with_stack(PRIVATE_LOGS_BUCKET, "destroy-logs")
    destroy = {**bucket_stack, "intent": {**bucket_stack["intent"], "action": "destroy"}}
    accepted = api.post("/api/v1/requests", json=destroy, headers=keys.requester)
    assert accepted.status_code == 202 and accepted.json()["intent"]["action"] == "destroy"

    from tests.scenarios import EKS_NGINX_ARGOCD

    with_app = {**EKS_NGINX_ARGOCD, "intent": {**EKS_NGINX_ARGOCD["intent"], "action": "destroy"}}
    refused = api.post("/api/v1/requests", json=with_app, headers=keys.requester)
    assert refused.status_code == 422 and "leave out 'app'" in refused.json()["detail"]
