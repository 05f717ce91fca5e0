"""The canonical-form cache (services/policy/canonical.py) never changes a verdict.

Two things are proven here, against real checkov scans:

* every label input the catalog declares (``label:`` in module.yaml), every module
  call name and the provider's default tags can change without changing a single
  finding or passed check: a raw scan with one set of names equals a raw scan with
  another (this is what makes one scan serve both);
* the engine with the cache gives exactly the findings of a raw scan, names mapped
  back, and re-scans whenever anything else differs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.policy.conftest import bundle_from_dir

from services.policy.canonical import VettedCatalog, canonicalize
from services.policy.scanner import GuardrailEngine
from shared.catalog import load_catalog
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GENERATED = FIXTURES / "generated"
RENAMED = FIXTURES / "generated-renamed"
SCENARIOS = sorted(p.name for p in GENERATED.iterdir() if p.is_dir())

#: Required inputs that are not labels, per module: realistic values.
OTHER_REQUIRED = {
    "aws-eks": {"subnet_ids": ["subnet-0aa", "subnet-0bb"]},
    "aws-iam-role": {"trusted_services": ["ec2.amazonaws.com"]},
    "aws-rds-postgres": {"vpc_id": "vpc-0aa", "subnet_ids": ["subnet-0aa", "subnet-0bb"]},
    "aws-vpc": {"availability_zones": ["ap-northeast-2a", "ap-northeast-2c"]},
    "azure-aks": {"resource_group_name": "rg-platform", "location": "koreacentral"},
    "azure-storage-account": {"resource_group_name": "rg-platform", "location": "koreacentral"},
    "gcp-gcs-bucket": {"project_id": "platform-prod", "location": "ASIA-NORTHEAST3"},
    "gcp-gke": {"project_id": "platform-prod", "region": "asia-northeast3"},
}
PROVIDERS = {
    "aws": 'provider "aws" {{\n  region = "ap-northeast-2"\n\n  default_tags {{\n    tags = {{\n'
           '      stack       = "{stack}"\n      environment = "{env}"\n    }}\n  }}\n}}\n',
    "gcp": 'provider "google" {{\n  project        = "platform-prod"\n  region         = "asia-northeast3"\n'
           '  default_labels = {{\n    stack       = "{stack}"\n    environment = "{env}"\n  }}\n}}\n',
    "azure": 'provider "azurerm" {{\n  features {{}}\n}}\n',
}
CANDIDATES = ("team-a-logs", "zeta9.prod-x", "alphaname1", "omega2name", "beta3name", "gamma4name",
              "Alpha purpose", "Other purpose 2")


def _hcl(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    return f'"{value}"'


def _label_values(module) -> dict[str, tuple[str, str]]:
    """Two valid values per label input, no value used twice (equal values share a
    placeholder, so a coincidence would make the two configs differ in shape)."""
    used: set[str] = set()
    values = {}
    for item in (i for i in module.inputs if i.label):
        matching = [c for c in CANDIDATES if re.match(item.label, c) and c not in used]
        assert len(matching) >= 2, f"{module.name}.{item.name}: no two test values match {item.label}"
        values[item.name] = (matching[0], matching[1])
        used.update(values[item.name])
    return values


def _config(module, call: str, labels: dict[str, str], stack: str, env: str) -> ArtifactBundle:
    inputs = {**OTHER_REQUIRED.get(module.name, {}), **labels}
    body = "\n".join(f"  {name} = {_hcl(value)}" for name, value in inputs.items())
    main = (
        PROVIDERS[module.cloud].format(stack=stack, env=env)
        + f'\nmodule "{call}" {{\n  source = "./modules/{module.name}"\n{body}\n}}\n'
        + f'\noutput "{call}_first_output" {{\n  value = module.{call}.{module.outputs[0].name}\n}}\n'
    )
    files = [GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform, content=main)]
    files += [
        GeneratedFile(path=f"terraform/modules/{module.name}/{name}", kind=FileKind.terraform, content=text)
        for name, text in module.files.items()
    ]
    return ArtifactBundle(files=files)


def _observed(result, call: str) -> tuple:
    """Findings and passed checks with the module call name taken out."""
    def strip(resource: str) -> str:
        return resource.replace(f"module.{call}.", "module.<call>.")

    findings = sorted(
        (f.check_id, strip(f.resource), f.file, f.line_start, f.line_end, f.accepted) for f in result.findings
    )
    passed = sorted((check, strip(resource), file) for check, resource, file in result.passed)
    return findings, passed, result.checks_passed, result.checks_failed


@pytest.fixture(scope="module")
def raw_engine():
    return GuardrailEngine(cache_size=0, canonical=False)


@pytest.mark.parametrize("name", sorted(load_catalog()))
def test_label_inputs_call_names_and_default_tags_change_no_finding(raw_engine, name):
    module = load_catalog()[name]
    labels = _label_values(module)
    assert labels, f"{name} declares no label input"
    first = _config(module, "first", {k: v[0] for k, v in labels.items()}, "stack-a", "dev")
    second = _config(module, "second_call", {k: v[1] for k, v in labels.items()}, "other-stack", "prod")

    assert _observed(raw_engine.evaluate(first), "first") == _observed(raw_engine.evaluate(second), "second_call")

    # and so the engine scans Terraform once for both, reporting each with its own names
    engine = GuardrailEngine(cache_size=8)
    engine.evaluate(first)
    result = engine.evaluate(second)
    assert engine.stats.part_hits == 1 and engine.stats.checkov_scans == 1
    assert _observed(result, "second_call") == _observed(raw_engine.evaluate(second), "second_call")
    assert all("canonical" not in f.resource for f in result.findings)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_cached_verdicts_equal_raw_scans_for_every_generated_scenario(raw_engine, scenario):
    engine = GuardrailEngine(cache_size=8)
    original = bundle_from_dir(GENERATED / scenario, skip_unsupported=True)
    renamed = bundle_from_dir(RENAMED / scenario, skip_unsupported=True)

    first = engine.evaluate(original)
    second = engine.evaluate(renamed)

    assert first.findings == raw_engine.evaluate(original).findings
    assert second.findings == raw_engine.evaluate(renamed).findings
    assert second.passed == raw_engine.evaluate(renamed).passed
    if any(f.kind is FileKind.terraform for f in original.files):
        assert engine.stats.part_hits >= 1, "the renamed request should reuse the Terraform scan"


def test_renamed_public_bucket_is_blocked_under_its_own_names():
    engine = GuardrailEngine(cache_size=8)
    engine.scan(bundle_from_dir(GENERATED / "public-website-bucket", skip_unsupported=True), "devops")
    verdict = engine.scan(bundle_from_dir(RENAMED / "public-website-bucket", skip_unsupported=True), "devops")

    assert verdict.status == "blocked"
    assert engine.stats.part_hits == 1
    assert {f.resource for f in verdict.findings if f.guardrail_id == "GR-S3-PUBLIC"} == {
        "module.bucket_team-b-mcp-public-website.aws_s3_bucket.this",
        "module.bucket_team-b-mcp-public-website.aws_s3_bucket_public_access_block.this",
    }


def _replace(bundle: ArtifactBundle, path: str, old: str, new: str) -> ArtifactBundle:
    files = []
    for f in bundle.files:
        if f.path == path:
            assert old in f.content, (path, old)
            f = f.model_copy(update={"content": f.content.replace(old, new)})
        files.append(f)
    return ArtifactBundle(files=files)


def test_a_setting_that_is_not_a_name_is_never_served_from_the_cache():
    """Same names as the private bucket, public_read = true: scanned, and blocked."""
    engine = GuardrailEngine(cache_size=8)
    private = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)
    assert engine.scan(private, "devops").status == "passed"

    public = _replace(private, "terraform/main.tf", "public_read        = false", "public_read        = true")
    verdict = engine.scan(public, "devops")

    assert engine.stats.part_hits == 0 and engine.stats.checkov_scans == 2
    assert verdict.status == "blocked"
    assert "GR-S3-PUBLIC" in {f.guardrail_id for f in verdict.findings}


def test_an_edited_module_copy_is_not_vetted_and_gets_nothing_accepted():
    catalog = VettedCatalog.from_catalog()
    bundle = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)
    path = "terraform/modules/aws-s3-bucket/main.tf"
    edited = _replace(bundle, path, "days_after_initiation = 7", "days_after_initiation = 8")
    terraform = {f.path: f.content for f in edited.files if f.kind is FileKind.terraform}

    canonical = canonicalize(terraform, catalog)
    assert canonical.vetted == {} and canonical.module_names == {} and canonical.files == terraform

    result = GuardrailEngine(cache_size=0).evaluate(edited)
    assert result.findings and not any(f.accepted for f in result.findings)


@pytest.mark.parametrize(
    "value",
    ["*", 'x${file(\\"/etc/passwd\\")}', "UPPER_case"],
)
def test_values_outside_a_label_pattern_stay_as_they_are(value):
    catalog = VettedCatalog.from_catalog()
    bundle = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)
    terraform = {f.path: f.content for f in bundle.files if f.kind is FileKind.terraform}
    terraform["terraform/main.tf"] = terraform["terraform/main.tf"].replace(
        '"mcp-app-logs-apne2"', f'"{value}"'
    )

    canonical = canonicalize(terraform, catalog)
    assert f'bucket_name        = "{value}"' in canonical.files["terraform/main.tf"]


def test_a_name_used_elsewhere_in_the_config_keeps_the_config_as_it_is():
    """A root resource that names the bucket literally links it by value: not rewritten."""
    catalog = VettedCatalog.from_catalog()
    bundle = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)
    terraform = {f.path: f.content for f in bundle.files if f.kind is FileKind.terraform}
    terraform["terraform/main.tf"] += (
        '\nresource "aws_s3_bucket_notification" "logs" {\n  bucket = "mcp-app-logs-apne2"\n}\n'
    )

    canonical = canonicalize(terraform, catalog)
    assert canonical.module_names == {} and canonical.files == terraform
    assert canonical.vetted  # the module copy is still recognised (accepted checks apply)


@pytest.mark.parametrize("extra", [
    'module = 5\n',
    'module "odd" {\n}\n',
    'module "listed" {\n  source = ["./modules/aws-s3-bucket"]\n}\n',
    'output "x" {\n  value = module.bucket_mcp-app-logs-apne2\n}\n',
])
def test_odd_but_parseable_roots_are_scanned_as_they_are_or_canonicalised_safely(extra):
    catalog = VettedCatalog.from_catalog()
    bundle = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)
    terraform = {f.path: f.content for f in bundle.files if f.kind is FileKind.terraform}
    terraform["terraform/extra.tf"] = extra

    canonical = canonicalize(terraform, catalog)  # never raises

    for path, text in canonical.files.items():
        assert text.count("\n") == terraform[path].count("\n"), path  # line numbers kept


def test_two_root_folders_in_one_upload_keep_their_own_names(raw_engine):
    """Each folder's module calls get their own canonical names, read back to their own."""
    files = []
    for team in ("team-a", "team-b"):
        folder = RENAMED if team == "team-b" else GENERATED
        bundle = bundle_from_dir(folder / "private-logs-bucket", skip_unsupported=True)
        files += [f.model_copy(update={"path": f"{team}/{f.path}"}) for f in bundle.files]
    both = ArtifactBundle(files=files)

    result = GuardrailEngine(cache_size=0).evaluate(both)

    assert {f.resource for f in result.findings} == {f.resource for f in raw_engine.evaluate(both).findings} == {
        "module.bucket_mcp-app-logs-apne2.aws_s3_bucket.this",
        "module.bucket_team-b-mcp-app-logs-apne2.aws_s3_bucket.this",
    }


def test_catalog_accepted_checks_are_marked_and_never_block():
    engine = GuardrailEngine(cache_size=0)
    bundle = bundle_from_dir(GENERATED / "private-logs-bucket", skip_unsupported=True)

    verdict = engine.scan(bundle, "security", blocks_at=None)
    accepted = {f.check_id: f.accepted for f in verdict.findings if f.accepted}
    assert set(accepted) == {"CKV_AWS_144", "CKV2_AWS_62"}
    assert "Cross-region replication" in accepted["CKV_AWS_144"]
    # a threshold as low as it goes still does not block on accepted findings
    from shared.contracts.artifacts import Severity

    assert engine.scan(bundle, "security", blocks_at=Severity.low).status == "passed"


def test_no_catalog_module_accepts_a_blocking_guardrail(engine):
    for module in load_catalog().values():
        for check in module.accepted_checks:
            guardrail = engine.pack.guardrail_for(check.id)
            assert guardrail is None or not guardrail.blocking, (module.name, check.id, guardrail.id)
