"""A run message as the plan chain leaves it before github.open_pr (for the adapter tests)."""

from __future__ import annotations

import uuid

from shared.contracts import (
    ArtifactBundle, FileKind, Finding, GeneratedFile, GuardrailVerdict, Persona, RunMessage, Severity, TerraformRun,
)
from shared.examples import SCENARIOS, exported_files

from tests.conftest import REPO


def eks_message(persona: Persona = Persona.devops) -> RunMessage:
    files = exported_files(REPO / "tests" / "fixtures" / "generated" / "eks-nginx-argocd")
    bundle = ArtifactBundle(files=[
        GeneratedFile(path=path, kind=FileKind.terraform if path.startswith("terraform/") else FileKind.kubernetes,
                      content=text)
        for path, text in files.items() if path != "SUMMARY.txt"
    ], modules=["aws-vpc", "aws-eks"])
    findings = [
        Finding(check_id="CKV_AWS_39", guardrail_id=None, resource="module.eks.aws_eks_cluster.this",
                file="terraform/modules/aws-eks/main.tf", line_start=3, line_end=20, severity=Severity.medium,
                message="[CKV_AWS_39: Ensure Amazon EKS public endpoint disabled]", accepted="public endpoint by design"),
        Finding(check_id="CKV_K8S_43", resource="Deployment.web.nginx", file="kubernetes/nginx/deployment.yaml",
                line_start=1, line_end=40, severity=Severity.low, message="[CKV_K8S_43: Image should use digest]"),
    ]
    verdict = GuardrailVerdict(status="passed", persona=persona.value, findings=findings, checks_passed=120,
                               checks_failed=2, scanner="checkov 3.3.30 + mcp-cloud guardrails",
                               content_sha256=bundle.content_sha256)
    plan = TerraformRun(ran=True, message="Plan: 41 to add, 0 to change, 0 to destroy.", to_add=41)
    return RunMessage(run_id=uuid.uuid4(), persona=persona, requested_by="alice", intent=SCENARIOS["eks-nginx-argocd"],
                      bundle=bundle, verdict=verdict, plan=plan)
