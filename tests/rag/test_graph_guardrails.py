"""Graph-aware guardrails through the real pipeline (runs and POST /api/v1/validate):
each one passes and fails on the graph it reads, and a graph that cannot be read fails closed."""

from __future__ import annotations

import json

import pytest
from neo4j import GraphDatabase

from shared.examples import request_body

from tests.conftest import free_port, wait_for_status
from tests.rag.conftest import account, fixture_text, import_file, stack_target, unique_stack

DONE = {"awaiting_approval", "blocked", "failed"}


def _import_state(api, keys, acct: str, stack: str, **replace: str) -> None:
    text = fixture_text("eks-stack.tfstate.json", **replace)
    response = import_file(api, keys.requester, "terraform.tfstate", text, account=acct, stack=stack_target(stack),
                           role="desired")
    assert response.status_code == 200, response.text


def _run(api, keys, intent: dict) -> dict:
    run_id = api.post("/api/v1/requests", json={"persona": "devops", "intent": intent}, headers=keys.requester).json()["id"]
    return wait_for_status(api, keys.viewer, run_id, DONE, timeout=300)


def _graph_findings(run: dict, guardrail: str) -> list[dict]:
    return [f for f in run["findings"] if f["guardrail_id"] == guardrail]


def _exposed_app(stack: str) -> dict:
    return {"action": "deploy", "cloud": "aws", "platform": "eks", "region": "ap-northeast-2", "stack": stack,
            "app": {"name": "shop", "image": "nginxinc/nginx-unprivileged", "tag": "1.27.3", "port": 8080,
                    "namespace": "shop", "expose": True}}


@pytest.mark.timeout(900)
def test_public_entry_point_in_a_vpc_with_an_open_database(api, workers, keys, graph_session):
    open_stack, closed_stack = unique_stack("lb-open"), unique_stack("lb-closed")
    _import_state(api, keys, account(21), open_stack)
    _import_state(api, keys, account(22), closed_stack, **{'"cidr_blocks": ["0.0.0.0/0"]': '"cidr_blocks": ["10.0.0.0/16"]'})

    blocked = _run(api, keys, _exposed_app(open_stack))
    assert blocked["status"] == "blocked", blocked["steps"]
    [finding] = _graph_findings(blocked, "GR-GRAPH-PUBLIC-LB-OPEN-DB")
    assert finding["blocking"] and finding["resource"] == "Ingress shop"
    assert "database orders" in finding["message"] and "sg-0db0000000000001" in finding["message"]
    assert "GR-GRAPH-PUBLIC-LB-OPEN-DB" in {s["name"]: s for s in blocked["steps"]}["policy.validate"]["detail"]

    passed = _run(api, keys, _exposed_app(closed_stack))
    assert passed["status"] == "awaiting_approval", passed["steps"]
    assert not _graph_findings(passed, "GR-GRAPH-PUBLIC-LB-OPEN-DB")


@pytest.mark.timeout(900)
def test_deleting_a_vpc_another_stack_runs_in(api, workers, keys, graph_session):
    acct = account(23)
    owner, tenant = unique_stack("net-owner"), unique_stack("net-tenant")
    _import_state(api, keys, acct, owner)
    tenant_state = {"version": 4, "resources": [{
        "mode": "managed", "type": "aws_eks_cluster", "name": "this", "instances": [{"attributes": {
            "arn": f"arn:aws:eks:ap-northeast-2:{acct}:cluster/team-b", "id": "team-b", "name": "team-b",
            "version": "1.31", "vpc_config": [{"subnet_ids": ["subnet-0aa0000000000001", "subnet-0aa0000000000002"]}]}}]}]}
    response = import_file(api, keys.requester, "tenant.tfstate", json.dumps(tenant_state), account=acct,
                           stack=stack_target(tenant), role="desired")
    assert response.status_code == 200, response.text

    buckets_only = {"action": "provision", "cloud": "aws", "region": "ap-northeast-2", "stack": owner,
                    "buckets": [{"name": f"{owner}-app-logs"[:60], "purpose": "logs"}]}
    blocked = _run(api, keys, buckets_only)
    assert blocked["status"] == "blocked", blocked["steps"]
    findings = _graph_findings(blocked, "GR-GRAPH-DEPENDENCY-DELETE")
    assert {f["resource"] for f in findings} >= {"Subnet demo-eks-private-ap-northeast-2a"}
    assert all("Cluster team-b (stack " + stack_target(tenant) + ")" in f["message"] for f in findings)

    keeps_cluster = {"action": "provision", "cloud": "aws", "platform": "eks", "region": "ap-northeast-2",
                     "stack": owner, "cluster": {"name": "demo-eks"},
                     "buckets": [{"name": "demo-eks-app-logs"}, {"name": "demo-eks-audit-logs"}]}
    passed = _run(api, keys, keeps_cluster)
    assert not _graph_findings(passed, "GR-GRAPH-DEPENDENCY-DELETE"), passed["findings"]
    assert passed["status"] == "awaiting_approval", passed["steps"]


def _rule(sg_id: str, cidr: str) -> dict[str, str]:
    return {"main.tf": f'''
resource "aws_security_group_rule" "https_in" {{
  type              = "ingress"
  description       = "https"
  security_group_id = "{sg_id}"
  from_port         = 443
  to_port           = 443
  protocol          = "tcp"
  cidr_blocks       = ["{cidr}"]
}}
'''}


@pytest.mark.timeout(600)
def test_opening_a_port_on_a_security_group_names_the_workloads_behind_it(api, workers, keys, graph_session):
    acct = account(24)
    sg = f"sg-0b{acct[-8:]}000000"
    _import_state(api, keys, acct, unique_stack("blast"), **{"sg-0c10000000000001": sg})
    cluster = f"aws:{acct}:ap-northeast-2:cluster:demo-eks"
    response = import_file(api, keys.requester, "shop.json", fixture_text("shop.kubectl.json"), cluster=cluster)
    assert response.status_code == 200, response.text

    open_rule = api.post("/api/v1/validate", json={"files": _rule(sg, "0.0.0.0/0")}, headers=keys.requester)
    assert open_rule.status_code == 200, open_rule.text
    verdict = open_rule.json()
    [finding] = [f for f in verdict["findings"] if f["guardrail_id"] == "GR-GRAPH-SG-BLAST-RADIUS"]
    assert verdict["status"] == "blocked" and finding["blocking"]
    assert f"on security group {sg}, which 2 running workloads use: shop/checkout, shop/nginx" in finding["message"]

    internal = api.post("/api/v1/validate", json={"files": _rule(sg, "10.20.0.0/16")}, headers=keys.requester).json()
    [finding] = [f for f in internal["findings"] if f["guardrail_id"] == "GR-GRAPH-SG-BLAST-RADIUS"]
    assert not finding["blocking"] and "2 running workloads" in finding["message"]

    unused = api.post("/api/v1/validate", json={"files": _rule("sg-0ffffffffffffff00", "0.0.0.0/0")},
                      headers=keys.requester).json()
    assert not [f for f in unused["findings"] if f["guardrail_id"] == "GR-GRAPH-SG-BLAST-RADIUS"]


def test_a_graph_that_cannot_be_read_fails_closed(monkeypatch):
    from shared import graph
    from shared.contracts import DeploymentIntent, GuardrailVerdict

    from services.policy.graph_checks import GraphCheckUnavailable, apply_graph_guardrails

    dead = GraphDatabase.driver(f"bolt://127.0.0.1:{free_port()}", auth=("neo4j", "x"), connection_timeout=1,
                                max_transaction_retry_time=0)
    monkeypatch.setattr(graph, "get_driver", lambda: dead)
    intent = DeploymentIntent.model_validate(_exposed_app(unique_stack("dead")))
    verdict = GuardrailVerdict(status="passed", persona="devops")
    files = {"kubernetes/shop/ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n"}
    with pytest.raises(GraphCheckUnavailable, match="GR-GRAPH-PUBLIC-LB-OPEN-DB"):
        apply_graph_guardrails(verdict, files, intent)
