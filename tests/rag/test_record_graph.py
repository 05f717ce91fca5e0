"""`rag.record_graph`: a run proposes; only an observed apply or rollout makes things exist.
Drift: what a stack desires against what was observed, in the API and in the report."""

from __future__ import annotations

import uuid

from shared.contracts import (
    DeployResult, DeploymentIntent, PodStatus, RolloutResult, RunMessage, TerraformRun,
)
from shared.examples import request_body
from shared.graph import drift_report, get_driver

from services.rag.graph_recorder import record_run
from services.rag.report import compose_report

from tests.rag.conftest import ACCOUNT, fixture_text, import_file, stack_target, unique_stack


def _message(stack: str, **update) -> RunMessage:
    intent = DeploymentIntent.model_validate(request_body("eks-nginx-argocd", stack=stack)["intent"])
    message = RunMessage(run_id=uuid.uuid4(), persona="devops", requested_by="tests", intent=intent)
    return message.model_copy(update=update)


def _exists(kind: str, stack: str) -> list[str]:
    records = get_driver().execute_query(
        f"MATCH (n:Infra:{kind}) WHERE n.stack = $stack RETURN n.name AS name ORDER BY name", stack=stack).records
    return [r["name"] for r in records]


def test_a_run_that_applied_nothing_only_proposes(graph_session):
    stack = unique_stack("proposed")
    message = _message(stack, deploy=DeployResult(mode="gitops", applied=False, message="nothing applied"))
    record = record_run(message)
    assert record.proposed == ["Cluster mcp-eks", "VPC mcp-eks", "Workload nginx"] and record.observed == []
    assert _exists("Cluster", stack) == [] and _exists("Workload", stack) == [] and _exists("VPC", stack) == []
    proposals = get_driver().execute_query(
        "MATCH (:Run {uid: $run})-[:PROPOSES]->(p:Proposal) RETURN p.kind AS kind, p.state AS state ORDER BY kind",
        run=f"run:{message.run_id}").records
    assert [(p["kind"], p["state"]) for p in proposals] == [("Cluster", "proposed"), ("VPC", "proposed"),
                                                             ("Workload", "proposed")]
    again = record_run(message)
    assert (again.nodes_written, again.relationships_written) == (0, 0)  # recording twice changes nothing


def test_an_observed_apply_and_rollout_create_nodes_and_drift_shows_a_later_scale_down(api, keys, workers,
                                                                                      graph_session):
    stack = unique_stack("observed")
    target = stack_target(stack)
    pods = [PodStatus(name=f"nginx-{i}", phase="Running", ready=True) for i in range(3)]
    message = _message(
        stack, infrastructure=TerraformRun(ran=True, message="Apply complete! Resources: 41 added"),
        deploy=DeployResult(mode="direct", applied=True, message="applied 3 objects"),
        rollout=RolloutResult(observed=True, message="3/3 ready", pods=pods))
    record = record_run(message)
    assert record.observed == ["Cluster mcp-eks", "Workload nginx"]
    assert _exists("Cluster", stack) == ["mcp-eks"] and _exists("Workload", stack) == ["nginx"]
    assert record.drift is not None and record.drift.items == []  # as desired, as observed

    # Later, someone scaled it to one replica by hand: a kubectl read shows it.
    cluster = f"aws:{ACCOUNT}:ap-northeast-2:cluster:mcp-eks"
    listing = fixture_text("shop.kubectl.json", **{'"namespace": "shop"': '"namespace": "web"',
                                                   '"replicas": 2': '"replicas": 1'})
    imported = import_file(api, keys.requester, "web.json", listing, cluster=cluster, stack=target)
    assert imported.status_code == 200, imported.text
    drift = api.get("/api/v1/graph/drift", params={"stack": target}, headers=keys.viewer)
    assert drift.status_code == 200, drift.text
    items = {(i["kind"], i["name"], i["status"]) for i in drift.json()["items"]}
    assert ("Workload", "nginx", "changed") in items and ("Workload", "checkout", "unmanaged") in items
    [changed] = [i for i in drift.json()["items"] if i["status"] == "changed"]
    assert "replicas: desired 3, observed 1" in changed["detail"]

    later = record.model_copy(update={"drift": drift_report(target)})
    report, done = compose_report(message.model_copy(update={"graph": later}))
    assert "Drift in " + target in report.text and "replicas: desired 3, observed 1" in report.text
    assert any(f.startswith("drift: Workload nginx changed") for f in report.graph_facts)
    assert api.get("/api/v1/graph/drift", params={"stack": "aws/x/dev/none"}, headers=keys.viewer).status_code == 404
