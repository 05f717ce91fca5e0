"""Importing what exists into the graph: Terraform state (modules, count, for_each),
`terraform show -json`, a kubectl list; idempotent; bad files refused with nothing written."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shared import graph
from shared.contracts import GraphImportRequest
from shared.graph import GraphEdge, GraphNode, get_driver

from services.rag.graph.imports import GraphImportError, import_graph, parse

from tests.rag.conftest import FIXTURES, account, fixture_text, import_file, stack_target, unique_stack


def _count(acct: str) -> tuple[int, int]:
    records = get_driver().execute_query(
        "MATCH (n:Infra) WHERE n.uid CONTAINS $a OPTIONAL MATCH (n)-[r]->() RETURN count(DISTINCT n) AS n, count(r) AS r",
        a=acct).records
    return records[0]["n"], records[0]["r"]


def test_state_with_modules_count_and_for_each_becomes_typed_nodes(graph_session):
    acct = account(11)
    result = import_graph(GraphImportRequest(content=fixture_text("eks-stack.tfstate.json"), account=acct))
    assert result.format == "terraform-state" and not result.error
    assert result.kinds == {"CloudAccount": 1, "Region": 1, "VPC": 1, "Subnet": 3, "SecurityGroup": 2,
                            "SecurityGroupRule": 1, "Database": 1, "Cluster": 1, "NodeGroup": 1, "Bucket": 2,
                            "Stack": 1}
    vpc = f"aws:{acct}:ap-northeast-2:vpc:vpc-0a1b2c3d4e5f60001"
    around = graph.neighbours(vpc)
    links = {(l["type"], l["node"]["name"]) for l in around["links"]}
    assert ("HAS_SUBNET", "demo-eks-private-ap-northeast-2a") in links  # count = 0
    assert ("HAS_SECURITY_GROUP", "orders-db") in links
    assert ("IN_VPC", "demo-eks") in links
    assert around["node"]["environment"] == "dev" and around["node"]["stack"] == "demo-eks"
    buckets = get_driver().execute_query(
        "MATCH (b:Bucket) WHERE b.account = $a RETURN b.name AS name, b.address AS address ORDER BY name", a=acct).records
    assert [(r["name"], r["address"]) for r in buckets] == [  # for_each keys kept in the address
        ("demo-eks-app-logs", 'aws_s3_bucket.logs["app"]'), ("demo-eks-audit-logs", 'aws_s3_bucket.logs["audit"]')]
    rules = get_driver().execute_query(
        "MATCH (:Database {name: 'orders', account: $a})-[:USES_SECURITY_GROUP]->(:SecurityGroup)-[:HAS_RULE]->(r) "
        "RETURN r.cidrs AS cidrs, r.from_port AS port", a=acct).records
    assert [(r["cidrs"], r["port"]) for r in rules] == [(["0.0.0.0/0"], 5432)]


def test_importing_the_same_state_twice_changes_nothing(graph_session):
    acct = account(12)
    request = GraphImportRequest(content=fixture_text("eks-stack.tfstate.json"), account=acct)
    first = import_graph(request)
    before = _count(acct)
    second = import_graph(request)
    assert first.nodes_created > 0 and second.nodes_created == 0 and second.relationships_created == 0
    assert _count(acct) == before


def test_terraform_show_json_is_read_through_child_modules(graph_session):
    acct = account(13)
    result = import_graph(GraphImportRequest(content=fixture_text("eks-stack.show.json"), account=acct))
    assert result.format == "terraform-show"
    assert result.kinds["VPC"] == 1 and result.kinds["Subnet"] == 1 and result.kinds["Bucket"] == 1
    subnet = graph.neighbours(f"aws:{acct}:eu-west-1:subnet:subnet-0show0000000001")
    assert subnet["node"]["tier"] == "private" and subnet["node"]["address"] == "module.vpc.aws_subnet.private[0]"


def test_kubectl_list_links_pods_through_replicasets_and_services_by_selector(graph_session):
    acct = account(14)
    import_graph(GraphImportRequest(content=fixture_text("eks-stack.tfstate.json"), account=acct))
    cluster = f"aws:{acct}:ap-northeast-2:cluster:demo-eks"
    stack = stack_target(unique_stack("shop"))
    result = import_graph(GraphImportRequest(content=fixture_text("shop.kubectl.json"), cluster=cluster, stack=stack))
    assert result.format == "kubernetes"
    assert result.kinds == {"Cluster": 1, "Namespace": 1, "Workload": 2, "Pod": 3, "Service": 2, "Stack": 1}
    nginx = graph.neighbours(f"k8s:{cluster}/shop/Deployment/nginx")
    pods = sorted(l["node"]["name"] for l in nginx["links"] if l["type"] == "HAS_POD")
    assert pods == ["nginx-7c9d8b6f5-abcde", "nginx-7c9d8b6f5-fghij"]
    assert ("SELECTS", "nginx") in {(l["type"], l["node"]["name"]) for l in nginx["links"] if not l["outgoing"]}
    service = graph.neighbours(f"k8s:{cluster}/shop/Service/nginx")["node"]
    assert service["service_type"] == "LoadBalancer" and service["public"] is True
    running = graph.workloads_on_security_groups(["sg-0c10000000000001"])
    assert {(w["namespace"], w["name"]) for w in running if acct in w["uid"]} == {("shop", "nginx"), ("shop", "checkout")}


@pytest.mark.parametrize(("text", "cluster", "fragment"), [
    ('{"version": 4, "resources": [', "", "is not JSON: Expecting value at line 1"),
    ('{"version": 3, "resources": []}', "", "only version 4"),
    ('{"kind": "ConfigMap", "metadata": {"name": "x"}}', "", "unrecognised file"),
    ('{"hello": "world"}', "", "unrecognised file"),
    ('{"version": 4, "resources": []}', "", "no managed resources"),
    ('{"version": 4, "resources": [{"mode": "managed", "type": "aws_subnet", "name": "x", '
     '"instances": [{"attributes": {"id": "subnet-1"}}]}]}', "", "malformed entry .*vpc_id"),
    ('{"kind": "List", "items": []}', "", "cluster it was read from"),
    ('{"kind": "List", "items": [{"kind": "Pod", "metadata": {}}]}', "c1", r"items\[0\] has no kind or metadata.name"),
])
def test_bad_files_are_refused_with_what_to_fix(text, cluster, fragment):
    with pytest.raises(GraphImportError, match=fragment):
        parse(GraphImportRequest(content=text, filename="bad.json", cluster=cluster))


def test_a_write_that_fails_leaves_nothing_half_written(graph_session):
    acct = account(15)
    nodes = [GraphNode("VPC", f"aws:{acct}:x:vpc:vpc-half", {"name": "half"})]
    with pytest.raises(ValueError, match="unknown relationship type"):
        graph.write_graph(nodes, [GraphEdge("NOT_A_TYPE", nodes[0].uid, nodes[0].uid)])
    assert _count(acct) == (0, 0)


def test_import_over_http_then_neighbours_and_a_clear_422(api, workers, keys, graph_session):
    acct = account(16)
    text = fixture_text("eks-stack.tfstate.json")
    response = import_file(api, keys.requester, "terraform.tfstate", text, account=acct)
    assert response.status_code == 200, response.text
    assert response.json()["kinds"]["VPC"] == 1
    again = import_file(api, keys.requester, "terraform.tfstate", text, account=acct)
    assert again.json()["nodes_created"] == 0
    bad = import_file(api, keys.requester, "broken.tfstate", text[:200], account=acct)
    assert bad.status_code == 422 and "broken.tfstate is not JSON" in bad.json()["detail"]
    vpc = api.get("/api/v1/graph/neighbours", params={"id": f"aws:{acct}:ap-northeast-2:vpc:vpc-0a1b2c3d4e5f60001"},
                  headers=keys.viewer)
    assert vpc.status_code == 200 and len(vpc.json()["links"]) >= 5
    missing = api.get("/api/v1/graph/neighbours", params={"id": "aws:nope"}, headers=keys.viewer)
    assert missing.status_code == 404


def test_cli_graph_import(workers, graph_session, tmp_path):
    from services.gateway.cli import app

    acct = account(17)
    path = tmp_path / "shop.json"
    path.write_text(fixture_text("shop.kubectl.json"))
    result = CliRunner().invoke(app, ["graph", "import", str(path), "--cluster", f"k8s-{acct}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kinds"]["Workload"] == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1,")
    result = CliRunner().invoke(app, ["graph", "import", str(bad)])
    assert result.exit_code == 1 and "not JSON" in result.output
