"""Pipeline steps hand their message down the chain and keep it in Postgres, not in
Celery's result backend (two writes of the whole run message per hop, read by no one);
tasks a caller waits on still return their result."""

from __future__ import annotations

import json

import redis

from shared.celery_app import _steps_store_no_result, create_celery_app
from shared.queues import STEP_ORDER
from tests.conftest import TEST_ENV, wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


def _results_naming(run_id: str) -> list[str]:
    backend = redis.Redis.from_url(TEST_ENV["MCP_RESULT_BACKEND"])
    found = []
    for key in backend.scan_iter("celery-task-meta-*"):
        value = backend.get(key)
        if value and run_id in value.decode("utf-8", "replace"):
            found.append(key.decode())
    return found


def test_step_messages_are_marked_and_rpc_messages_are_not():
    app = create_celery_app()
    assert app.conf.task_send_sent_event is False and app.conf.worker_send_task_events is False
    for name in STEP_ORDER:
        headers = {"task": name, "ignore_result": False}
        _steps_store_no_result(sender=name, headers=headers)
        assert headers["ignore_result"] is True, name
    waited = {"task": "policy.scan_files", "ignore_result": False}  # /validate waits on it
    _steps_store_no_result(sender="policy.scan_files", headers=waited)
    assert waited["ignore_result"] is False


def test_a_run_goes_through_its_chain_without_step_results(api, workers, keys):
    run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-no-results"),
                      headers=keys.requester).json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"})
    assert run["status"] == "awaiting_approval", run
    assert [step["name"] for step in run["steps"]] == list(STEP_ORDER)[:5]
    assert _results_naming(run_id) == []

    # A waited-on task still answers through the backend: /validate runs policy.scan_files.
    files = {"main.tf": 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n  acl = "public-read"\n}\n'}
    answer = api.post("/api/v1/validate", json={"files": files, "persona": "devops"}, headers=keys.requester)
    assert answer.status_code == 200, answer.text
    assert json.loads(answer.text)["status"] == "blocked"
