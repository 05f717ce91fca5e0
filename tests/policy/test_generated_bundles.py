"""The Terraform generator's real output against the guardrails.

``services/terraform/export_examples.py`` writes the scenario bundles of
``shared/scenarios/requests.yaml`` to ``tests/fixtures/generated/<scenario>/``
(``terraform/main.tf`` calling ``./modules/<name>`` copies, ``kubernetes/<app>/*.yaml``).
Each must get the verdict its scenario expects, for the scenario's persona. The
module catalog itself (``services/terraform/catalog/<module>``, scanned with its
defaults) must carry no blocking finding: every generated bundle is built from it.
"""

from __future__ import annotations

import pytest

from tests.policy.conftest import REPO, bundle_from_dir

pytestmark = pytest.mark.policy_env

GENERATED = REPO / "tests" / "fixtures" / "generated"
CATALOG = REPO / "services" / "terraform" / "catalog"

#: scenario id -> (persona, expected status, guardrails that must block it)
EXPECTED = {
    "eks-nginx-argocd": ("devops", "passed", set()),
    "private-logs-bucket": ("devops", "passed", set()),
    "public-website-bucket": ("devops", "blocked", {"GR-S3-PUBLIC"}),
    "root-pod": ("devops", "blocked", {"GR-K8S-ROOT"}),
}


def _scenarios() -> list[str]:
    return sorted(p.name for p in GENERATED.iterdir() if p.is_dir()) if GENERATED.is_dir() else []


def _describe(verdict) -> list[str]:
    return [f"{f.guardrail_id} {f.check_id} {f.resource} {f.file}:{f.line_start}" for f in verdict.findings if f.blocking]


@pytest.mark.skipif(not GENERATED.is_dir(), reason="tests/fixtures/generated/ is absent: run services.terraform.export_examples")
@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_generated_scenario_verdict(engine, scenario):
    folder = GENERATED / scenario
    if not folder.is_dir():
        pytest.skip(f"{scenario} was not exported to {GENERATED}")
    persona, status, blocking_guardrails = EXPECTED[scenario]
    bundle = bundle_from_dir(folder, skip_unsupported=True)
    assert bundle.files, f"{folder} has no Terraform or Kubernetes files"

    verdict = engine.scan(bundle, persona)

    assert verdict.status == status, _describe(verdict)
    blocking = {f.guardrail_id for f in verdict.findings if f.blocking}
    assert blocking_guardrails <= blocking, _describe(verdict)
    if status == "passed":
        assert not blocking, _describe(verdict)
    for finding in verdict.findings:
        assert (folder / finding.file).is_file() and finding.line_start >= 1, finding


@pytest.mark.skipif(not GENERATED.is_dir(), reason="tests/fixtures/generated/ is absent: run services.terraform.export_examples")
def test_every_exported_scenario_scans(engine):
    """Scenarios without an expected verdict here must at least be scannable input."""
    for scenario in _scenarios():
        bundle = bundle_from_dir(GENERATED / scenario, skip_unsupported=True)
        if bundle.files:
            assert engine.scan(bundle, "devops").checks_passed > 0, scenario


def test_public_website_is_public_through_the_module_variable(engine):
    """checkov renders `public_read = true` into the module copy; no finding sits in main.tf itself."""
    folder = GENERATED / "public-website-bucket"
    if not folder.is_dir():
        pytest.skip("public-website-bucket was not exported")
    verdict = engine.scan(bundle_from_dir(folder, skip_unsupported=True), "devops")
    s3 = [f for f in verdict.findings if f.guardrail_id == "GR-S3-PUBLIC"]
    assert s3 and all(f.resource.startswith("module.") and "/modules/" in f.file for f in s3)
    assert {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"} <= {f.check_id for f in s3}


@pytest.mark.skipif(not CATALOG.is_dir(), reason="services/terraform/catalog/ is absent")
@pytest.mark.parametrize("module", sorted(p.name for p in CATALOG.iterdir() if p.is_dir()) if CATALOG.is_dir() else [])
def test_catalog_module_has_no_blocking_finding(engine, module):
    folder = CATALOG / module
    from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile

    bundle = ArtifactBundle(files=[
        GeneratedFile(path=f"{module}/{p.name}", kind=FileKind.terraform, content=p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.tf"))
    ])
    verdict = engine.scan(bundle, "devops")
    assert verdict.status == "passed", _describe(verdict)
