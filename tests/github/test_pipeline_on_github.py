"""The seed request with a GitHub token pointed at the contract server: a pull request, an
approval, a dispatched workflow that completes, the webhook that ends the wait, and the
log summary in the report. Real gateway process, five worker processes, real stores."""

from __future__ import annotations

import time

import httpx
import pytest

from services.github.workflow_template import TEMPLATE, WORKFLOW_PATH

from tests.conftest import gateway_server, wait_for_status
from tests.github.contract import REPOSITORY, TOKEN
from tests.scenarios import EKS_NGINX_ARGOCD, PRIVATE_LOGS_BUCKET, with_stack

SECRET = "pipeline-webhook-secret"


def github_worker_env(server_url: str) -> dict[str, str]:
    return {"MCP_GITHUB_API_URL": server_url, "MCP_GITHUB_REPOSITORY": REPOSITORY, "MCP_GITHUB_TOKEN": TOKEN,
            "MCP_GITHUB_SECONDS_BETWEEN_REQUESTS": "0", "MCP_GITHUB_SECONDS_BETWEEN_WRITES": "0",
            # A long poll interval: only the webhook can end the wait early.
            "MCP_POLL_INTERVAL_SECONDS": "30", "MCP_GITHUB_POLL_MAX_INTERVAL_S": "30"}


@pytest.fixture
def github_worker(workers, contract_server):
    workers.restart("github", **github_worker_env(contract_server.url))
    try:
        yield workers
    finally:
        workers.restart("github")  # back to the local-git default for the other tests


def _step_output(run_id: str, name: str) -> dict:
    from sqlalchemy import select

    from shared.db.models import RunStep
    from shared.db.session import session_scope

    with session_scope() as session:
        return session.scalar(select(RunStep.output).where(RunStep.run_id == run_id, RunStep.name == name))


def _wait(client: httpx.Client, run_id: str, statuses: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in statuses:
            return run
        assert time.monotonic() < deadline, f"run still {run['status']}: {run.get('steps')}"
        time.sleep(0.25)


def test_the_seed_request_becomes_a_pull_request_then_a_workflow_run_whose_logs_are_in_the_report(
        github_worker, contract_server, webhook_secret_config, keys):
    with gateway_server("gateway-github") as server:
        gateway = server.url
        # the run must still be going when github.await_run starts (a queue hop after the dispatch,
        # slow on a loaded machine), so that its end reaches the wait by the webhook
        contract_server.control("POST", "scenario", {"outcome": "success", "duration_s": 8.0,
                                                     "webhook_url": f"{gateway}/api/v1/webhooks/github",
                                                     "webhook_secret": SECRET})
        requester = httpx.Client(base_url=gateway, headers=keys.requester, timeout=30)
        approver = httpx.Client(base_url=gateway, headers=keys.approver, timeout=30)
        created = requester.post("/api/v1/requests", json=with_stack(EKS_NGINX_ARGOCD, "gh-eks"))
        assert created.status_code == 202, created.text
        run_id = created.json()["id"]

        run = _wait(requester, run_id, {"awaiting_approval", "blocked", "failed"})
        assert run["status"] == "awaiting_approval", run
        change = run["change"]
        assert change["provider"] == "github" and change["repository"] == REPOSITORY and change["number"] >= 1
        pr = contract_server.state()["pulls"][str(change["number"])]
        assert f"/api/v1/runs/{run_id}" in pr["body"] and "Guardrails **passed**" in pr["body"]
        assert pr["labels"][:2] == ["mcp-cloud", "persona:devops"]
        after_plan = len(contract_server.requests())

        assert approver.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "lgtm"}).status_code == 200
        run = _wait(requester, run_id, {"succeeded", "not_applied", "failed"})
        steps = {s["name"]: s for s in run["steps"]}
        assert steps["github.dispatch_workflow"]["status"] == "succeeded", steps["github.dispatch_workflow"]
        awaited = steps["github.await_run"]
        assert awaited["status"] == "succeeded", awaited.get("detail")  # the detail says why it failed
        workflow = _step_output(run_id, "github.await_run")
        assert (workflow["status"], workflow["conclusion"]) == ("completed", "success")
        assert workflow["woken_by_webhook"] is True  # the poll interval is 30 s: the webhook ended the wait
        assert workflow["logs"]["plan"] == {"to_add": 3, "to_change": 0, "to_destroy": 0, "no_changes": False}
        assert "plan: 3 to add, 0 to change, 0 to destroy" in run["report"]["text"]
        assert f"PR #{change['number']} merged" in awaited["detail"]
        state = contract_server.state()
        assert state["pulls"][str(change["number"])]["state"] == "closed"
        assert [d["status"] for d in state["deliveries"]] == [200]
        assert run["status"] == "not_applied"  # no terraform binary, no cluster here: nothing claimed beyond CI
        checked = contract_server.check_responses()
        assert checked > after_plan


def _without_ci(request: dict) -> dict:
    return {**request, "intent": {**request["intent"], "ci": "none"}}


def test_intent_ci_none_on_github_merges_the_approved_pr_and_records_both_workflow_steps_skipped_with_why(
        github_worker, contract_server, keys):
    with gateway_server("gateway-github-ci-none") as server:
        requester = httpx.Client(base_url=server.url, headers=keys.requester, timeout=30)
        approver = httpx.Client(base_url=server.url, headers=keys.approver, timeout=30)
        created = requester.post("/api/v1/requests", json=_without_ci(with_stack(PRIVATE_LOGS_BUCKET, "gh-ci-none")))
        assert created.status_code == 202, created.text
        run_id = created.json()["id"]
        assert created.json()["intent"]["ci"] == "none"

        run = _wait(requester, run_id, {"awaiting_approval", "blocked", "failed"})
        assert run["status"] == "awaiting_approval", run
        number = run["change"]["number"]
        assert WORKFLOW_PATH not in run["change"]["files"]
        assert approver.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "ok"}).status_code == 200
        run = _wait(requester, run_id, {"succeeded", "not_applied", "failed"})

    steps = {s["name"]: s for s in run["steps"]}
    dispatched, awaited = steps["github.dispatch_workflow"], steps["github.await_run"]
    assert dispatched["status"] == "skipped" and dispatched["detail"].startswith("intent.ci is none: no workflow dispatched")
    assert f"PR #{number} merged as approved" in dispatched["detail"]
    assert awaited["status"] == "skipped" and "intent.ci is none" in awaited["detail"]
    ops = [r["op"] for r in contract_server.requests()]
    assert "actions/create-workflow-dispatch" not in ops and "actions/list-workflow-runs" not in ops
    assert ops.count("pulls/merge") == 1
    assert contract_server.state()["pulls"][str(number)]["state"] == "closed"
    assert run["status"] != "failed", run["steps"]
    contract_server.check_responses()


def test_intent_ci_none_with_local_git_says_so_instead_of_blaming_missing_credentials(api, workers, keys):
    created = api.post("/api/v1/requests", json=_without_ci(with_stack(PRIVATE_LOGS_BUCKET, "lg-ci-none")),
                       headers=keys.requester)
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval" and run["change"]["provider"] == "local-git", run
    approved = api.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "ok"}, headers=keys.approver)
    assert approved.status_code == 200, approved.text
    run = wait_for_status(api, keys.viewer, run_id, {"succeeded", "not_applied", "failed"})
    steps = {s["name"]: s for s in run["steps"]}
    assert steps["github.dispatch_workflow"]["status"] == "skipped"
    assert steps["github.dispatch_workflow"]["detail"].startswith(
        "intent.ci is none: no workflow dispatched; the approved change was merged into main at ")
    assert steps["github.await_run"]["status"] == "skipped"
    assert "intent.ci is none" in steps["github.await_run"]["detail"]
