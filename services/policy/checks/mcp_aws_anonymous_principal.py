"""MCP_AWS_2: policy documents must not allow anonymous principals.

Why our own check: checkov's CKV_AWS_283 fails ``principals { type = "AWS",
identifiers = ["*"] }`` but not ``type = "*"``, which is the same thing (Principal
"*", anyone on the internet) and is how a public-read bucket policy is usually
written. A Deny for "*" (e.g. deny insecure transport) is fine, and so is an Allow
narrowed by a condition (aws:SourceVpce, aws:PrincipalOrgID, ...).

``dynamic "statement"`` blocks count too: checkov renders their ``for_each`` but
leaves them out of ``statement``, so a public statement switched on by a module
variable (``public_read = true``) would otherwise go unseen. A ``for_each`` checkov
cannot render is treated as present: a blocking guardrail must not pass what it
cannot prove absent.
"""

from __future__ import annotations

from typing import Any

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.common.util.type_forcers import force_list
from checkov.terraform.checks.data.base_check import BaseDataCheck

ANONYMOUS_TYPES = ("*", "AWS")


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _anonymous(principal: dict[str, Any]) -> bool:
    identifiers = force_list(_first(principal.get("identifiers")))
    return _first(principal.get("type")) in ANONYMOUS_TYPES and "*" in identifiers


def _generated(for_each: Any) -> bool:
    """Whether a dynamic block produces at least one statement (unknown counts as yes)."""
    value = _first(for_each) if isinstance(for_each, list) and len(for_each) == 1 and not isinstance(
        for_each[0], str) else for_each
    if isinstance(value, (list, dict, set, tuple)):
        return len(value) > 0
    return value is not None  # an unrendered expression such as "${var.statements}"


def _statements(conf: dict[str, Any]) -> list[Any]:
    statements = list(force_list(conf.get("statement")))
    for block in force_list(conf.get("dynamic")):
        dynamic = block.get("statement") if isinstance(block, dict) else None
        if isinstance(dynamic, dict) and _generated(dynamic.get("for_each")):
            statements.extend(force_list(dynamic.get("content")))
    return statements


class AnonymousPrincipal(BaseDataCheck):
    def __init__(self) -> None:
        super().__init__(
            name="Policy documents must not allow anonymous principals (\"*\") without a condition",
            id="MCP_AWS_2",
            categories=(CheckCategories.IAM,),
            supported_data=("aws_iam_policy_document",),
        )

    def scan_data_conf(self, conf: dict[str, list[Any]]) -> CheckResult:
        for index, statement in enumerate(_statements(conf)):
            if not isinstance(statement, dict) or statement.get("condition"):
                continue
            if _first(statement.get("effect")) == "Deny":
                continue
            if any(isinstance(p, dict) and _anonymous(p) for p in force_list(statement.get("principals"))):
                self.evaluated_keys = [f"statement/[{index}]/principals"]
                return CheckResult.FAILED
        return CheckResult.PASSED


check = AnonymousPrincipal()
