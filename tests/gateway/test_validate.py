"""POST /api/v1/validate: files in, a guardrail verdict out (through the policy worker)."""

from __future__ import annotations

import io
import zipfile

PUBLIC_BUCKET = '''
resource "aws_s3_bucket" "site" {
  bucket = "acme-site"
}

resource "aws_s3_bucket_public_access_block" "site" {
  bucket                  = aws_s3_bucket.site.id
  block_public_acls       = false
  block_public_policy     = false
  ignore_public_acls      = false
  restrict_public_buckets = false
}
'''

ROOT_POD = '''
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  containers:
    - name: shell
      image: busybox:1.36.1
      securityContext:
        runAsUser: 0
        privileged: true
'''


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_a_public_bucket_sent_as_json_is_blocked_with_file_and_line(api, workers, keys):
    response = api.post("/api/v1/validate", json={"files": {"s3/main.tf": PUBLIC_BUCKET}}, headers=keys.requester)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["status"] == "blocked"
    s3 = [f for f in verdict["findings"] if f["guardrail_id"] == "GR-S3-PUBLIC"]
    assert s3 and all(f["file"] == "s3/main.tf" and f["line_start"] > 0 for f in s3)
    assert {f["check_id"] for f in s3} & {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"}


def test_a_root_pod_in_a_zip_is_blocked(api, workers, keys):
    archive = _zip({"k8s/pod.yaml": ROOT_POD.encode()})
    response = api.post("/api/v1/validate/archive", files={"archive": ("bundle.zip", archive, "application/zip")},
                        data={"persona": "security"}, headers=keys.requester)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["status"] == "blocked" and verdict["persona"] == "security"
    assert {"GR-K8S-ROOT", "GR-K8S-PRIVILEGED"} <= {f["guardrail_id"] for f in verdict["findings"]}


def test_bad_uploads_get_a_4xx_that_says_what_is_wrong(api, workers, keys):
    def post(files: dict[str, str]):
        return api.post("/api/v1/validate", json={"files": files}, headers=keys.requester)

    escaping = post({"../etc/main.tf": PUBLIC_BUCKET})
    assert escaping.status_code == 422 and "'..'" in escaping.json()["detail"]
    binary = post({"main.tf": "resource \x00\x01"})
    assert binary.status_code == 422 and "files.main.tf: holds a NUL character" in binary.json()["detail"]
    broken = post({"main.tf": 'resource "aws_s3_bucket" "x" {\n  bucket = \n'})
    assert broken.status_code == 422 and "main.tf" in broken.json()["detail"]
    bad_yaml = post({"pod.yaml": "kind: Pod\n  metadata: [\n"})
    assert bad_yaml.status_code == 422 and "pod.yaml" in bad_yaml.json()["detail"]
    too_big = post({"main.tf": "#" * (1024 * 1024 + 1)})
    assert too_big.status_code == 413 and "limit" in too_big.json()["detail"]

    not_zip = api.post("/api/v1/validate/archive", files={"archive": ("x.zip", b"plain text", "application/zip")},
                       headers=keys.requester)
    assert not_zip.status_code == 422 and "zip" in not_zip.json()["detail"]
    slip = api.post("/api/v1/validate/archive", headers=keys.requester,
                    files={"archive": ("x.zip", _zip({"../../main.tf": b"x"}), "application/zip")})
    assert slip.status_code == 422 and "'..'" in slip.json()["detail"]
    assert api.post("/api/v1/validate", json={"files": {"a.tf": ""}}).status_code == 401


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ",".join([f"*{chr(96 + i)}"] * 9) + "]")
    return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n" + "\n".join(lines) + "\n"


def test_hostile_yaml_gets_a_422_naming_file_and_line_fast(api, workers, keys):
    import time

    bomb = _alias_bomb()
    assert len(bomb) < 450
    started = time.perf_counter()
    response = api.post("/api/v1/validate", json={"files": {"k8s/bomb.yaml": bomb}}, headers=keys.requester)
    assert time.perf_counter() - started < 5.0  # refused before expansion (expanded, it would take minutes)
    assert response.status_code == 422 and "k8s/bomb.yaml" in response.json()["detail"]
    assert "aliases" in response.json()["detail"] and "line" in response.json()["detail"]

    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: deep", "spec:"]
    lines += ["  " * (i + 1) + f"level{i}:" for i in range(499)] + ["  " * 500 + "leaf: x"]
    deep = "\n".join(lines) + "\n"
    assert 240_000 < len(deep) < 270_000
    response = api.post("/api/v1/validate", json={"files": {"deep.yaml": deep}}, headers=keys.requester)
    assert response.status_code == 422 and "deep.yaml: nested more than 64 levels deep" in response.json()["detail"]

    nul = api.post("/api/v1/validate", json={"files": {"main.tf": "locals {}\n\x00"}}, headers=keys.requester)
    assert nul.status_code == 422 and "files.main.tf: holds a NUL character (\\u0000) at line 2" in nul.json()["detail"]
    nul_path = api.post("/api/v1/validate", json={"files": {"ma\x00in.tf": "locals {}\n"}}, headers=keys.requester)
    assert nul_path.status_code == 422
    assert "files.ma\\u0000in.tf: holds a NUL character (\\u0000) in a key" in nul_path.json()["detail"]


RAISING_CHECK = '''
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class LogGroupCheckThatRaises(BaseResourceCheck):
    def __init__(self):
        super().__init__(name="raises on log groups", id="ORG_RAISE_TF",
                         categories=[CheckCategories.LOGGING], supported_resources=["aws_cloudwatch_log_group"])

    def scan_resource_conf(self, conf):
        raise RuntimeError("retention lookup failed")


check = LogGroupCheckThatRaises()
'''
LOG_GROUP = 'resource "aws_cloudwatch_log_group" "app" {\n  name              = "app"\n  retention_in_days = 400\n}\n'


def test_a_check_that_raises_in_the_worker_gives_an_error_verdict_not_a_pass(api, workers, keys, tmp_path):
    before = api.post("/api/v1/validate", json={"files": {"main.tf": LOG_GROUP}}, headers=keys.requester)
    assert before.status_code == 200 and before.json()["status"] == "passed"

    checks = tmp_path / "policies" / "checks"
    checks.mkdir(parents=True)
    (checks / "__init__.py").write_text("")
    (checks / "raising.py").write_text(RAISING_CHECK)
    workers.restart("policy", MCP_POLICY_EXTRA_CHECKS_DIR=str(tmp_path / "policies"))
    try:
        response = api.post("/api/v1/validate", json={"files": {"main.tf": LOG_GROUP}}, headers=keys.requester)
        assert response.status_code == 200, response.text
        verdict = response.json()
        assert verdict["status"] == "error"
        assert any("check ORG_RAISE_TF on aws_cloudwatch_log_group.app" in e for e in verdict["errors"])
    finally:
        workers.restart("policy")


def test_an_upload_with_a_helm_chart_scans_the_rest_and_is_incomplete(api, workers, keys):
    files = {
        "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        "chart/templates/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
        "chart/templates/_helpers.tpl": '{{- define "x" -}}x{{- end -}}\n',
        "k8s/pod.yaml": ROOT_POD,
    }
    response = api.post("/api/v1/validate", json={"files": files}, headers=keys.requester)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["status"] == "blocked"  # the root pod beside the chart is still judged
    assert {n["path"] for n in verdict["not_scanned"]} == {p for p in files if p.startswith("chart/")}

    del files["k8s/pod.yaml"]
    alone = api.post("/api/v1/validate", json={"files": files}, headers=keys.requester).json()
    assert alone["status"] == "incomplete" and "render it first" in alone["not_scanned"][0]["reason"]
