"""Terraform's plan summary line, as it appears in a CI log.

A small parser of its own (services do not import each other): Actions prefixes every
log line with a timestamp and may colour it, so the line is searched anywhere, not
anchored at the start as in a local `terraform plan` output.
"""

from __future__ import annotations

import re

from shared.contracts import PlanCounts

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PLAN = re.compile(
    r"Plan: (?:(?P<imports>\d+) to import, )?(?P<add>\d+) to add, (?P<change>\d+) to change, (?P<destroy>\d+) to destroy"
)
_NO_CHANGES = re.compile(r"No changes\. (?:Your infrastructure matches the configuration|Infrastructure is up-to-date)")


def plan_counts(text: str) -> PlanCounts | None:
    """The last plan summary in `text`, or None when the log has none (no plan, or it failed)."""
    text = _ANSI.sub("", text)
    last = None
    for last in _PLAN.finditer(text):
        pass
    if last is not None:
        return PlanCounts(to_add=int(last["add"]), to_change=int(last["change"]), to_destroy=int(last["destroy"]))
    if _NO_CHANGES.search(text):
        return PlanCounts(no_changes=True)
    return None
