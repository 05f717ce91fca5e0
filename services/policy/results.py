"""What a scan found before any persona is applied: the parts the engine caches."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.artifacts import Finding

@dataclass(frozen=True)
class ScanResult:
    """What checkov found, before any persona is applied: the cached part of a verdict.

    ``passed`` lists (check id, resource, file) of every passed check, so a report or a
    test can say which resources a guardrail looked at, not only which failed.
    """

    findings: tuple[Finding, ...]
    passed: tuple[tuple[str, str, str], ...]
    checks_passed: int
    checks_failed: int
    timings_ms: dict[str, float]
    #: (path, reason) of every file left out of the scan: the verdict is then at best ``incomplete``.
    not_scanned: tuple[tuple[str, str], ...] = ()


@dataclass
class ScanStats:
    """Counters for monitoring and tests (a cache hit must not run checkov)."""

    checkov_scans: int = 0  # evaluations that ran checkov for at least one framework
    cache_hits: int = 0  # whole bundles answered from the cache
    part_hits: int = 0  # frameworks answered from the cache (e.g. Terraform differing only in names)
    shared_hits: int = 0  # of those, answered by the shared store (another process scanned them)
    errors: int = 0  # scans that ended in an error verdict


@dataclass(frozen=True)
class Part:
    """checkov's result for one framework's files, as scanned (canonical names)."""

    findings: tuple[Finding, ...]
    passed: frozenset[tuple[str, str, str]]
    checks_passed: int
    checks_failed: int
    scan_ms: float

    def to_json(self) -> dict:
        return {
            "findings": [f.model_dump(mode="json") for f in self.findings],
            "passed": sorted(self.passed),
            "checks_passed": self.checks_passed,
            "checks_failed": self.checks_failed,
            "scan_ms": self.scan_ms,
        }

    @classmethod
    def from_json(cls, data: dict) -> Part:
        return cls(
            findings=tuple(Finding.model_validate(f) for f in data["findings"]),
            passed=frozenset(tuple(p) for p in data["passed"]),
            checks_passed=int(data["checks_passed"]),
            checks_failed=int(data["checks_failed"]),
            scan_ms=float(data["scan_ms"]),
        )


def sort_key(f: Finding) -> tuple:
    """Blocking first, then most severe, then by guardrail, file and line: stable for reports."""
    return (not f.blocking, -f.severity.rank, f.guardrail_id or "~", f.file, f.line_start, f.check_id, f.resource)

