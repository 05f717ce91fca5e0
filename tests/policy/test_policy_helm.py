"""An upload holding a Helm chart: the chart is named as not scanned, the rest is scanned,
and the verdict is never ``passed``."""

from __future__ import annotations

import pytest

from services.policy.outcome import outcome_of
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile

pytestmark = pytest.mark.policy_env

CHART = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicas: 2\nimage: nginx:1.27.3\n",
    "charts/web/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n{{- include \"web.pod\" . | nindent 2 }}\n"
    ),
    "charts/web/templates/_helpers.tpl": '{{- define "web.pod" -}}\ntemplate: {}\n{{- end -}}\n',
    "charts/web/templates/NOTES.txt": "Thanks for installing {{ .Chart.Name }}\n",
}
LOG_GROUP = 'resource "aws_cloudwatch_log_group" "app" {\n  name              = "app"\n  retention_in_days = 400\n}\n'
ROOT_POD = """apiVersion: v1
kind: Pod
metadata:
  name: shell
  namespace: apps
spec:
  containers:
    - name: shell
      image: busybox:1.36.1
      securityContext:
        privileged: true
"""


def test_a_chart_beside_clean_files_is_incomplete_and_names_every_chart_file(engine):
    verdict = engine.scan_files({**CHART, "infra/main.tf": LOG_GROUP}, "devops")

    assert verdict.status == "incomplete" and not verdict.passed
    assert sorted(n.path for n in verdict.not_scanned) == sorted(CHART)
    assert all("Helm chart, render it first" in n.reason for n in verdict.not_scanned)
    assert verdict.checks_passed > 0 and {f.file for f in verdict.findings} == {"infra/main.tf"}
    outcome = outcome_of(verdict, None)
    assert outcome.blocked and outcome.detail.startswith("incomplete: 5 files not scanned: charts/web/Chart.yaml")


def test_the_files_beside_a_chart_are_still_judged(engine):
    verdict = engine.scan_files({**CHART, "k8s/pod.yaml": ROOT_POD}, "devops")

    assert verdict.status == "blocked"
    assert "GR-K8S-PRIVILEGED" in {f.guardrail_id for f in verdict.findings if f.blocking}
    assert len(verdict.not_scanned) == len(CHART)
    assert "also 5 files not scanned" in outcome_of(verdict, None).detail


def test_a_chart_alone_is_incomplete_with_nothing_scanned(engine):
    verdict = engine.scan_files(CHART, "devops")
    assert verdict.status == "incomplete" and verdict.checks_passed == 0 and verdict.findings == []


def test_chart_templates_in_a_generated_bundle_are_not_passed_either(engine):
    bundle = ArtifactBundle(files=[
        GeneratedFile(path=path, kind=FileKind.kubernetes, content=text)
        for path, text in CHART.items() if path.endswith(".yaml")
    ] + [GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform, content=LOG_GROUP)])

    verdict = engine.scan(bundle, "devops")

    assert verdict.status == "incomplete"
    assert {n.path for n in verdict.not_scanned} == {p for p in CHART if p.endswith(".yaml")}
