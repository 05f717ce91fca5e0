"""Every text request of the scenarios through the real pipeline (gateway -> Celery workers) to its outcome."""

from __future__ import annotations

import yaml

from tests.conftest import wait_for_status
from tests.intents.labelled import SCENARIOS

REQUESTS = {item["id"]: item for item in yaml.safe_load(SCENARIOS.read_text(encoding="utf-8"))}
ENDED = {"awaiting_approval", "blocked", "failed"}


def _submit(api, keys, scenario: str, **extra):
    request = REQUESTS[scenario]
    return api.post("/api/v1/requests", json={"text": request["text"], "persona": request["persona"], **extra},
                    headers=keys.requester)


def _blocking(run: dict) -> set[str]:
    return {f["guardrail_id"] for f in run["findings"] if f["blocking"]}


def test_scenario_texts_reach_their_outcomes(api, workers, keys):
    # eks-nginx-argocd: generated from the catalog, guardrails pass, a change waits for a second person
    response = _submit(api, keys, "eks-nginx-argocd")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["parsed"]["understood"]["gitops"] == "argocd" and body["intent"]["app"]["name"] == "nginx"
    run = wait_for_status(api, keys.viewer, body["id"], ENDED)
    assert run["status"] == "awaiting_approval" and run["verdict"] == "passed", run
    assert run["change"] is not None and "kubernetes/gitops/argocd-application.yaml" in {a["path"] for a in run["artifacts"]}
    assert "terraform/main.tf" in {a["path"] for a in run["artifacts"]}

    # public-website-bucket: blocked by the no-public-S3 guardrail, no change opened
    run_id = _submit(api, keys, "public-website-bucket").json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, ENDED)
    assert run["status"] == "blocked" and "GR-S3-PUBLIC" in _blocking(run) and run["change"] is None, run

    # root-pod: blocked before any Kubernetes step
    run_id = _submit(api, keys, "root-pod").json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, ENDED)
    assert run["status"] == "blocked" and {"GR-K8S-ROOT", "GR-K8S-PRIVILEGED"} <= _blocking(run), run
    assert not any(step["name"].startswith("k8s.") for step in run["steps"])

    # eks-app-short: asked which app, nothing created
    before = api.get("/api/v1/runs?limit=1", headers=keys.viewer).json()["total"]
    asked = _submit(api, keys, "eks-app-short")
    assert asked.status_code == 422 and [m["field"] for m in asked.json()["missing"]] == ["app"]
    assert api.get("/api/v1/runs?limit=1", headers=keys.viewer).json()["total"] == before

    # private-logs-bucket: passes and waits for approval
    run_id = _submit(api, keys, "private-logs-bucket").json()["id"]
    run = wait_for_status(api, keys.viewer, run_id, ENDED)
    assert run["status"] == "awaiting_approval" and run["verdict"] == "passed", run
    assert run["intent"]["buckets"][0]["versioning"] is True and run["intent"]["region"] == "ap-northeast-2"

    # sre-status: a bounded summary of the latest run, not a run
    summary = _submit(api, keys, "sre-status")
    assert summary.status_code == 200, summary.text
    report = summary.json()["summary"]
    assert [r["id"] for r in report["runs"]] == [run_id]
    assert report["runs"][0]["status"] == "awaiting_approval" and report["runs"][0]["steps"]
    assert report["runs"][0]["pods_observed"] is False and "롤아웃은 관측되지 않음" in report["text"]
    assert api.get("/api/v1/runs?limit=1", headers=keys.viewer).json()["total"] == before + 1

    # review-then-actions: the requester's latest change reviewed again under the security persona
    response = _submit(api, keys, "review-then-actions")
    assert response.status_code == 202, response.text
    review = wait_for_status(api, keys.viewer, response.json()["id"], ENDED)
    assert review["persona"] == "security" and review["intent"]["action"] == "review_and_deploy"
    assert review["target"] == run["target"] and review["intent"]["ci"] == "github_actions"
    assert any(step["name"] == "policy.validate" and step["status"] in ("succeeded", "blocked") for step in review["steps"])
    defaulted = {d["field"]: d["source"] for d in response.json()["parsed"]["defaulted"]}
    assert defaulted["target"] == f"your latest run {run_id}"


def test_a_daemonset_in_words_is_generated_as_a_daemonset_and_passes(api, workers, keys):
    response = api.post("/api/v1/requests", json={"text": "prod 네임스페이스에 fluentd 데몬셋 배포해줘"}, headers=keys.requester)
    assert response.status_code == 202, response.text
    run = wait_for_status(api, keys.viewer, response.json()["id"], ENDED)
    paths = {a["path"] for a in run["artifacts"]}
    assert "kubernetes/fluentd/daemonset.yaml" in paths, paths
    manifest = yaml.safe_load(api.get(f"/api/v1/runs/{run['id']}/artifacts/kubernetes/fluentd/daemonset.yaml",
                                      headers=keys.viewer).text)
    assert manifest["kind"] == "DaemonSet" and "replicas" not in manifest["spec"]
    assert manifest["metadata"]["namespace"] == "prod"
    assert run["status"] == "awaiting_approval" and run["verdict"] == "passed", run["findings"]
