"""A second request in the same account/region/environment reuses the first's VPC, once
the graph has observed it (its Terraform state imported), and the run says so."""

from __future__ import annotations

import pytest

from shared.examples import request_body

from tests.conftest import wait_for_status
from tests.rag.conftest import ACCOUNT, fixture_text, import_file, stack_target, unique_stack


def _main_tf(api, headers, run_id: str) -> str:
    return api.get(f"/api/v1/runs/{run_id}/artifacts/terraform/main.tf", headers=headers).text


@pytest.mark.timeout(600)
def test_second_request_reuses_the_first_requests_vpc(api, workers, keys, graph_session):
    first_stack, second_stack = unique_stack("vpc-a"), unique_stack("vpc-b")
    first = api.post("/api/v1/requests", json=request_body("eks-nginx-argocd", stack=first_stack),
                     headers=keys.requester).json()
    run = wait_for_status(api, keys.viewer, first["id"], {"awaiting_approval", "blocked", "failed"}, timeout=300)
    assert run["status"] == "awaiting_approval", run["steps"]
    assert 'module "vpc"' in _main_tf(api, keys.viewer, first["id"])  # nothing observed yet: a new VPC

    # The first stack's VPC is applied and observed: its state is imported (tags name the stack).
    state = fixture_text("eks-stack.tfstate.json", **{"demo-eks": first_stack})
    imported = import_file(api, keys.requester, "terraform.tfstate", state, account=ACCOUNT)
    assert imported.status_code == 200, imported.text

    second = api.post("/api/v1/requests", json=request_body("eks-nginx-argocd", stack=second_stack),
                      headers=keys.requester).json()
    run = wait_for_status(api, keys.viewer, second["id"], {"awaiting_approval", "blocked", "failed"}, timeout=300)
    assert run["status"] == "awaiting_approval", run["steps"]
    main_tf = _main_tf(api, keys.viewer, second["id"])
    assert 'module "vpc"' not in main_tf
    assert 'data "aws_vpc" "existing"' in main_tf and '"vpc-0a1b2c3d4e5f60001"' in main_tf
    assert '"subnet-0aa0000000000001"' in main_tf and '"subnet-0aa0000000000002"' in main_tf
    assert "subnet-0bb0000000000001" not in main_tf  # public subnets are not for nodes
    assert "data.aws_subnets.existing_private.ids" in main_tf
    steps = {step["name"]: step for step in run["steps"]}
    assert "reuses VPC vpc-0a1b2c3d4e5f60001" in steps["rag.retrieve"]["detail"]
    assert steps["terraform.generate"]["detail"].endswith("modules aws-eks")
    paths = {a["path"] for a in run["artifacts"]}
    assert "terraform/modules/aws-vpc/main.tf" not in paths and "terraform/modules/aws-eks/main.tf" in paths

    approved = api.post(f"/api/v1/runs/{second['id']}/approve", json={"comment": "reuse"}, headers=keys.approver)
    assert approved.status_code == 200, approved.text
    run = wait_for_status(api, keys.viewer, second["id"], {"succeeded", "not_applied", "failed"}, timeout=300)
    assert run["status"] == "not_applied", run["steps"]
    report = run["report"]
    assert "Reused the observed VPC vpc-0a1b2c3d4e5f60001" in report["text"]
    assert any("observed VPC vpc-0a1b2c3d4e5f60001" in fact for fact in report["graph_facts"])
    assert "services/terraform/catalog/aws-eks/module.yaml" in report["sources"]
    assert "proposed Cluster mcp-eks, reuse of VPC vpc-0a1b2c3d4e5f60001, Workload nginx; observed nothing" in report["text"]


def test_another_environment_gets_its_own_vpc(graph_session):
    from shared.contracts import DeploymentIntent

    from services.rag.retriever import network_fact

    body = request_body("eks-nginx-argocd", stack=unique_stack("vpc-c"))
    intent = DeploymentIntent.model_validate({**body["intent"], "environment": "prod"})
    fact, notes, error = network_fact(intent)
    assert fact is None and not error
    assert "no observed VPC" in notes[0] and "/prod" in notes[0]
