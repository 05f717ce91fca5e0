"""A check that crashes, or a stored result that was altered, never yields ``passed``.

Each scenario loads a real checkov check class from an operator folder (the same
``MCP_POLICY_EXTRA_CHECKS_DIR`` mechanism a worker uses) that raises on the resource it
checks. Without these checks the files pass under the devops persona; with them the
verdict is ``error`` and names the check. checkov itself would have dropped the
result (UNKNOWN for a Python check, a forgotten future for a graph check).
Extra folders change checkov's process-global registries, so each runs in its own
interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from services.policy.outcome import Outcome, VerdictError, outcome_of
from shared.contracts.artifacts import GuardrailVerdict, NotScanned

pytestmark = pytest.mark.policy_env

REPO = Path(__file__).resolve().parents[2]

LOG_GROUP = """resource "aws_cloudwatch_log_group" "app" {
  name              = "app"
  retention_in_days = 400
}
"""
#: A Deployment every built-in guardrail accepts (the clean bundle's).
DEPLOYMENT = (REPO / "tests/policy/fixtures/bundles/clean/kubernetes/nginx/deployment.yaml").read_text()

PYTHON_TF_CHECK = """
from checkov.common.models.enums import CheckCategories
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck


class LogGroupCheckThatRaises(BaseResourceCheck):
    def __init__(self):
        super().__init__(name="raises on log groups", id="ORG_RAISE_TF",
                         categories=[CheckCategories.LOGGING], supported_resources=["aws_cloudwatch_log_group"])

    def scan_resource_conf(self, conf):
        raise RuntimeError("retention lookup failed")


check = LogGroupCheckThatRaises()
"""

PYTHON_K8S_CHECK = """
from checkov.common.models.enums import CheckCategories
from checkov.kubernetes.checks.resource.base_spec_check import BaseK8Check


class DeploymentCheckThatRaises(BaseK8Check):
    def __init__(self):
        super().__init__(name="raises on deployments", id="ORG_RAISE_K8S",
                         categories=[CheckCategories.KUBERNETES], supported_entities=["Deployment"])

    def scan_spec_conf(self, conf):
        raise ValueError("cannot read the deployment spec")


check = DeploymentCheckThatRaises()
"""

# A graph check whose attribute is a JSONPath the solver cannot parse: the solver raises
# on every log group, inside checkov's graph check registry.
GRAPH_CHECK = """
metadata:
  id: ORG_RAISE_GRAPH
  name: log groups are checked through a broken JSONPath
  category: LOGGING
scope:
  provider: aws
definition:
  cond_type: attribute
  resource_types: [aws_cloudwatch_log_group]
  attribute: "name[?(@ ==="
  operator: jsonpath_equals
  value: app
"""


def _scan_with_extra(tmp_path: Path, checks: dict[str, str], files: dict[str, str]) -> dict:
    folder = tmp_path / "policies"
    (folder / "checks").mkdir(parents=True)
    (folder / "checks" / "__init__.py").write_text("")
    for name, text in checks.items():
        (folder / "checks" / name).write_text(text)
    code = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(REPO)!r})
        from services.policy.scanner import configure
        engine = configure(extra_policies_dir={str(folder)!r} if {bool(checks)!r} else None)
        verdict = engine.scan_files({files!r}, "devops")
        again = engine.scan_files({files!r}, "devops")  # an error is never cached as a result
        print(json.dumps({{"verdict": verdict.model_dump(mode="json"), "again": again.status,
                           "scans": engine.stats.checkov_scans}}))
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_the_raising_checks_the_files_pass(tmp_path):
    out = _scan_with_extra(tmp_path, {}, {"main.tf": LOG_GROUP, "k8s/pod.yaml": DEPLOYMENT})
    assert out["verdict"]["status"] == "passed", out["verdict"]["findings"]


@pytest.mark.parametrize(
    ("checks", "files", "named"),
    [
        ({"raising_tf.py": PYTHON_TF_CHECK}, {"main.tf": LOG_GROUP}, "check ORG_RAISE_TF on aws_cloudwatch_log_group.app"),
        ({"raising_k8s.py": PYTHON_K8S_CHECK}, {"k8s/pod.yaml": DEPLOYMENT}, "check ORG_RAISE_K8S on Deployment"),
        ({"raising_graph.yaml": GRAPH_CHECK}, {"main.tf": LOG_GROUP}, "graph check ORG_RAISE_GRAPH"),
    ],
    ids=["terraform-python-check", "kubernetes-python-check", "graph-check"],
)
def test_a_check_that_raises_makes_the_verdict_error_naming_it(tmp_path, checks, files, named):
    out = _scan_with_extra(tmp_path, checks, files)
    verdict = out["verdict"]
    assert verdict["status"] == "error"
    assert any(named in error for error in verdict["errors"]), verdict["errors"]
    assert out["again"] == "error" and out["scans"] == 2  # scanned again, not answered from a cache
    with pytest.raises(VerdictError, match=named.split(" on ")[0]):
        outcome_of(GuardrailVerdict.model_validate(verdict), None)


def test_the_pipeline_outcome_blocks_on_error_and_incomplete_and_goes_on_only_on_passed():
    passed = GuardrailVerdict(status="passed", persona="devops", checks_passed=3)
    incomplete = GuardrailVerdict(status="incomplete", persona="devops",
                                  not_scanned=[NotScanned(path="chart/Chart.yaml", reason="Helm chart, render it first")])
    error = GuardrailVerdict(status="error", persona="devops", errors=["graph check CKV2_AWS_6 raised KeyError: 'x'"])

    assert outcome_of(passed, None) == Outcome(False, "passed: 3 checks passed, 0 non-blocking findings")
    assert outcome_of(incomplete, None).blocked and "chart/Chart.yaml" in outcome_of(incomplete, None).detail
    with pytest.raises(VerdictError, match="CKV2_AWS_6"):
        outcome_of(error, None)
    assert [v.passed for v in (passed, incomplete, error)] == [True, False, False]
