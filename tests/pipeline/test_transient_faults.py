"""A transient fault is retried with backoff; when it persists the run fails saying why."""

from __future__ import annotations

from contextlib import contextmanager

from tests.conftest import free_port, wait_for_status
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack


@contextmanager
def _without_neo4j(workers, service: str):
    """`service`'s worker pointed at a port nothing serves, with two retries; restored after."""
    workers.restart(service, MCP_NEO4J_URI=f"bolt://127.0.0.1:{free_port()}", MCP_STEP_RETRY_MAX="2")
    try:
        yield
    finally:
        workers.restart(service)


def test_neo4j_down_during_record_graph_is_retried_then_fails_the_run_clearly(api, workers, keys):
    with _without_neo4j(workers, "rag"):
        run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-no-graph"),
                          headers=keys.requester).json()["id"]
        assert wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "failed"})["status"] == "awaiting_approval"
        api.post(f"/api/v1/runs/{run_id}/approve", headers=keys.approver).raise_for_status()
        run = wait_for_status(api, keys.viewer, run_id, {"succeeded", "not_applied", "failed"}, timeout=120)
    assert run["status"] == "failed"
    graph = next(step for step in run["steps"] if step["name"] == "rag.record_graph")
    assert graph["status"] == "failed" and graph["attempts"] == 3  # the first try and two retries
    assert "after 2 retries" in graph["detail"], graph
    assert "rag.record_graph" in run["error"]
    assert "rag.report" not in [step["name"] for step in run["steps"]]


def test_graph_guardrails_without_neo4j_are_retried_then_fail_the_run_naming_them(api, workers, keys):
    """An unreadable graph is a store outage, not a verdict: retried, and never a pass."""
    with _without_neo4j(workers, "policy"):
        run_id = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, "logs-no-graph-guardrails"),
                          headers=keys.requester).json()["id"]
        run = wait_for_status(api, keys.viewer, run_id, {"awaiting_approval", "blocked", "failed"}, timeout=180)
    assert run["status"] == "failed"
    validate = next(step for step in run["steps"] if step["name"] == "policy.validate")
    assert validate["status"] == "failed" and validate["attempts"] == 3  # the first try and two retries
    assert "after 2 retries" in validate["detail"] and "could not read the graph" in validate["detail"], validate
    assert "GR-GRAPH-" in run["error"]
    assert "terraform.plan" not in [step["name"] for step in run["steps"]]
