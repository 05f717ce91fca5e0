"""checkov's IAM checks judge a policy document built once per content as they judge a new one.

``services/policy/iam_memos.py`` builds cloudsplaining's ``PolicyDocument`` once per
distinct policy content and hands the same document to later scans; these tests hold
that to what matters: every cloudsplaining check of checkov gives the same answer on
the shared document as on a new one, however many analyses ran on it before.
"""

from __future__ import annotations

import copy
import logging

import pytest

pytestmark = pytest.mark.policy_env

_POLICIES = [
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]},
    {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"},
    ]},
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                             "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]},
]


@pytest.fixture(scope="module")
def tuned():
    from services.policy.checkov_tuning import configure_checkov

    configure_checkov()
    from cloudsplaining.scan.policy_document import PolicyDocument
    from checkov.terraform.checks.resource import base_cloudsplaining_resource_iam_check as resource_checks
    from checkov.terraform.checks.resource.registry import resource_registry

    checks = [c for checks in resource_registry.checks.values() for c in checks
              if isinstance(c, resource_checks.BaseTerraformCloudsplainingResourceIAMCheck)]
    return PolicyDocument, resource_checks.PolicyDocument, list({id(c): c for c in checks}.values())


def test_equal_policies_share_one_document_and_different_ones_do_not(tuned):
    _, document, _ = tuned
    policy = copy.deepcopy(_POLICIES[2])
    assert document(policy) is document(copy.deepcopy(policy))
    reordered = copy.deepcopy(policy)
    reordered["Statement"][0]["Action"].reverse()
    assert document(reordered) is not document(policy)
    as_bool = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "X": True}]}
    as_int = copy.deepcopy(as_bool)
    as_int["Statement"][0]["X"] = 1
    assert document(as_bool) is not document(as_int)  # equal under ==, different to cloudsplaining


def test_the_document_does_not_hold_the_callers_dict(tuned):
    _, document, _ = tuned
    policy = copy.deepcopy(_POLICIES[1])
    built = document(policy)
    policy["Statement"][0]["Action"] = ["*"]  # checkov's dict changed after the scan
    assert built.statements[0].statement["Action"] == ["s3:GetObject"]


def test_every_iam_check_judges_the_shared_document_as_a_new_one(tuned):
    policy_document, document, checks = tuned
    assert len(checks) >= 6
    for rounds in range(2):  # the second round meets documents every check analysed already
        for policy in _POLICIES:
            shared = document(copy.deepcopy(policy))
            for check in checks:
                fresh = policy_document(copy.deepcopy(policy))
                assert check.cloudsplaining_analysis(shared) == check.cloudsplaining_analysis(fresh), (check.id, policy)


def test_violations_are_formatted_only_when_debug_lines_are_logged(tuned):
    from checkov.terraform.checks.utils import base_cloudsplaining_iam_scanner as scanner

    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(logging.INFO)
        assert scanner.json.dumps(["iam:PassRole"], indent=2) == ""
        root.setLevel(logging.DEBUG)
        assert scanner.json.dumps(["iam:PassRole"], indent=2) == '[\n  "iam:PassRole"\n]'
    finally:
        root.setLevel(level)
