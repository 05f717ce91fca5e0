"""Each guardrail against its pass/fail fixtures, checkov style.

For every guardrail, ``fixtures/<GUARDRAIL-ID>/pass`` and ``/fail`` are scanned and
the test asserts the EXACT resources that fail (with the check ids behind each) and
the exact resources that pass. A check id that silently stops firing, or starts
firing on the wrong resource, changes one of these sets.
"""

from __future__ import annotations

import pytest

from tests.policy.conftest import FIXTURES, bundle_from_dir

pytestmark = pytest.mark.policy_env

#: guardrail -> case -> (failing resource -> check ids, passing resources)
EXPECTED: dict[str, dict[str, tuple[dict[str, set[str]], set[str]]]] = {
    "GR-S3-PUBLIC": {
        "pass": ({}, {"aws_s3_bucket.private", "aws_s3_bucket_public_access_block.private", "aws_s3_bucket_policy.private"}),
        "fail": (
            {
                "aws_s3_bucket.public_acl": {"CKV_AWS_20", "CKV2_AWS_6"},
                "aws_s3_bucket.open_block": {"CKV2_AWS_6"},
                "aws_s3_bucket_public_access_block.open_block": {"CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"},
                "aws_s3_bucket_policy.any_principal": {"CKV_AWS_70"},
                # public_read = true rendered through the module's variables
                "module.site.aws_s3_bucket.this": {"CKV_AWS_20", "CKV2_AWS_6"},
                "module.site.aws_s3_bucket_public_access_block.this": {
                    "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56",
                },
            },
            {
                "aws_s3_bucket.any_principal",
                "aws_s3_bucket_public_access_block.any_principal",
                "module.site.aws_s3_bucket_acl.this",
            },
        ),
    },
    "GR-K8S-ROOT": {
        "pass": ({}, {"Deployment.apps.pod-nonroot", "Pod.apps.container-uid"}),
        "fail": (
            {
                "Pod.apps.explicit-root": {"CKV_K8S_23", "MCP_K8S_1"},
                "Deployment.apps.no-context": {"CKV_K8S_23"},
                "StatefulSet.apps.zero-override": {"MCP_K8S_1"},
                "Job.apps.init-root": {"MCP_K8S_2"},
            },
            set(),
        ),
    },
    "GR-K8S-PRIVILEGED": {
        "pass": ({}, {"Deployment.apps.hardened"}),
        "fail": (
            {
                "Pod.apps.privileged": {"CKV_K8S_16"},
                "Pod.apps.escalation": {"CKV_K8S_20"},
                "Deployment.apps.sys-admin": {"CKV_K8S_39"},
                "DaemonSet.apps.docker-sock": {"CKV_K8S_27"},
            },
            set(),
        ),
    },
    "GR-K8S-HOST-NAMESPACES": {
        "pass": ({}, {"Pod.apps.isolated"}),
        "fail": (
            {
                "Pod.apps.host-pid": {"CKV_K8S_17"},
                "Pod.apps.host-ipc": {"CKV_K8S_18"},
                "Deployment.apps.host-net": {"CKV_K8S_19"},
            },
            set(),
        ),
    },
    "GR-NET-OPEN-ADMIN-PORTS": {
        "pass": (
            {},
            {
                "aws_security_group.internal_ssh",
                "aws_security_group_rule.https",
                "aws_vpc_security_group_ingress_rule.postgres_vpc",
            },
        ),
        "fail": (
            {
                "aws_security_group.ssh_world": {"CKV_AWS_24"},
                "aws_security_group_rule.rdp_world": {"CKV_AWS_25"},
                "aws_vpc_security_group_ingress_rule.postgres_world": {"MCP_AWS_1"},
                "aws_security_group.redis_v6": {"MCP_AWS_1"},
                "aws_security_group.all_open": {"CKV_AWS_277", "CKV_AWS_24", "CKV_AWS_25"},
            },
            set(),
        ),
    },
    "GR-IAM-WILDCARD": {
        "pass": (
            {},
            {
                "aws_iam_role.app",
                "aws_iam_policy.read_logs",
                "aws_iam_policy_document.scoped",
                "aws_iam_policy_document.bucket",
                "aws_iam_role_policy_attachment.readonly",
            },
        ),
        "fail": (
            {
                "aws_iam_policy.admin": {
                    "CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_355", "CKV2_AWS_40",
                    "CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290",
                },
                "aws_iam_policy_document.star_action": {"CKV_AWS_49", "CKV_AWS_107"},
                "aws_iam_role_policy.star_resource": {"CKV_AWS_355", "CKV_AWS_288"},
                "aws_iam_role.public_trust": {"CKV_AWS_60"},
                "aws_iam_role_policy_attachment.admin": {"CKV_AWS_274"},
                "aws_iam_policy_document.anonymous": {"MCP_AWS_2"},
                "aws_iam_policy_document.public_dynamic": {"MCP_AWS_2"},
            },
            set(),
        ),
    },
    "GR-ENCRYPTION-AT-REST": {
        "pass": (
            {},
            {
                "aws_db_instance.encrypted",
                "aws_ebs_volume.encrypted",
                "aws_efs_file_system.encrypted",
                "aws_eks_cluster.encrypted",
                "aws_s3_bucket.encrypted",
            },
        ),
        "fail": (
            {
                "aws_db_instance.plain": {"CKV_AWS_16"},
                "aws_ebs_volume.plain": {"CKV_AWS_3"},
                "aws_efs_file_system.plain": {"CKV_AWS_42"},
                "aws_eks_cluster.plain": {"CKV_AWS_58"},
                "aws_s3_bucket.plain": {"CKV_AWS_19"},
            },
            set(),
        ),
    },
    "GR-ENCRYPTION-CMK": {
        "pass": ({}, {"aws_s3_bucket.kms", "aws_ecr_repository.kms"}),
        "fail": ({"aws_s3_bucket.sse_s3": {"CKV_AWS_145"}, "aws_ecr_repository.default_key": {"CKV_AWS_136"}}, set()),
    },
    "GR-IMAGE-MUTABLE-TAG": {
        "pass": ({}, {"Deployment.apps.pinned", "Pod.apps.digest", "aws_ecr_repository.immutable", "/Dockerfile.FROM"}),
        "fail": (
            {
                "Pod.apps.latest": {"CKV_K8S_14"},
                "Pod.apps.untagged": {"CKV_K8S_14"},
                "Deployment.apps.channel": {"MCP_K8S_3"},
                "Job.apps.init-latest": {"CKV_K8S_14"},
                "aws_ecr_repository.mutable": {"CKV_AWS_51"},
                "/Dockerfile.FROM": {"CKV_DOCKER_7"},
            },
            set(),
        ),
    },
    "GR-K8S-NO-LIMITS": {
        "pass": ({}, {"Deployment.apps.sized"}),
        "fail": (
            {
                "Deployment.apps.unsized": {"CKV_K8S_10", "CKV_K8S_11", "CKV_K8S_12", "CKV_K8S_13"},
                "Pod.apps.no-cpu": {"CKV_K8S_10", "CKV_K8S_11"},
            },
            set(),
        ),
    },
    "GR-K8S-LOW-UID": {
        "pass": ({}, {"Pod.apps.high-uid"}),
        "fail": ({"Pod.apps.low-uid": {"CKV_K8S_40"}}, set()),
    },
}

#: The pack as decided (id -> severity, blocking). Changing a row is a policy decision.
PACK_TABLE = {
    "GR-S3-PUBLIC": ("CRITICAL", True),
    "GR-K8S-ROOT": ("CRITICAL", True),
    "GR-K8S-PRIVILEGED": ("CRITICAL", True),
    "GR-K8S-HOST-NAMESPACES": ("HIGH", True),
    "GR-NET-OPEN-ADMIN-PORTS": ("CRITICAL", True),
    "GR-IAM-WILDCARD": ("CRITICAL", True),
    "GR-ENCRYPTION-AT-REST": ("HIGH", True),
    "GR-IMAGE-MUTABLE-TAG": ("HIGH", True),
    "GR-ENCRYPTION-CMK": ("MEDIUM", False),
    "GR-K8S-NO-LIMITS": ("MEDIUM", False),
    "GR-K8S-LOW-UID": ("MEDIUM", False),
}


def _sets(engine, guardrail_id: str, case: str) -> tuple[dict[str, set[str]], set[str]]:
    guardrail = engine.pack.guardrails[guardrail_id]
    ids = set(guardrail.check_ids)
    result = engine.evaluate(bundle_from_dir(FIXTURES / guardrail_id / case))
    failing: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.check_id in ids:
            assert finding.guardrail_id == guardrail_id
            assert finding.blocking is guardrail.blocking and finding.severity == guardrail.severity
            failing.setdefault(finding.resource, set()).add(finding.check_id)
    passing = {resource for check_id, resource, _ in result.passed if check_id in ids} - set(failing)
    return failing, passing


@pytest.mark.parametrize("case", ["pass", "fail"])
@pytest.mark.parametrize("guardrail_id", sorted(EXPECTED))
def test_guardrail_fixtures(engine, guardrail_id, case):
    failing, passing = _sets(engine, guardrail_id, case)
    expected_failing, expected_passing = EXPECTED[guardrail_id][case]
    assert failing == expected_failing
    assert passing == expected_passing
    if case == "pass":
        assert not failing and passing, "a pass fixture must be checked and pass"
    else:
        assert failing, "a fail fixture must fail"


def test_every_guardrail_has_pass_and_fail_fixtures(engine):
    assert set(EXPECTED) == set(engine.pack.guardrails)
    for guardrail_id in engine.pack.guardrails:
        for case in ("pass", "fail"):
            assert any((FIXTURES / guardrail_id / case).iterdir()), f"{guardrail_id}/{case} is empty"


def test_pack_table(engine):
    table = {g.id: (g.severity.value, g.blocking) for g in engine.pack.guardrails.values()}
    assert table == PACK_TABLE
    for guardrail in engine.pack.guardrails.values():
        assert guardrail.check_ids and guardrail.message and guardrail.fix


def test_every_pack_id_exists_in_checkov_3_3_30(engine):
    """The engine refuses to start otherwise; this states it where a reader looks."""
    from services.policy.scanner import CHECKOV_VERSION, known_check_ids

    assert CHECKOV_VERSION == "3.3.30"
    known = known_check_ids()
    for guardrail in engine.pack.guardrails.values():
        assert set(guardrail.check_ids) <= known, guardrail.id
    assert set(engine.pack.plain_severity) <= known


def test_checkov_ids_mean_what_the_pack_says():
    """A few ids whose titles are easy to get wrong (see the YAML comments)."""
    from checkov.kubernetes.checks.resource.registry import registry as k8s
    from checkov.terraform.checks.resource.registry import resource_registry as tf

    def name(registry, check_id):
        return next(c.name for checks in registry.checks.values() for c in checks if c.id == check_id)

    assert "root containers" in name(k8s, "CKV_K8S_23")
    assert "high UID" in name(k8s, "CKV_K8S_40")
    assert name(k8s, "CKV_K8S_6") == "Do not admit root containers"  # PodSecurityPolicy only
    assert "privileged" in name(k8s, "CKV_K8S_16")
    assert "port 80" in name(tf, "CKV_AWS_260")  # a web port: not in GR-NET-OPEN-ADMIN-PORTS
    assert "port 22" in name(tf, "CKV_AWS_24") and "port 3389" in name(tf, "CKV_AWS_25")
    assert "ECR Image Tags are immutable" in name(tf, "CKV_AWS_51")
    k8s_psp_only = {c.id for c in k8s.checks.get("PodSecurityPolicy", [])}
    assert {"CKV_K8S_1", "CKV_K8S_2", "CKV_K8S_3", "CKV_K8S_4", "CKV_K8S_5", "CKV_K8S_6"} <= k8s_psp_only
