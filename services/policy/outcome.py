"""What a guardrail verdict means for a run (``policy.validate``).

Only ``passed`` lets the run go on. ``blocked`` ends it blocked, naming the findings;
``incomplete`` ends it blocked too, naming the files that were not scanned (a run must
never go out on files no guardrail looked at); ``error`` fails it, naming the check or
the fault (a guardrail that could not run is not a guardrail that passed).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.policy.verdict import blocking_reasons
from shared.contracts.artifacts import GuardrailVerdict, Severity


class VerdictError(Exception):
    """The scan failed: the run must fail with this message."""


@dataclass(frozen=True)
class Outcome:
    """How the step ends: ``blocked`` False means the run goes on."""

    blocked: bool
    detail: str


def outcome_of(verdict: GuardrailVerdict, threshold: Severity | None | object) -> Outcome:
    """The step's ending for a verdict; raises ``VerdictError`` for an ``error`` verdict."""
    if verdict.status == "error":
        raise VerdictError("guardrail scan failed, nothing was validated: " + "; ".join(verdict.errors or ["no reason given"]))
    if verdict.status == "passed":
        return Outcome(False, f"passed: {verdict.checks_passed} checks passed, {len(verdict.findings)} non-blocking findings")
    if verdict.status == "incomplete":
        names = "; ".join(f"{n.path} ({n.reason})" for n in verdict.not_scanned[:10])
        return Outcome(True, f"incomplete: {len(verdict.not_scanned)} files not scanned: {names}")
    causes = blocking_reasons(verdict, threshold)
    ids = sorted({f.guardrail_id or f.check_id for f in causes})
    where = "; ".join(f"{f.guardrail_id or '-'} {f.check_id} {f.resource} at {f.file}:{f.line_start}" for f in causes[:5])
    detail = f"blocked by {', '.join(ids)}: {where}"
    if verdict.not_scanned:
        detail += f"; also {len(verdict.not_scanned)} files not scanned"
    return Outcome(True, detail)
