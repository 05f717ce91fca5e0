"""From a scan's findings to a verdict: who blocks, under which persona.

* a finding of a *blocking* guardrail blocks the run, whoever asks;
* otherwise the persona decides: ``security`` blocks on any finding of MEDIUM or
  above, ``devops`` and ``sre`` pass and get the findings in the report.
"""

from __future__ import annotations

from services.policy.checkov_tuning import CHECKOV_VERSION
from services.policy.results import ScanResult
from shared.contracts.artifacts import Finding, GuardrailVerdict, Severity
from shared.contracts.intent import Persona

SCANNER = f"checkov {CHECKOV_VERSION}"

#: From which severity a non-blocking finding blocks, per persona (None: never).
#: Marks "use PERSONA_BLOCKS_AT" (None already means "never block on severity").
DEFAULT_THRESHOLD = object()
PERSONA_BLOCKS_AT: dict[Persona, Severity | None] = {
    Persona.security: Severity.medium,
    Persona.devops: None,
    Persona.sre: None,
}


def assemble_verdict(
    result: ScanResult, persona: Persona, content_sha: str, threshold: Severity | None
) -> GuardrailVerdict:
    """The verdict on one scan result under one persona's threshold."""
    blocked = any(f.blocking for f in result.findings) or (
        threshold is not None
        and any(f.severity.rank >= threshold.rank and not f.accepted for f in result.findings)
    )
    return GuardrailVerdict(
        status="blocked" if blocked else "passed",
        persona=persona.value,
        findings=[f.model_copy() for f in result.findings],
        checks_passed=result.checks_passed,
        checks_failed=result.checks_failed,
        scanner=SCANNER,
        timings_ms=dict(result.timings_ms),
        content_sha256=content_sha,
    )


def blocking_reasons(
    verdict: GuardrailVerdict, blocks_at: Severity | None | object = DEFAULT_THRESHOLD
) -> list[Finding]:
    """The findings that made a verdict ``blocked`` under its persona (empty when it passed).

    Blocking guardrails first; for the security persona, the non-blocking findings at
    or above its threshold when no guardrail blocks. LOW plain findings never appear.
    """
    if verdict.passed:
        return []
    blocking = [f for f in verdict.findings if f.blocking]
    if blocking:
        return blocking
    threshold = PERSONA_BLOCKS_AT.get(Persona(verdict.persona)) if blocks_at is DEFAULT_THRESHOLD else blocks_at
    return [
        f for f in verdict.findings if threshold is not None and f.severity.rank >= threshold.rank and not f.accepted
    ]

