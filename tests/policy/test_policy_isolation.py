"""Zero network, and operator policy folders loaded at start.

Both change process-wide state (the socket module, checkov's global registries), so
the end-to-end variants run in a fresh interpreter of the policy venv.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.policy.guardrails import PackError, load_pack
from services.policy.scanner import known_check_ids
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile
from tests.policy.conftest import FIXTURES, REPO

pytestmark = pytest.mark.policy_env

_BLOCK_NETWORK = """
import json, socket
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[1:] if args and isinstance(args[0], socket.socket) else args)[:200])
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.socket.sendto = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
"""


def _run_python(code: str, timeout: float = 180) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_start_and_scan_make_no_connection():
    """Sockets are blocked before checkov is even imported; every scan must still succeed."""
    out = _run_python(_BLOCK_NETWORK + textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from tests.policy.conftest import bundle_from_dir
        from services.policy.scanner import GuardrailEngine
        engine = GuardrailEngine()
        bundles = {str(FIXTURES / "bundles")!r}
        result = {{}}
        for name in ("clean", "public-bucket", "root-privileged-pod"):
            verdict = engine.scan(bundle_from_dir(__import__("pathlib").Path(bundles) / name), "devops")
            result[name] = [verdict.status, verdict.checks_passed]
        print(json.dumps({{"attempts": attempts, "result": result}}))
    """))
    assert out["attempts"] == []
    assert out["result"]["clean"][0] == "passed"
    assert out["result"]["public-bucket"][0] == "blocked"
    assert out["result"]["root-privileged-pod"][0] == "blocked"
    assert all(passed > 0 for _, passed in out["result"].values())


def test_warm_scan_makes_no_connection(engine, monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled by the test")

    for target, name in ((socket.socket, "connect"), (socket.socket, "connect_ex"), (socket, "create_connection"),
                         (socket, "getaddrinfo")):
        monkeypatch.setattr(target, name, refuse)
    content = (FIXTURES / "bundles/public-bucket/terraform/main.tf").read_text() + "\n# unique: not cached\n"
    module = (FIXTURES / "bundles/public-bucket/terraform/modules/s3/main.tf").read_text()
    bundle = ArtifactBundle(files=[
        GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform, content=content),
        GeneratedFile(path="terraform/modules/s3/main.tf", kind=FileKind.terraform, content=module),
    ])
    before = engine.stats.checkov_scans
    assert engine.scan(bundle, "security").status == "blocked"
    assert engine.stats.checkov_scans == before + 1
    assert attempts == []


# ----------------------------------------------------------------------------- operator folders


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content))
    return root


EXTRA = {
    "guardrails.yaml": """
        guardrails:
          - id: GR-ORG-LOG-RETENTION
            title: Logs are kept for the audit period
            severity: HIGH
            blocking: true
            own_ids: [ORG_AWS_1]
            message: A log group keeps logs for less than a year.
            fix: Set retention_in_days to 365 or more.
        extend:
          GR-K8S-ROOT: [ORG_K8S_1]
        severity:
          MEDIUM: [ORG_K8S_2]
    """,
    "checks/__init__.py": "",
    "checks/org_aws_log_retention.py": '''
        from checkov.common.models.enums import CheckCategories, CheckResult
        from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


        class LogRetention(BaseResourceCheck):
            def __init__(self):
                super().__init__(name="Log groups keep logs for a year", id="ORG_AWS_1",
                                 categories=(CheckCategories.LOGGING,),
                                 supported_resources=("aws_cloudwatch_log_group",))

            def scan_resource_conf(self, conf):
                days = (conf.get("retention_in_days") or [0])[0]
                return CheckResult.PASSED if isinstance(days, int) and days >= 365 else CheckResult.FAILED


        check = LogRetention()
    ''',
    "checks/org_k8s_pod_nonroot.yaml": """
        metadata:
          id: ORG_K8S_1
          name: Deployments set runAsNonRoot on the pod
          category: KUBERNETES
        scope:
          provider: kubernetes
        definition:
          cond_type: attribute
          resource_types: [Deployment]
          attribute: spec.template.spec.securityContext.runAsNonRoot
          operator: equals
          value: true
    """,
    "checks/org_k8s_team_label.yaml": """
        metadata:
          id: ORG_K8S_2
          name: Deployments carry a team label
          category: KUBERNETES
        scope:
          provider: kubernetes
        definition:
          cond_type: attribute
          resource_types: [Deployment]
          attribute: metadata.labels.team
          operator: exists
    """,
}

_LOG_GROUP = 'resource "aws_cloudwatch_log_group" "app" {\n  name              = "app"\n  retention_in_days = 30\n}\n'
_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: apps
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: example/api:1.0.0
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
            allowPrivilegeEscalation: false
"""


def test_extra_policy_folder_is_loaded_and_mapped(tmp_path):
    extra = _write(tmp_path / "policies", EXTRA)
    out = _run_python(textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(REPO)!r})
        from services.policy.scanner import configure
        engine = configure(extra_policies_dir={str(extra)!r})
        verdict = engine.scan_files({{"main.tf": {_LOG_GROUP!r}, "k8s/api.yaml": {_DEPLOYMENT!r}}}, "devops")
        print(json.dumps({{
            "status": verdict.status,
            "findings": [[f.check_id, f.guardrail_id, f.severity, f.blocking, f.resource] for f in verdict.findings],
        }}))
    """))
    by_check = {check_id: rest for check_id, *rest in out["findings"]}
    assert by_check["ORG_AWS_1"] == ["GR-ORG-LOG-RETENTION", "HIGH", True, "aws_cloudwatch_log_group.app"]
    # container-level non-root satisfies CKV_K8S_23; the operator's stricter rule joins GR-K8S-ROOT
    assert "CKV_K8S_23" not in by_check
    assert by_check["ORG_K8S_1"] == ["GR-K8S-ROOT", "CRITICAL", True, "Deployment.apps.api"]
    assert by_check["ORG_K8S_2"] == [None, "MEDIUM", False, "Deployment.apps.api"]
    assert out["status"] == "blocked"


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        ({"guardrails.yaml": "guardrails:\n  - {id: GR-S3-PUBLIC, title: weaker, severity: LOW, blocking: false,"
                             " message: m, fix: f}\n"}, "already defined"),
        ({"guardrails.yaml": "extend:\n  GR-NOPE: [ORG_X_1]\n"}, "unknown guardrail GR-NOPE"),
        ({"guardrails.yaml": "extend:\n  GR-S3-PUBLIC: [CKV_K8S_23]\n"}, "mapped to both"),
        ({"guardrails.yaml": "severity:\n  LOW: [CKV_AWS_20]\n"}, "plain severities name guardrail checks"),
        ({"guardrails.yaml": "severity:\n  URGENT: [CKV_AWS_18]\n"}, "unknown severity"),
        ({"guardrails.yaml": "rules: []\n"}, "expected keys"),
        ({"checks/org_check.py": "x = 1\n"}, "no __init__.py"),
        ({"guardrails.yaml": "guardrails:\n  - {id: bad id, title: t, severity: LOW, blocking: false,"
                             " message: m, fix: f}\n"}, "must look like GR-S3-PUBLIC"),
    ],
)
def test_inconsistent_policy_folders_are_refused(tmp_path, files, fragment):
    _write(tmp_path, files)
    with pytest.raises(PackError, match=fragment):
        load_pack(tmp_path)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(PackError, match="does not exist"):
        load_pack(tmp_path / "nope")


def test_an_id_no_check_carries_is_refused(tmp_path):
    _write(tmp_path, {"guardrails.yaml": "extend:\n  GR-S3-PUBLIC: [ORG_NOPE_1]\n"})
    pack = load_pack(tmp_path)
    with pytest.raises(PackError, match="GR-S3-PUBLIC: ORG_NOPE_1"):
        pack.verify(known_check_ids())


def test_pack_version_follows_the_policy_content(tmp_path):
    _write(tmp_path, {"guardrails.yaml": "severity:\n  MEDIUM: [CKV_AWS_18]\n"})
    first = load_pack(tmp_path).version
    assert load_pack(tmp_path).version == first
    _write(tmp_path, {"guardrails.yaml": "severity:\n  HIGH: [CKV_AWS_18]\n"})
    assert load_pack(tmp_path).version != first != load_pack().version
