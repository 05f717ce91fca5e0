"""A scan's findings do not depend on what the worker scanned before.

checkov keeps the IAM policy documents its cloudsplaining checks build in a class-level
dict keyed by ``file:type:name``, which is right for the one run of a CLI process. A
worker runs checkov for every request: without clearing it, a policy at the same path
and name as one scanned earlier (the start-up warm-up's, a catalog module's) was judged
as that earlier policy. A harmless policy then failed five privilege checks, and an
edited catalog module granting ``*`` would have passed them.
"""

from __future__ import annotations

import pytest

from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile

pytestmark = pytest.mark.policy_env

_POLICY = """resource "aws_iam_policy" "shared_name" {{
  name   = "shared-name"
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "{action}", Resource = "{resource}" }}]
  }})
}}
"""
_PRIVILEGE_CHECKS = {"CKV_AWS_286", "CKV_AWS_287", "CKV_AWS_288", "CKV_AWS_289", "CKV_AWS_290"}


def _bundle(action: str, resource: str) -> ArtifactBundle:
    content = _POLICY.format(action=action, resource=resource)
    return ArtifactBundle(files=[GeneratedFile(path="terraform/iam.tf", kind=FileKind.terraform, content=content)])


def _privilege_findings(engine, bundle: ArtifactBundle) -> set[str]:
    return {f.check_id for f in engine.scan(bundle, "devops").findings} & _PRIVILEGE_CHECKS


def test_a_narrow_policy_is_not_judged_as_the_wildcard_scanned_before_it(engine):
    wildcard, narrow = _bundle("*", "*"), _bundle("s3:GetObject", "arn:aws:s3:::reports/*")
    assert _privilege_findings(engine, wildcard) == _PRIVILEGE_CHECKS
    assert _privilege_findings(engine, narrow) == set()


def test_a_wildcard_is_not_judged_as_the_narrow_policy_scanned_before_it(engine):
    narrow, wildcard = _bundle("s3:PutObject", "arn:aws:s3:::uploads/*"), _bundle("*", "*")
    assert _privilege_findings(engine, narrow) == set()
    assert _privilege_findings(engine, wildcard) == _PRIVILEGE_CHECKS
