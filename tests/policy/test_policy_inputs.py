"""Raw uploads (``scan_files``, behind ``POST /api/v1/validate``): refused with a message that says what to fix."""

from __future__ import annotations

import pytest

from services.policy import inputs, scanner
from services.policy.scanner import InvalidInput, kind_for_path
from shared.contracts.artifacts import FileKind

pytestmark = pytest.mark.policy_env

BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: apps
spec:
  containers:
    - name: web
      image: nginx:1.27.3
"""


def test_scan_files_routes_by_path(engine):
    verdict = engine.scan_files({"infra/main.tf": BUCKET, "k8s/pod.yaml": POD}, "devops")
    assert verdict.timings_ms.keys() >= {"terraform", "kubernetes"}
    resources = {f.resource for f in verdict.findings}
    assert {"aws_s3_bucket.logs", "Pod.apps.web"} <= resources
    assert {f.file for f in verdict.findings} == {"infra/main.tf", "k8s/pod.yaml"}


def test_module_level_functions_use_one_engine():
    verdict = scanner.scan_files({"main.tf": BUCKET}, "devops")
    assert scanner.get_engine() is scanner.get_engine()
    # a bucket without its own public access block is blocked (CKV2_AWS_6)
    assert verdict.status == "blocked"
    assert {f.check_id for f in verdict.findings if f.blocking} == {"CKV2_AWS_6"}


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("main.tf", FileKind.terraform),
        ("stack/vars.tfvars", FileKind.terraform),
        ("main.tf.json", FileKind.terraform),
        ("deploy/app.yml", FileKind.kubernetes),
        (".github/workflows/ci.yml", FileKind.github_actions),
        ("Dockerfile", FileKind.dockerfile),
        ("images/api.Dockerfile", FileKind.dockerfile),
        ("Dockerfile.worker", FileKind.dockerfile),
    ],
)
def test_kind_for_path(path, kind):
    assert kind_for_path(path) is kind


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"../etc/passwd.tf": BUCKET}, "'..' is not allowed"),
        ({"a/../../b.tf": BUCKET}, "'..' is not allowed"),
        ({"/abs/main.tf": BUCKET}, "relative to the bundle root"),
        ({"C:/x/main.tf": BUCKET}, "relative to the bundle root"),
        ({"dir\\main.tf": BUCKET}, "use '/' as separator"),
        ({"a//main.tf": BUCKET}, "empty or '.' path segments"),
        ({"": BUCKET}, "empty path"),
        ({"notes.txt": "hello"}, "unsupported file type"),
        ({"main.tf": "resource \x00 binary"}, "binary data"),
        ({"main.tf": b"\xff\xfe\x00\x01"}, "binary data"),
        ({"main.tf": "x" * (scanner.MAX_FILE_BYTES + 1)}, "bytes per file"),
        ({}, "at least one file"),
    ],
)
def test_bad_uploads_are_refused(engine, files, fragment):
    with pytest.raises(InvalidInput, match=fragment.replace("(", r"\(").replace(".", r"\.")) as err:
        engine.scan_files(files, "devops")
    assert err.value.message == str(err.value)


def test_total_size_and_file_count_limits(engine, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_TOTAL_BYTES", 2 * len(BUCKET.encode()) - 1)
    with pytest.raises(InvalidInput, match="in total"):
        engine.scan_files({"a.tf": BUCKET, "b.tf": BUCKET}, "devops")
    monkeypatch.setattr(inputs, "MAX_FILES", 1)
    with pytest.raises(InvalidInput, match="at most 1"):
        engine.scan_files({"a.tf": BUCKET, "b.tf": BUCKET}, "devops")


def test_malformed_hcl_is_reported_not_skipped(engine):
    """checkov skips a file it cannot parse; a skipped file must not pass."""
    broken = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n'
    with pytest.raises(InvalidInput) as err:
        engine.scan_files({"ok.tf": BUCKET, "terraform/broken.tf": broken}, "devops")
    assert err.value.message.startswith("terraform/broken.tf: invalid HCL")
    assert "line" in err.value.message and "unclosed block" in err.value.message


def test_malformed_yaml_names_line_and_column(engine):
    bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   namespace: apps\n"
    with pytest.raises(InvalidInput, match=r"k8s/pod\.yaml: invalid YAML at line 5, column \d+"):
        engine.scan_files({"k8s/pod.yaml": bad}, "devops")


def test_yaml_without_kubernetes_objects_is_refused(engine):
    with pytest.raises(InvalidInput, match="no Kubernetes object found"):
        engine.scan_files({"values.yaml": "replicas: 3\nimage: nginx\n"}, "devops")


def test_failed_input_is_not_cached():
    engine = scanner.GuardrailEngine(cache_size=4)
    broken = 'resource "x" "y" {\n'
    for _ in range(2):
        with pytest.raises(InvalidInput):
            engine.scan_files({"main.tf": broken}, "devops")
    assert engine.stats.checkov_scans == 2 and engine.stats.cache_hits == 0


def test_github_actions_and_dockerfile_are_scanned(engine):
    workflow = (
        "name: ci\non: [push]\npermissions: write-all\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
    )
    verdict = engine.scan_files(
        {".github/workflows/ci.yml": workflow, "Dockerfile": "FROM python:latest\nUSER root\n"}, "security"
    )
    checks = {(f.check_id, f.file) for f in verdict.findings}
    assert ("CKV2_GHA_1", ".github/workflows/ci.yml") in checks
    assert ("CKV_DOCKER_7", "Dockerfile") in checks
    assert verdict.status == "blocked"  # CKV_DOCKER_7 is GR-IMAGE-MUTABLE-TAG, blocking
    assert {"github_actions", "dockerfile"} <= set(verdict.timings_ms)
