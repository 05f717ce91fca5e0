"""A run through every queue: five worker processes, real stores, real checkov."""

from __future__ import annotations

import json
import subprocess

import redis

from shared.graph import get_driver
from shared.queues import CHAIN_APPLY, CHAIN_PLAN

from tests.conftest import TEST_ENV, wait_for_status
from tests.scenarios import EKS_NGINX_ARGOCD, PUBLIC_WEBSITE_BUCKET, ROOT_POD, with_stack

PLAN_STEPS = [task.value for task in CHAIN_PLAN]
ALL_STEPS = PLAN_STEPS + [task.value for task in CHAIN_APPLY]


def _assert_ran_on_its_queue(steps: list[dict]) -> None:
    for step in steps:
        service = step["name"].split(".")[0]
        assert step["queue"] == service, step
        assert step["worker"].startswith(f"{service}@"), step


def test_eks_nginx_argocd_runs_through_every_queue_and_waits_for_four_eyes(api, workers, keys):
    response = api.post("/api/v1/requests", json=EKS_NGINX_ARGOCD, headers=keys.requester)
    assert response.status_code == 202, response.text
    run_id = response.json()["id"]

    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval", run
    assert [step["name"] for step in run["steps"]] == PLAN_STEPS
    assert all(step["status"] == "succeeded" for step in run["steps"] if step["name"] != "terraform.plan"), run["steps"]
    _assert_ran_on_its_queue(run["steps"])
    assert run["verdict"] == "passed"
    assert not [f for f in run["findings"] if f["blocking"]]
    paths = {artifact["path"] for artifact in run["artifacts"]}
    assert "terraform/main.tf" in paths
    assert any(path.startswith("kubernetes/nginx/") for path in paths)
    assert run["change"]["provider"] == "local-git"

    own = api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.requester)
    assert own.status_code == 403  # a requester cannot approve (role), let alone their own run
    approved = api.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "lgtm"}, headers=keys.approver)
    assert approved.status_code == 200, approved.text
    again = api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.approver)
    assert again.status_code == 409

    run = wait_for_status(api, keys.viewer, run_id, {"succeeded", "not_applied", "failed"})
    assert run["status"] == "not_applied", run  # no cluster here: never reported as succeeded
    assert [step["name"] for step in run["steps"]] == ALL_STEPS
    _assert_ran_on_its_queue(run["steps"])
    by_name = {step["name"]: step for step in run["steps"]}
    assert by_name["terraform.plan"]["status"] == "skipped"
    assert "MCP_TERRAFORM_BINARY" in by_name["terraform.plan"]["detail"]
    for skipped in ("github.dispatch_workflow", "github.await_run", "terraform.apply", "k8s.deploy", "k8s.await_rollout"):
        assert by_name[skipped]["status"] == "skipped", by_name[skipped]
        assert by_name[skipped]["detail"], "a skipped step says why"
    assert "nothing applied" in by_name["k8s.deploy"]["detail"]
    assert by_name["rag.record_graph"]["status"] == "succeeded"
    assert all(step["executions"] == 1 for step in run["steps"])
    assert "not applied" in run["report"]["text"]
    assert "pods Running" not in run["report"]["text"]
    assert [a["decision"] for a in run["approvals"]] == ["approved"]

    records, _, _ = get_driver().execute_query(  # proposed, never observed: no Workload node (issue 9 item 7)
        "MATCH (r:Run {uid: $uid})-[:TARGETS]->(s:Stack) OPTIONAL MATCH (r)-[:PROPOSES]->(p:Proposal) "
        "OPTIONAL MATCH (r)-[:APPLIED]->(w:Workload) "
        "RETURN s.target AS target, collect(DISTINCT p.kind + ' ' + p.name) AS proposed, count(w) AS observed",
        uid=f"run:{run_id}",
    )
    assert "Workload nginx" in records[0]["proposed"] and records[0]["observed"] == 0

    repo = run["change"]["repository"]
    merged = subprocess.run(["git", "--git-dir", repo, "ls-tree", "-r", "--name-only", "main"],
                            capture_output=True, text=True, check=True).stdout.split()
    assert "kubernetes/gitops/argocd-application.yaml" in merged


def test_run_events_stream_live_every_step_then_end_and_replay_later(api, workers, keys):
    run_id = api.post("/api/v1/requests", json=with_stack(PUBLIC_WEBSITE_BUCKET, "website-events"),
                      headers=keys.requester).json()["id"]
    with api.stream("GET", f"/api/v1/runs/{run_id}/events", headers=keys.viewer) as stream:  # while it runs
        events = [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]
    with api.stream("GET", f"/api/v1/runs/{run_id}/events", headers=keys.viewer) as stream:  # after it ended
        replayed = [json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:")]
    assert replayed == events
    kinds = [(event["event"], event.get("step"), event.get("status")) for event in events]
    assert ("step.finished", "policy.validate", "blocked") in kinds
    assert kinds[-1] == ("run.status", None, "blocked")
    started = [step for kind, step, _ in kinds if kind == "step.started"]
    assert started == ["rag.retrieve", "terraform.generate", "policy.validate"]


def test_public_bucket_is_blocked_with_checkov_ids_and_opens_nothing(api, workers, keys):
    response = api.post("/api/v1/requests", json=PUBLIC_WEBSITE_BUCKET, headers=keys.requester)
    run_id = response.json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"blocked", "awaiting_approval", "failed"})
    assert run["status"] == "blocked", run
    blocking = [f for f in run["findings"] if f["blocking"]]
    assert {f["guardrail_id"] for f in blocking} >= {"GR-S3-PUBLIC"}
    s3 = [f for f in blocking if f["guardrail_id"] == "GR-S3-PUBLIC"]
    assert any(f["check_id"].startswith("CKV_AWS_") for f in s3), s3
    assert all(f["file"].endswith(".tf") and f["line_start"] > 0 for f in s3), s3
    assert [step["name"] for step in run["steps"]] == PLAN_STEPS[:3]  # github.open_pr never ran
    assert run["change"] is None
    assert api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.approver).status_code == 409
    # the policy worker shared its Terraform scan with the other policy processes
    shared = redis.Redis.from_url(TEST_ENV["MCP_REDIS_URL"]).keys("policy:scan:*:terraform:*")
    assert shared, "no scan result shared in Redis"


def test_root_pod_is_blocked_before_any_kubernetes_call(api, workers, keys):
    run_id = api.post("/api/v1/requests", json=ROOT_POD, headers=keys.requester).json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"blocked", "awaiting_approval", "failed"})
    assert run["status"] == "blocked", run
    assert {"GR-K8S-ROOT", "GR-K8S-PRIVILEGED"} <= {f["guardrail_id"] for f in run["findings"] if f["blocking"]}
    assert not any(step["name"].startswith("k8s.") for step in run["steps"])
