"""From a scan's findings to a verdict: who blocks, under which persona.

* a check or a finding provider that failed makes the verdict ``error``, naming it;
* a file left out of the scan makes it ``incomplete`` (unless something blocks);
* a finding of a *blocking* guardrail blocks the run, whoever asks;
* otherwise the persona decides: ``security`` blocks on any finding of MEDIUM or
  above, ``devops`` and ``sre`` pass and get the findings in the report.

Extension point: ``FINDING_PROVIDERS``. A provider is a callable
``(bundle, result) -> iterable of Finding`` run after checkov on every scan (cached
scans included: providers are never cached here); its findings join checkov's and
are judged by the same rules. A provider that raises makes the verdict ``error``
naming it, never ``passed``. Register one with ``register_finding_provider``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from services.policy.checkov_tuning import CHECKOV_VERSION
from services.policy.results import ScanResult, sort_key
from shared.contracts.artifacts import ArtifactBundle, Finding, GuardrailVerdict, NotScanned, Severity
from shared.contracts.intent import Persona

log = logging.getLogger(__name__)

SCANNER = f"checkov {CHECKOV_VERSION}"

#: From which severity a non-blocking finding blocks, per persona (None: never).
#: Marks "use PERSONA_BLOCKS_AT" (None already means "never block on severity").
DEFAULT_THRESHOLD = object()
PERSONA_BLOCKS_AT: dict[Persona, Severity | None] = {
    Persona.security: Severity.medium,
    Persona.devops: None,
    Persona.sre: None,
}


FindingProvider = Callable[[ArtifactBundle, ScanResult], Iterable[Finding]]

#: Findings beyond checkov's (e.g. graph-aware guardrails), asked on every scan in order.
FINDING_PROVIDERS: list[FindingProvider] = []


def register_finding_provider(provider: FindingProvider) -> FindingProvider:
    """Add a provider once (usable as a decorator)."""
    if provider not in FINDING_PROVIDERS:
        FINDING_PROVIDERS.append(provider)
    return provider


def _provided_findings(bundle: ArtifactBundle, result: ScanResult) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    errors: list[str] = []
    for provider in FINDING_PROVIDERS:
        name = getattr(provider, "__qualname__", repr(provider))
        try:
            findings.extend(provider(bundle, result))
        except Exception as exc:  # noqa: BLE001 - fail closed: the verdict names the provider
            log.exception("finding provider %s failed", name)
            errors.append(f"finding provider {name} raised {type(exc).__name__}: {exc}")
    return findings, errors


def assemble_verdict(
    result: ScanResult,
    persona: Persona,
    content_sha: str,
    threshold: Severity | None,
    bundle: ArtifactBundle | None = None,
) -> GuardrailVerdict:
    """The verdict on one scan result under one persona's threshold (providers included)."""
    extra, errors = _provided_findings(bundle, result) if bundle is not None else ([], [])
    findings = sorted((*result.findings, *extra), key=sort_key)
    blocked = any(f.blocking for f in findings) or (
        threshold is not None
        and any(f.severity.rank >= threshold.rank and not f.accepted for f in findings)
    )
    if errors:
        status = "error"
    elif blocked:
        status = "blocked"
    elif result.not_scanned:
        status = "incomplete"
    else:
        status = "passed"
    return GuardrailVerdict(
        status=status,
        persona=persona.value,
        findings=[f.model_copy() for f in findings],
        checks_passed=result.checks_passed,
        checks_failed=result.checks_failed,
        scanner=SCANNER,
        timings_ms=dict(result.timings_ms),
        content_sha256=content_sha,
        errors=errors,
        not_scanned=[NotScanned(path=path, reason=reason) for path, reason in result.not_scanned],
    )


def error_verdict(persona: Persona, content_sha: str, errors: list[str], timings_ms: dict | None = None) -> GuardrailVerdict:
    """The scan itself failed: no findings can be trusted, so none are reported as the answer."""
    return GuardrailVerdict(
        status="error",
        persona=persona.value,
        scanner=SCANNER,
        timings_ms=dict(timings_ms or {}),
        content_sha256=content_sha,
        errors=errors,
    )


def blocking_reasons(
    verdict: GuardrailVerdict, blocks_at: Severity | None | object = DEFAULT_THRESHOLD
) -> list[Finding]:
    """The findings that made a verdict ``blocked`` under its persona (empty when it passed,
    and for ``error``/``incomplete`` verdicts no finding caused: read ``errors``/``not_scanned``).

    Blocking guardrails first; for the security persona, the non-blocking findings at
    or above its threshold when no guardrail blocks. LOW plain findings never appear.
    """
    if verdict.status != "blocked":
        return []
    blocking = [f for f in verdict.findings if f.blocking]
    if blocking:
        return blocking
    threshold = PERSONA_BLOCKS_AT.get(Persona(verdict.persona)) if blocks_at is DEFAULT_THRESHOLD else blocks_at
    return [
        f for f in verdict.findings if threshold is not None and f.severity.rank >= threshold.rank and not f.accepted
    ]

