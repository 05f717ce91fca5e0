"""The guardrail engine: checkov in-process, our guardrail pack on top, one result out.

``GuardrailEngine.scan(bundle, persona)`` writes each framework's files into a
temporary folder, runs checkov's Terraform and Kubernetes runners (and GitHub Actions /
Dockerfile when the bundle has such files) in this process, maps every failed check to
a guardrail of the pack and hands the result to ``services/policy/verdict.py``.

Why in-process: the checkov CLI pays seconds of start-up per call; a warm runner
scans a small generated bundle in tens of milliseconds. checkov keeps its check
registries in module globals, so the engine loads the external check folders once,
builds a NEW runner for every scan (a reused runner keeps the previous results) and
serialises scans with a lock.

Why two caches: whole bundles by content hash (a retried or repeated request), and
each framework's files on their own, Terraform in its canonical form
(``services/policy/canonical.py``: names of vetted catalog module calls, their label
inputs and the provider's default tags replaced by placeholders). Generated stacks
differ between requests mostly in names, so the second EKS request of any team costs
its manifest scan and a lookup instead of a few hundred milliseconds of Terraform
graph work. Findings are read back under the request's own names, and findings of
checks a vetted module accepts (its ``module.yaml`` ``accepted_checks``) carry the
reason and never block; blocking guardrails cannot be accepted. The framework parts are
also shared between processes through Redis when the worker configures a store
(``services/policy/scan_store.py``).

Remote Terraform modules are never downloaded (checkov's default); generated bundles
carry their module copies.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from importlib import import_module
from pathlib import Path
from typing import Any


from services.policy import scan_failures
from services.policy.budget import ScanTooLarge, raise_if_spent, time_budget
from services.policy.canonical import CanonicalFiles, VettedCatalog, canonicalize, files_digest
from services.policy.check_registry import RUNNERS, known_check_ids, load_check_dirs
from services.policy.checkov_tuning import CHECKOV_LOCK, CHECKOV_VERSION, configure_checkov, start_run
from services.policy.guardrails import GuardrailPack, load_pack
from services.policy.inputs import (
    InvalidInput,
    admit,
    check_limits,
    HELM_NOT_SCANNED,
    helm_chart_roots,
    in_helm_chart,
    neutralise_suppressions,
    parse_persona,
)
from services.policy.lru import Lru
from services.policy.records import RelativePaths, check_coverage, finding_from_record
from services.policy.results import Part, ScanResult, ScanStats, sort_key
from services.policy.scan_failures import ScanFailed
from services.policy.scan_store import RedisScanStore
from services.policy.structure_limits import check_structure
from services.policy.verdict import DEFAULT_THRESHOLD, PERSONA_BLOCKS_AT, assemble_verdict, error_verdict
from shared.contracts.artifacts import ArtifactBundle, FileKind, Finding, GeneratedFile, GuardrailVerdict, Severity
from shared.contracts.intent import Persona

from checkov.runner_filter import RunnerFilter  # noqa: E402  after checkov_tuning set the environment

log = logging.getLogger(__name__)

#: Where each scan's files are written: a memory file system when the machine has one.
#: checkov reads them back and the folder is removed after every scan; on a disk file
#: system the writes, the ``stat`` calls and the removal cost several ms per scan.
SCAN_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK) else None

#: The result when every file was set aside (a Helm chart alone): nothing ran, nothing found.
_NOTHING_SCANNED = ScanResult(findings=(), passed=(), checks_passed=0, checks_failed=0, timings_ms={})


class GuardrailEngine:
    """Scans bundles against checkov + the guardrail pack; one per process is enough.

    Two caches, both keyed by content hashes and the pack version: whole bundles
    (a repeated request), and each framework's files on their own, the Terraform
    part in its canonical form (``services/policy/canonical.py``), so a new request
    that differs from an earlier one only in names re-scans only its manifests.
    ``canonical=False`` scans Terraform as sent (tests compare the two).
    """

    def __init__(
        self,
        extra_policies_dir: str | Path | None = None,
        cache_size: int = 256,
        catalog: VettedCatalog | None = None,
        canonical: bool = True,
        shared_store: RedisScanStore | None = None,
        cpu_limit_s: float | None = None,
    ) -> None:
        """``cpu_limit_s``: a scan's CPU-time budget in seconds (``budget.py``); None: unbounded."""
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        self.pack: GuardrailPack = load_pack(extra_policies_dir)
        configure_checkov()
        load_check_dirs(self.pack.check_dirs)
        self.pack.verify(known_check_ids())
        self.catalog = catalog if catalog is not None else VettedCatalog.from_catalog()
        self.canonical = canonical
        self.cache_size = cache_size
        self.stats = ScanStats()
        self._results = Lru(cache_size)
        self._parts = Lru(cache_size)
        self.shared_store = shared_store
        self.cpu_limit_s = cpu_limit_s

    # -- public API

    def scan(
        self,
        bundle: ArtifactBundle,
        persona: Persona | str,
        blocks_at: Severity | None | object = DEFAULT_THRESHOLD,
        not_scanned: Iterable[tuple[str, str]] = (),
    ) -> GuardrailVerdict:
        """`blocks_at`: from which severity non-blocking findings block for this persona
        (the config service's `persona.<name>.blocks_at`); by default PERSONA_BLOCKS_AT.

        Files of a Helm chart (under a folder with ``Chart.yaml``) are left out and named
        in the verdict, as are ``not_scanned`` (path, reason) pairs the caller already
        set aside: such a verdict is at best ``incomplete``, never ``passed``.
        """
        persona = parse_persona(persona)
        check_limits(bundle.files)
        content_sha = bundle.content_sha256
        threshold = PERSONA_BLOCKS_AT[persona] if blocks_at is DEFAULT_THRESHOLD else blocks_at
        left_out = set(not_scanned)
        charts = helm_chart_roots(f.path for f in bundle.files)
        if charts:
            left_out |= {(f.path, HELM_NOT_SCANNED) for f in bundle.files if in_helm_chart(f.path, charts)}
            bundle = bundle.model_copy(update={"files": [f for f in bundle.files if not in_helm_chart(f.path, charts)]})
        started = time.perf_counter()
        try:
            with time_budget(self.cpu_limit_s):
                result = self._evaluate(bundle, content_sha) if bundle.files else _NOTHING_SCANNED
            if left_out:
                result = dataclasses.replace(result, not_scanned=tuple(sorted(left_out)))
        except InvalidInput:
            raise
        except ScanTooLarge as exc:
            return self._error(persona, content_sha, [str(exc)], started)
        except ScanFailed as exc:  # a check raised: checkov would have dropped its result
            errors = [str(f) for f in exc.failures]
            if exc.total > len(exc.failures):
                errors.append(f"{exc.total - len(exc.failures)} more failures")
            if any(f.error.startswith("MemoryError") or "Errno 12]" in f.error for f in exc.failures):
                errors.insert(0, "too large to scan: the scan ran out of its memory budget")
            return self._error(persona, content_sha, errors, started)
        except Exception as exc:  # noqa: BLE001 - fail closed: any fault of the scan is an error verdict
            log.exception("guardrail scan failed")
            return self._error(persona, content_sha, [_scan_fault(exc)], started)
        return assemble_verdict(result, persona, content_sha, threshold, bundle)

    def _error(self, persona: Persona, content_sha: str, errors: list[str], started: float) -> GuardrailVerdict:
        self.stats.errors += 1
        log.warning("guardrail scan ended in error: %s", "; ".join(errors))
        return error_verdict(persona, content_sha, errors, {"total": round((time.perf_counter() - started) * 1000, 2)})

    def evaluate(self, bundle: ArtifactBundle) -> ScanResult:
        """Scan (or take from the cache) without applying a persona.

        The cache key is the content hash, the file kinds and the pack version; the
        persona is applied afterwards by ``scan`` because it only changes the status,
        so a devops and a security review of the same bundle share one checkov run.
        """
        check_limits(bundle.files)
        return self._evaluate(bundle, bundle.content_sha256)

    def _evaluate(self, bundle: ArtifactBundle, content_sha: str) -> ScanResult:
        files = list(bundle.files)
        key = (content_sha, tuple(sorted((f.path, f.kind.value) for f in files)), self.pack.version)
        result = self._results.get(key)
        if result is not None:
            self.stats.cache_hits += 1
            return result
        result = self._run(files)
        raise_if_spent()  # a swallowed budget exception: nothing computed since is kept
        self._results.put(key, result)
        return result

    def scan_files(self, files: Mapping[str, str], persona: Persona | str) -> GuardrailVerdict:
        """Scan raw uploads (``POST /api/v1/validate``): paths decide the scanner."""
        generated, not_scanned = admit(files)
        return self.scan(ArtifactBundle(files=generated), persona, not_scanned=not_scanned)

    def clear_cache(self, bundles: bool = True, parts: bool = True) -> None:
        if bundles:
            self._results.clear()
        if parts:
            self._parts.clear()

    # -- scanning

    def _run(self, files: list[GeneratedFile]) -> ScanResult:
        started = time.perf_counter()
        by_kind: dict[FileKind, list[GeneratedFile]] = {}
        for file in files:
            check_structure(file)  # aliases, nesting, parseable YAML: before any loader builds it
            by_kind.setdefault(file.kind, []).append(file)

        findings: list[Finding] = []
        passed_records: set[tuple[str, str, str]] = set()
        passed = failed = 0
        timings: dict[str, float] = {}
        ran_checkov = False
        for kind in (k for k in RUNNERS if k in by_kind):
            framework = RUNNERS[kind][1]
            t0 = time.perf_counter()
            sent = {f.path: f.content for f in by_kind[kind]}
            if kind is not FileKind.terraform:
                canonical = CanonicalFiles(files=sent)
            elif self.canonical:
                canonical = canonicalize(sent, self.catalog)
            else:
                canonical = CanonicalFiles(files=sent, vetted=self.catalog.identify(sent))
            part_key = (framework, files_digest(canonical.files), self.pack.version)
            part = self._parts.get(part_key)
            if part is None and self.shared_store is not None:
                part = self._shared_part(part_key)
            if part is None:
                if not ran_checkov:  # counted before the scan: one that raises counts too
                    self.stats.checkov_scans += 1
                    ran_checkov = True
                part = self._scan_part(kind, canonical.files)
                raise_if_spent()
                self._parts.put(part_key, part)
                if self.shared_store is not None:
                    self.shared_store.put(self._shared_key(part_key), part.to_json())
                timings[framework] = part.scan_ms
            else:
                self.stats.part_hits += 1
                timings[f"{framework}_cached"] = round((time.perf_counter() - t0) * 1000, 2)
            passed += part.checks_passed
            failed += part.checks_failed
            passed_records.update(
                (check, canonical.original_resource(resource), file) for check, resource, file in part.passed
            )
            findings += (self._read_back(finding, canonical) for finding in part.findings)
        timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        ordered = tuple(sorted(findings, key=sort_key))
        return ScanResult(
            findings=ordered,
            passed=tuple(sorted(passed_records)),
            checks_passed=passed,
            checks_failed=failed,
            timings_ms=timings,
        )

    @staticmethod
    def _shared_key(part_key: tuple) -> str:
        framework, digest, pack_version = part_key
        return f"checkov-{CHECKOV_VERSION}:{pack_version}:{framework}:{digest}"

    def _shared_part(self, part_key: tuple) -> Part | None:
        data = self.shared_store.get(self._shared_key(part_key))
        if data is None:
            return None
        try:
            part = Part.from_json(data)
        except (KeyError, TypeError, ValueError) as exc:
            log.warning("shared scan entry unreadable (%s): scanning again", exc)
            return None
        self.stats.shared_hits += 1
        self._parts.put(part_key, part)
        return part

    @staticmethod
    def _read_back(finding: Finding, canonical: CanonicalFiles) -> Finding:
        """Original module call names, and the catalog's reason when it accepts the finding."""
        update: dict[str, Any] = {}
        resource = canonical.original_resource(finding.resource)
        if resource != finding.resource:
            update["resource"] = resource
        module = canonical.vetted_module_of(finding.file)
        if module is not None and not finding.blocking and finding.check_id in module.accepted_checks:
            update["accepted"] = f"accepted by catalog module {module.name}: {module.accepted_checks[finding.check_id]}"
        return finding.model_copy(update=update) if update else finding

    def _scan_part(self, kind: FileKind, files: Mapping[str, str]) -> Part:
        """One checkov runner over one framework's files, in a fresh temporary folder."""
        module, framework = RUNNERS[kind]
        findings: dict[tuple, Finding] = {}
        passed_records: set[tuple[str, str, str]] = set()
        passed = failed = 0
        with tempfile.TemporaryDirectory(prefix="mcp-policy-", dir=SCAN_DIR) as tmp, CHECKOV_LOCK:
            root = Path(tmp).resolve() / framework  # resolved: checkov reports absolute paths
            for path, content in files.items():
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(neutralise_suppressions(content), encoding="utf-8")
            t0 = time.perf_counter()
            runner = import_module(module).Runner()  # a new runner per scan: they keep results
            start_run()
            with scan_failures.recording(framework, str(root)):
                reports = runner.run(
                    root_folder=str(root),
                    runner_filter=RunnerFilter(framework=[framework], show_progress_bar=False),
                    collect_skip_comments=False,
                )
            scan_ms = round((time.perf_counter() - t0) * 1000, 2)
            reports = reports if isinstance(reports, list) else [reports]
            check_coverage(kind, root, files, runner, reports)
            relative = RelativePaths(root)
            for report in reports:
                passed += len(report.passed_checks)
                failed += len(report.failed_checks)
                passed_records.update((r.check_id, r.resource, relative(r)) for r in report.passed_checks)
                for record in report.failed_checks:
                    finding = finding_from_record(record, root, self.pack)
                    findings.setdefault((finding.check_id, finding.resource, finding.file, finding.line_start), finding)
        return Part(
            findings=tuple(findings.values()),
            passed=frozenset(passed_records),
            checks_passed=passed,
            checks_failed=failed,
            scan_ms=scan_ms,
        )


def _scan_fault(exc: BaseException) -> str:
    """What an unexpected scan failure is called in a verdict (no traceback: that is in the log)."""
    if isinstance(exc, RecursionError):
        return "scan failed: the files are nested too deeply for checkov (RecursionError); flatten them"
    if isinstance(exc, MemoryError) or (isinstance(exc, OSError) and exc.errno == errno.ENOMEM):
        return "too large to scan: the scan ran out of its memory budget"
    return f"scan failed: {type(exc).__name__}: {exc}"[:500]
