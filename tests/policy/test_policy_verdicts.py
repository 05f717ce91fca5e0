"""Verdicts: what blocks, for whom, with which file, line and check ids; the cache."""

from __future__ import annotations

import pytest

from services.policy.scanner import SCANNER, GuardrailEngine
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile, Severity
from tests.policy.conftest import FIXTURES, REPO, bundle_from_dir

pytestmark = pytest.mark.policy_env

BUNDLES = FIXTURES / "bundles"


def _guardrail_checks(verdict, guardrail_id):
    return {f.check_id for f in verdict.findings if f.guardrail_id == guardrail_id}


def test_public_bucket_is_blocked_with_file_line_and_check_ids(engine):
    verdict = engine.scan(bundle_from_dir(BUNDLES / "public-bucket"), "devops")

    assert verdict.status == "blocked" and not verdict.passed
    s3 = [f for f in verdict.findings if f.guardrail_id == "GR-S3-PUBLIC"]
    assert {f.check_id for f in s3} == {"CKV_AWS_20", "CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"}
    acl = next(f for f in s3 if f.check_id == "CKV_AWS_20")
    # the bucket resource inside the module copy, seen through `public_read = true`
    assert acl.resource == "module.website.aws_s3_bucket.this"
    assert acl.file == "terraform/modules/s3/main.tf"
    lines = (BUNDLES / "public-bucket/terraform/modules/s3/main.tf").read_text().splitlines()
    assert lines[acl.line_start - 1].startswith('resource "aws_s3_bucket" "this"')
    assert acl.line_end > acl.line_start
    assert acl.blocking and acl.severity is Severity.critical
    assert "CKV_AWS_20" in acl.message and "GR-S3-PUBLIC" in acl.message and acl.fix_hint
    block = next(f for f in s3 if f.check_id == "CKV_AWS_53")
    assert block.resource == "module.website.aws_s3_bucket_public_access_block.this"
    assert "terraform/main.tf:5-9" in block.message  # the module call that set public_read
    # blocking findings come first
    assert verdict.findings[0].blocking


def test_root_and_privileged_pod_is_blocked_by_both_guardrails(engine):
    verdict = engine.scan(bundle_from_dir(BUNDLES / "root-privileged-pod"), "devops")

    assert verdict.status == "blocked"
    assert _guardrail_checks(verdict, "GR-K8S-ROOT") == {"CKV_K8S_23", "MCP_K8S_1"}
    assert _guardrail_checks(verdict, "GR-K8S-PRIVILEGED") == {"CKV_K8S_16", "CKV_K8S_20"}
    root = next(f for f in verdict.findings if f.check_id == "CKV_K8S_23")
    assert (root.resource, root.file, root.line_start) == ("Deployment.staging.redis", "kubernetes/redis/deployment.yaml", 1)
    assert root.line_end == len((BUNDLES / "root-privileged-pod/kubernetes/redis/deployment.yaml").read_text().splitlines())


def test_clean_config_passes_for_devops(engine):
    bundle = bundle_from_dir(BUNDLES / "clean")
    verdict = engine.scan(bundle, "devops")

    assert verdict.status == "passed", [f for f in verdict.findings if f.blocking]
    assert not any(f.blocking for f in verdict.findings)
    assert verdict.persona == "devops"
    assert verdict.scanner == SCANNER == "checkov 3.3.30"
    assert verdict.content_sha256 == bundle.content_sha256  # what the approval gate compares
    assert verdict.checks_passed > 50 and verdict.checks_failed == len(verdict.findings)
    assert {"terraform", "kubernetes", "total"} <= set(verdict.timings_ms)
    # hardened enough that even the strict persona passes it
    assert engine.scan(bundle, "security").status == "passed"


def _unsized(bundle: ArtifactBundle) -> ArtifactBundle:
    """The clean bundle with the nginx resources block removed (a MEDIUM, non-blocking finding)."""
    files = []
    for file in bundle.files:
        content = file.content
        if file.path.endswith("deployment.yaml"):
            start = content.index("          resources:")
            end = content.index("          livenessProbe:")
            content = content[:start] + content[end:]
        files.append(file.model_copy(update={"content": content}))
    return ArtifactBundle(files=files)


def test_security_blocks_on_medium_that_devops_only_reports(engine):
    bundle = _unsized(bundle_from_dir(BUNDLES / "clean"))

    devops = engine.scan(bundle, "devops")
    security = engine.scan(bundle, "security")
    sre = engine.scan(bundle, "sre")

    limits = {f.check_id for f in devops.findings if f.guardrail_id == "GR-K8S-NO-LIMITS"}
    assert limits == {"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"}
    assert all(f.severity is Severity.medium and not f.blocking for f in devops.findings if f.check_id in limits)
    assert not any(f.blocking for f in devops.findings)
    assert (devops.status, sre.status, security.status) == ("passed", "passed", "blocked")
    assert devops.findings == security.findings  # same findings, different verdicts
    assert security.persona == "security"


def test_persona_accepts_enum_and_refuses_unknown(engine):
    from services.policy.scanner import InvalidInput
    from shared.contracts.intent import Persona

    bundle = bundle_from_dir(BUNDLES / "clean")
    assert engine.scan(bundle, Persona.sre).persona == "sre"
    with pytest.raises(InvalidInput, match="unknown persona"):
        engine.scan(bundle, "auditor")


def test_same_bundle_is_not_scanned_twice():
    engine = GuardrailEngine(cache_size=4)
    bundle = bundle_from_dir(BUNDLES / "root-privileged-pod")

    first = engine.scan(bundle, "devops")
    assert (engine.stats.checkov_scans, engine.stats.cache_hits) == (1, 0)
    second = engine.scan(bundle, "devops")
    assert (engine.stats.checkov_scans, engine.stats.cache_hits) == (1, 1)
    assert second == first
    # the persona is applied on top of the cached scan: no second checkov run
    assert engine.scan(bundle, "security").persona == "security"
    assert engine.stats.checkov_scans == 1
    # a copy of the bundle (same content) hits too; one changed byte does not
    copy = ArtifactBundle(files=[f.model_copy() for f in bundle.files])
    engine.scan(copy, "devops")
    assert engine.stats.checkov_scans == 1
    changed = ArtifactBundle(
        files=[f.model_copy(update={"content": f.content.replace("replicas: 1", "replicas: 2")}) for f in bundle.files]
    )
    engine.scan(changed, "devops")
    assert engine.stats.checkov_scans == 2
    # a returned verdict is a copy: editing it does not change the cache
    second.findings.clear()
    assert engine.scan(bundle, "devops").findings


def test_cache_is_bounded():
    engine = GuardrailEngine(cache_size=2)
    bundles = [
        ArtifactBundle(files=[GeneratedFile(path=f"k/{n}.yaml", kind=FileKind.kubernetes, content=_pod(n))])
        for n in ("a", "b", "c")
    ]
    for bundle in bundles:
        engine.scan(bundle, "devops")
    assert engine.stats.checkov_scans == 3
    engine.scan(bundles[2], "devops")  # still cached
    assert engine.stats.checkov_scans == 3
    engine.scan(bundles[0], "devops")  # evicted: the oldest of three with room for two
    assert engine.stats.checkov_scans == 4


def test_file_kind_is_part_of_the_cache_key():
    engine = GuardrailEngine(cache_size=4)
    as_k8s = ArtifactBundle(files=[GeneratedFile(path="x.yaml", kind=FileKind.kubernetes, content=_pod("x"))])
    as_gha = ArtifactBundle(files=[GeneratedFile(path="x.yaml", kind=FileKind.github_actions, content=_pod("x"))])
    assert as_k8s.content_sha256 == as_gha.content_sha256
    engine.scan(as_k8s, "devops")
    from services.policy.scanner import InvalidInput

    with pytest.raises(InvalidInput, match="not a GitHub Actions workflow"):
        engine.scan(as_gha, "devops")


def test_inline_suppressions_do_not_lift_a_guardrail(engine):
    """checkov honours skip comments and annotations; the server does not."""
    bundle = ArtifactBundle(
        files=[
            GeneratedFile(
                path="terraform/main.tf",
                kind=FileKind.terraform,
                content='resource "aws_s3_bucket" "site" {\n'
                '  #checkov:skip=CKV_AWS_20:we really want it public\n'
                '  bucket = "site"\n  acl    = "public-read"\n}\n',
            ),
            GeneratedFile(
                path="kubernetes/pod.yaml",
                kind=FileKind.kubernetes,
                content=_pod("p", annotations={"checkov.io/skip1": "CKV_K8S_16=trust me"}, privileged=True),
            ),
        ]
    )
    verdict = engine.scan(bundle, "devops")
    checks = {f.check_id for f in verdict.findings}
    assert {"CKV_AWS_20", "CKV_K8S_16"} <= checks
    assert verdict.status == "blocked"


def test_content_hash_is_order_independent_and_unambiguous():
    a = GeneratedFile(path="a.tf", kind=FileKind.terraform, content="x")
    b = GeneratedFile(path="b.tf", kind=FileKind.terraform, content="y")
    assert ArtifactBundle(files=[a, b]).content_sha256 == ArtifactBundle(files=[b, a]).content_sha256
    shifted = [
        GeneratedFile(path="a.tf", kind=FileKind.terraform, content="xb.tfy"),
    ]
    assert ArtifactBundle(files=[a, b]).content_sha256 != ArtifactBundle(files=shifted).content_sha256
    assert len(ArtifactBundle().content_sha256) == 64


def _pod(name: str, annotations: dict | None = None, privileged: bool = False) -> str:
    import yaml

    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps", **({"annotations": annotations} if annotations else {})},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27.3",
                                 "securityContext": {"privileged": privileged}}]},
    }
    return yaml.safe_dump(doc, sort_keys=False)


def test_blocking_reasons_follow_the_persona(engine):
    from services.policy.scanner import blocking_reasons

    root = engine.scan(bundle_from_dir(BUNDLES / "root-privileged-pod"), "security")
    assert {f.guardrail_id for f in blocking_reasons(root)} == {"GR-K8S-ROOT", "GR-K8S-PRIVILEGED"}
    unsized = _unsized(bundle_from_dir(BUNDLES / "clean"))
    security = engine.scan(unsized, "security")
    reasons = blocking_reasons(security)
    assert reasons and all(f.severity.rank >= Severity.medium.rank and not f.blocking for f in reasons)
    assert {f.guardrail_id for f in reasons} == {"GR-K8S-NO-LIMITS"}
    assert blocking_reasons(engine.scan(unsized, "devops")) == []


def test_configure_builds_a_warm_process_engine():
    from services.policy import scanner

    engine = scanner.configure(cache_size=3)
    assert scanner.get_engine() is engine and engine.cache_size == 3
    assert (engine.stats.checkov_scans, engine.stats.cache_hits) == (0, 0)  # the warm-up is not counted
    verdict = scanner.scan(bundle_from_dir(BUNDLES / "root-privileged-pod"), "devops")
    assert verdict.status == "blocked" and engine.stats.checkov_scans == 1


def test_a_request_for_a_stack_the_worker_scanned_at_start_is_still_scanned_whole():
    """A worker scans the start-up stacks (services/policy/warm_up: the scenarios and one
    stack per other cloud) only to fill checkov's memos: no verdict or part is kept."""
    from services.policy import scanner
    from shared.examples import WARM_UP_STACKS

    stacks = scanner._warm_up_stacks()
    assert len(stacks) == len(WARM_UP_STACKS) == 6
    modules = {f.path.split("/")[2] for b in stacks for f in b.files if f.path.startswith("terraform/modules/")}
    assert {"aws-vpc", "aws-eks", "aws-s3-bucket", "gcp-gke", "gcp-gcs-bucket", "azure-aks"} <= modules

    engine = scanner.configure()
    eks = bundle_from_dir(REPO / "tests" / "fixtures" / "generated" / "eks-nginx-argocd", skip_unsupported=True)
    verdict = engine.scan(eks, "devops")
    assert (engine.stats.checkov_scans, engine.stats.part_hits, engine.stats.cache_hits) == (1, 0, 0)
    never_saw_it = GuardrailEngine().scan(eks, "devops")
    assert verdict.findings == never_saw_it.findings and verdict.status == never_saw_it.status == "passed"


def test_a_file_of_the_wrong_kind_is_refused_not_skipped(engine):
    from services.policy.scanner import InvalidInput

    mislabelled = ArtifactBundle(files=[GeneratedFile(path="k8s/pod.yaml", kind=FileKind.terraform, content=_pod("x"))])
    with pytest.raises(InvalidInput, match="marked terraform"):
        engine.scan(mislabelled, "devops")
