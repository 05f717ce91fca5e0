"""The guardrail engine: checkov in-process, our guardrail pack on top, one verdict out.

``scan(bundle, persona)`` writes the bundle into a temporary folder, runs checkov's
Terraform and Kubernetes runners (and GitHub Actions / Dockerfile when the bundle has
such files) in this process, maps every failed check to a guardrail of the pack and
decides:

* a finding of a *blocking* guardrail blocks the run, whoever asks;
* otherwise the persona decides: ``security`` blocks on any finding of MEDIUM or
  above, ``devops`` and ``sre`` pass and get the findings in the report.

Why in-process: the checkov CLI pays seconds of start-up per call; a warm runner
scans a small generated bundle in tens of milliseconds (an EKS + VPC bundle in a few
hundred: checkov's Terraform graph and variable rendering dominate there). checkov keeps its check registries in
module globals, so the engine loads the external check folders once, builds a NEW
runner for every scan (a reused runner keeps the previous results) and serialises
scans with a lock.

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

Why these settings (all for zero network and predictable latency):

* ``BC_SKIP_MAPPING=TRUE`` and ``bc_integration.skip_download``: checkov otherwise asks
  the vendor API for check metadata and custom policies.
* checkov's parallel runner is set to sequential: it forks a process per file batch,
  which costs more than the parse for bundles of a few files and must not happen
  inside a Celery worker anyway.
* Six pieces of checkov 3.3.30 are tuned for repeated in-process scans, each
  without changing what is computed (``services/policy/bench/guardrails.py`` compares
  the findings with the CLI's on every run):

  - the graph check registry and its attribute/resource solvers start a thread pool
    per scan and per solver; under the GIL that is pure overhead, so they run
    inline (a check that raises is dropped, as the pool silently did);
  - HCL parse results are cached by file content (a bounded LRU, deep-copied on use
    because checkov edits them): generated bundles carry the same catalog module
    copies again and again, and parsing is a third of a Terraform scan;
  - the expression evaluator (asteval) is built once per thread and its per-call
    state reset, instead of being rebuilt for every one of the thousands of
    expressions a module has;
  - Terraform expression texts are evaluated once (``evaluate_terraform`` is a pure
    function of its text), not again on every scan;
  - the Terraform graph's real-path lookups of the scan's own files are memoised;
  - Kubernetes YAML is parsed by libyaml (same line marks) instead of pure Python.

  They are applied only to the pinned checkov version (``TUNED_FOR``); any other
  version runs untouched.
* Inline suppressions (``#checkov:skip=``, ``checkov.io/skip`` annotations) are not
  honoured: guardrails are enforced server-side whatever the submitted files say.
* Remote Terraform modules are never downloaded (checkov's default); generated
  bundles carry their module copies.

checkov silently skips files it cannot parse, which would turn a typo into a
"passed" verdict. The engine refuses them instead (``InvalidInput``): YAML is parsed
before the scan, HCL parse errors are taken from checkov's report after it.
"""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
import types
from functools import lru_cache
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import yaml

os.environ["BC_SKIP_MAPPING"] = "TRUE"  # before checkov is imported: no vendor API calls

from checkov.common.bridgecrew.platform_integration import bc_integration  # noqa: E402
from checkov.common.models.enums import ParallelizationType  # noqa: E402
from checkov.common.parallelizer.parallel_runner import parallel_runner  # noqa: E402
from checkov.runner_filter import RunnerFilter  # noqa: E402
from checkov.version import version as CHECKOV_VERSION  # noqa: E402
from pydantic import ValidationError  # noqa: E402

from services.policy.canonical import CanonicalFiles, VettedCatalog, canonicalize, files_digest  # noqa: E402
from services.policy.guardrails import GuardrailPack, load_pack  # noqa: E402
from services.policy.scan_store import RedisScanStore  # noqa: E402
from shared.contracts.artifacts import (  # noqa: E402
    ArtifactBundle,
    FileKind,
    Finding,
    GeneratedFile,
    GuardrailVerdict,
    Severity,
)
from shared.contracts.intent import Persona  # noqa: E402

log = logging.getLogger(__name__)

SCANNER = f"checkov {CHECKOV_VERSION}"

#: Input limits: a worker must not be tied up (or run out of memory) by one upload.
MAX_FILES = 300
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024

#: From which severity a non-blocking finding blocks, per persona (None: never).
#: Marks "use PERSONA_BLOCKS_AT" (None already means "never block on severity").
DEFAULT_THRESHOLD = object()
PERSONA_BLOCKS_AT: dict[Persona, Severity | None] = {
    Persona.security: Severity.medium,
    Persona.devops: None,
    Persona.sre: None,
}

#: FileKind -> (checkov runner module, checkov framework name).
_RUNNERS: dict[FileKind, tuple[str, str]] = {
    FileKind.terraform: ("checkov.terraform.runner", "terraform"),
    FileKind.kubernetes: ("checkov.kubernetes.runner", "kubernetes"),
    FileKind.github_actions: ("checkov.github_actions.runner", "github_actions"),
    FileKind.dockerfile: ("checkov.dockerfile.runner", "dockerfile"),
}
#: Registries whose check ids the pack may name (imported once for ``verify``).
_PYTHON_REGISTRIES = (
    ("checkov.terraform.checks.resource.registry", "resource_registry"),
    ("checkov.terraform.checks.data.registry", "data_registry"),
    ("checkov.terraform.checks.provider.registry", "provider_registry"),
    ("checkov.terraform.checks.module.registry", "module_registry"),
    ("checkov.kubernetes.checks.resource.registry", "registry"),
    ("checkov.dockerfile.registry", "registry"),
    ("checkov.github_actions.checks.registry", "registry"),
)
#: Inline suppression markers, renamed in the scanned copy so checkov does not see
#: them (only a comment or an annotation key changes; line numbers stay).
_SUPPRESSIONS = ("checkov.io/skip", "bridgecrew.io/skip", "cortex.io/skip", "checkov:skip", "bridgecrew:skip")


class InvalidInput(ValueError):
    """The files cannot be scanned as sent; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------- checkov set-up


#: The checkov version the in-process tuning below was verified against.
TUNED_FOR = "3.3.30"


_MISSING = object()
#: The process-wide memos of the tuning below (parse results, evaluated expressions).
_PROCESS_CACHES: list[Any] = []


def clear_process_caches() -> None:
    """Forget every parse and evaluation memo of this process (benchmarks: a fresh worker)."""
    for cache in _PROCESS_CACHES:
        (getattr(cache, "cache_clear", None) or cache.clear)()


class _Lru:
    """A small thread-safe LRU map (size 0 keeps nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            value = self._items.get(key, default)
            if value is not default:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        if self.size == 0:
            return
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class _InlineExecutor:
    """A ThreadPoolExecutor stand-in that runs each task at submit time (see module doc)."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future


class _CachedHcl2:
    """checkov's view of the ``hcl2`` module, with parses cached by content.

    ``hcl2.load`` is a pure function of the text; checkov mutates what it returns,
    so every caller gets its own deep copy (far cheaper than a lark parse).
    """

    def __init__(self, real: Any, size: int = 512) -> None:
        self._real = real
        self._parsed = _Lru(size)
        _PROCESS_CACHES.append(self._parsed)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def load(self, file: Any) -> Any:
        return self.loads(file.read())

    def loads(self, text: str) -> Any:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        parsed = self._parsed.get(key)
        if parsed is None:
            parsed = self._real.loads(text)  # errors are not cached: checkov reports them
            self._parsed.put(key, parsed)
        return copy.deepcopy(parsed)


def _run_graph_checks_inline(self: Any, graph_connector: Any, runner_filter: Any, report_type: str) -> dict:
    """``BaseRegistry.run_checks`` of checkov 3.3.30 without its thread pool."""
    results: dict = {}
    for check in self.checks:
        if runner_filter.should_run_check(check, report_type=report_type):
            try:
                self.run_check_parallel(check, results, graph_connector)
            except Exception:  # noqa: BLE001 - the pool's future swallowed it the same way
                log.debug("graph check %s failed", check.id, exc_info=True)
    return results


def _reused_asteval(build: Any) -> Any:
    """``get_asteval`` that keeps one interpreter per thread and resets its per-call state.

    checkov builds an ``asteval.Interpreter`` for every expression; construction
    dominates the evaluation. The symbol table was already shared between them
    (checkov passes the same dict); the fields reset here are the ones the
    constructor would reset, and ``eval`` resets the error list itself.
    """
    local = threading.local()

    def get_asteval() -> Any:
        interpreter = getattr(local, "interpreter", None)
        if interpreter is None:
            interpreter = local.interpreter = build()
            interpreter.parse = _cached_parse(interpreter.parse)
        interpreter._interrupt = None
        interpreter._calldepth = 0
        interpreter.retval = None
        interpreter.expr = None
        interpreter.code_text = []
        return interpreter

    return get_asteval


def _memoised_evaluate_terraform(evaluate: Any, size: int = 16384, max_len: int = 2000) -> Any:
    """checkov's ``evaluate_terraform`` memoised on string input.

    It is a pure function of (text, keep_interpolations): module-level constants, no
    graph access. Catalog modules make checkov evaluate the same expression texts on
    every scan (and canonical names make them the same across stacks), so a cold scan
    of a new stack shape mostly finds its expressions evaluated before. Results that
    can be mutated are deep-copied both ways; failures are not cached; long texts are
    not kept (memory stays bounded by ``size`` x ``max_len``).
    """
    cache = _Lru(size)
    _PROCESS_CACHES.append(cache)

    def evaluate_terraform(input_str: Any, keep_interpolations: bool = True) -> Any:
        if type(input_str) is not str or len(input_str) > max_len:
            return evaluate(input_str, keep_interpolations)
        key = (input_str, bool(keep_interpolations))
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            value = evaluate(input_str, keep_interpolations)
            cache.put(key, copy.deepcopy(value) if isinstance(value, (list, dict, set)) else value)
            return value
        return copy.deepcopy(value) if isinstance(value, (list, dict, set)) else value

    return evaluate_terraform


def _os_with_cached_realpath(size: int = 4096) -> Any:
    """The ``os`` module as checkov's Terraform graph sees it, with ``os.path.realpath`` memoised.

    The graph resolves the real path of the same few files hundreds of times per scan
    (a handful of ``lstat`` calls each). The engine writes every scan into a fresh,
    already resolved temporary folder without symbolic links, so a path's real path
    never changes while it can be asked for.
    """
    path = types.SimpleNamespace(**{name: getattr(os.path, name) for name in dir(os.path) if not name.startswith("__")})
    path.realpath = lru_cache(maxsize=size)(os.path.realpath)
    _PROCESS_CACHES.append(path.realpath)
    proxy = types.SimpleNamespace(**{name: getattr(os, name) for name in dir(os) if not name.startswith("__")})
    proxy.path = path
    return proxy


def _cached_parse(parse: Any, size: int = 4096) -> Any:
    """``Interpreter.parse`` memoised by text: checkov evaluates the same few thousand
    expressions on every scan of a catalog module, and ``run`` only reads the tree.
    ``self.expr`` (set by ``parse``) is still set on a hit; failures are not cached."""
    cached = lru_cache(maxsize=size)(parse)
    _PROCESS_CACHES.append(cached)

    def parse_text(text: str) -> Any:
        parse.__self__.expr = text
        return cached(text)

    return parse_text


class _CSafeLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """checkov's Kubernetes ``SafeLineLoader`` on libyaml: the same mappings with the same
    ``__startline__``/``__endline__`` (libyaml nodes carry the same marks), several
    times faster than the pure-Python parser that dominated a manifest scan."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__startline__"] = node.start_mark.line + 1
        mapping["__endline__"] = node.end_mark.line + 1
        return mapping


_SETUP_LOCK = threading.Lock()
_CHECKOV_LOCK = threading.Lock()  # checkov's registries and runners are not thread-safe
_loaded_check_dirs: set[Path] = set()
_configured = False


def _configure_checkov() -> None:
    global _configured
    with _SETUP_LOCK:
        if _configured:
            return
        bc_integration.skip_download = True
        parallel_runner.type = ParallelizationType.NONE
        if CHECKOV_VERSION != TUNED_FOR:
            log.warning("checkov %s is not %s: in-process tuning left off", CHECKOV_VERSION, TUNED_FOR)
        else:
            for module in (
                "checkov.common.checks_infra.solvers.attribute_solvers.base_attribute_solver",
                "checkov.common.checks_infra.solvers.resource_solvers.base_resource_solver",
            ):
                import_module(module).ThreadPoolExecutor = _InlineExecutor
            import_module("checkov.common.graph.checks_infra.registry").BaseRegistry.run_checks = _run_graph_checks_inline
            parser_utils = import_module("checkov.terraform.parser_utils")
            parser_utils.hcl2 = _CachedHcl2(parser_utils.hcl2)
            safe_eval = import_module("checkov.terraform.graph_builder.variable_rendering.safe_eval_functions")
            safe_eval.get_asteval = _reused_asteval(safe_eval.get_asteval)
            evaluator = import_module("checkov.terraform.graph_builder.variable_rendering.evaluate_terraform")
            memoised = _memoised_evaluate_terraform(evaluator.evaluate_terraform)
            evaluator.evaluate_terraform = memoised  # its own recursion and the renderer's calls
            import_module("checkov.terraform.graph_builder.foreach.abstract_handler").evaluate_terraform = memoised
            import_module("checkov.terraform.graph_builder.local_graph").os = _os_with_cached_realpath()
            k8s_yaml = import_module("checkov.kubernetes.parser.k8_yaml")
            if hasattr(yaml, "CSafeLoader"):
                k8s_yaml.SafeLineLoader = _CSafeLineLoader
        _configured = True


def _graph_registry(framework: str) -> Any:
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    registry = get_graph_checks_registry(framework)
    registry.load_checks()
    return registry


def _load_check_dirs(dirs: Iterable[Path]) -> None:
    """Load external checks once per process: Python checks register themselves on import."""
    from checkov.terraform.checks.resource.registry import resource_registry

    with _SETUP_LOCK:
        for directory in dirs:
            if directory in _loaded_check_dirs:
                continue
            resource_registry.load_external_checks(str(directory))  # execs every .py: TF and K8s checks alike
            for _, framework in _RUNNERS.values():
                _graph_registry(framework).load_external_checks(str(directory))
            _loaded_check_dirs.add(directory)


def known_check_ids() -> set[str]:
    """Every check id checkov (plus the loaded external folders) can report."""
    ids: set[str] = set()
    for module, name in _PYTHON_REGISTRIES:
        registry = getattr(import_module(module), name)
        for checks in (*registry.checks.values(), *registry.wildcard_checks.values()):
            ids.update(check.id for check in checks)
    for _, framework in _RUNNERS.values():
        ids.update(check.id for check in _graph_registry(framework).checks)
    return ids


# --------------------------------------------------------------------------- inputs


def _check_path(path: str) -> str:
    if not isinstance(path, str) or not path.strip():
        raise InvalidInput("a file has an empty path: send paths such as terraform/main.tf")
    if "\\" in path or "\x00" in path:
        raise InvalidInput(f"{path!r}: use '/' as separator and no NUL characters")
    parts = path.split("/")
    if path.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":"):
        raise InvalidInput(f"{path!r}: paths must be relative to the bundle root, e.g. terraform/main.tf")
    if ".." in parts:
        raise InvalidInput(f"{path!r}: '..' is not allowed in paths")
    if any(part in ("", ".") for part in parts):
        raise InvalidInput(f"{path!r}: empty or '.' path segments are not allowed")
    return path


#: Control characters no text config contains (tab, newlines, form feed are fine).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _check_text(path: str, content: Any) -> str:
    if isinstance(content, (bytes, bytearray)):
        try:
            content = bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: binary data is not accepted; send UTF-8 text files only") from None
    if not isinstance(content, str):
        raise InvalidInput(f"{path}: content must be text")
    if _BINARY.search(content):
        raise InvalidInput(f"{path}: binary data (control characters) is not accepted; send UTF-8 text files only")
    return content


def _encoded_size(path: str, content: str) -> int:
    try:
        return len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(f"{path}: not valid UTF-8 text (lone surrogate characters)") from None


def _check_limits(files: list[GeneratedFile]) -> None:
    if len(files) > MAX_FILES:
        raise InvalidInput(f"{len(files)} files sent; at most {MAX_FILES} per scan")
    total = 0
    seen: set[str] = set()
    for file in files:
        _check_path(file.path)
        _check_text(file.path, file.content)
        if file.path in seen:
            raise InvalidInput(f"{file.path}: sent twice; every path must be unique")
        seen.add(file.path)
        size = _encoded_size(file.path, file.content)
        if size > MAX_FILE_BYTES:
            raise InvalidInput(f"{file.path}: {size} bytes; the limit is {MAX_FILE_BYTES} bytes per file")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise InvalidInput(f"{total} bytes in total; the limit is {MAX_TOTAL_BYTES} bytes per scan")


_TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars")


def kind_for_path(path: str) -> FileKind:
    """Which scanner a raw upload goes to, from its path."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith(_TERRAFORM_SUFFIXES):
        return FileKind.terraform
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return FileKind.dockerfile
    if lower.endswith((".yaml", ".yml")):
        if path.startswith(".github/workflows/") or "/.github/workflows/" in path:
            return FileKind.github_actions
        return FileKind.kubernetes
    raise InvalidInput(
        f"{path}: unsupported file type; send Terraform (.tf, .tf.json, .tfvars), Kubernetes YAML (.yaml/.yml), "
        "GitHub Actions workflows (.github/workflows/*.yml) or a Dockerfile"
    )


def _yaml_documents(path: str, content: str) -> list[Any]:
    try:
        return list(yaml.load_all(content, Loader=_YamlLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInput(f"{path}: invalid YAML{where}: {exc.problem or exc}; fix the indentation or quoting there") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: invalid YAML: {exc}") from None


_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _check_yaml(file: GeneratedFile) -> None:
    """checkov drops unparsable or non-Kubernetes YAML without a word: refuse it instead."""
    documents = [d for d in _yaml_documents(file.path, file.content) if d is not None]
    if file.kind is FileKind.kubernetes:
        objects = [d for d in documents if isinstance(d, dict) and d.get("apiVersion") and d.get("kind")]
        if not objects:
            raise InvalidInput(
                f"{file.path}: no Kubernetes object found; every document needs apiVersion, kind and metadata"
            )
    elif file.kind is FileKind.github_actions:
        if not any(isinstance(d, dict) and "jobs" in d for d in documents):
            raise InvalidInput(f"{file.path}: not a GitHub Actions workflow (no jobs)")


def _hcl_error(path: str, content: str) -> str:
    """checkov's report lists the files it could not parse but not why: ask the parser."""
    if path.endswith(".json"):
        try:
            json.loads(content)
        except ValueError as exc:
            return f"{path}: invalid JSON: {exc}"
        return f"{path}: checkov could not read this Terraform JSON file"
    import hcl2

    try:
        hcl2.loads(content)
    except Exception as exc:  # noqa: BLE001 - lark raises many exception types
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"{path}: invalid HCL: {detail}; check for an unclosed block, bracket or quote there"
    return f"{path}: checkov could not parse this Terraform file"


# --------------------------------------------------------------------------- results


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


@dataclass
class ScanStats:
    """Counters for monitoring and tests (a cache hit must not run checkov)."""

    checkov_scans: int = 0  # evaluations that ran checkov for at least one framework
    cache_hits: int = 0  # whole bundles answered from the cache
    part_hits: int = 0  # frameworks answered from the cache (e.g. Terraform differing only in names)
    shared_hits: int = 0  # of those, answered by the shared store (another process scanned them)


@dataclass(frozen=True)
class _Part:
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
    def from_json(cls, data: dict) -> _Part:
        return cls(
            findings=tuple(Finding.model_validate(f) for f in data["findings"]),
            passed=frozenset(tuple(p) for p in data["passed"]),
            checks_passed=int(data["checks_passed"]),
            checks_failed=int(data["checks_failed"]),
            scan_ms=float(data["scan_ms"]),
        )


def _sort_key(f: Finding) -> tuple:
    """Blocking first, then most severe, then by guardrail, file and line: stable for reports."""
    return (not f.blocking, -f.severity.rank, f.guardrail_id or "~", f.file, f.line_start, f.check_id, f.resource)


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
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        self.pack: GuardrailPack = load_pack(extra_policies_dir)
        _configure_checkov()
        _load_check_dirs(self.pack.check_dirs)
        self.pack.verify(known_check_ids())
        self.catalog = catalog if catalog is not None else VettedCatalog.from_catalog()
        self.canonical = canonical
        self.cache_size = cache_size
        self.stats = ScanStats()
        self._results = _Lru(cache_size)
        self._parts = _Lru(cache_size)
        self.shared_store = shared_store

    # -- public API

    def scan(
        self, bundle: ArtifactBundle, persona: Persona | str, blocks_at: Severity | None | object = DEFAULT_THRESHOLD
    ) -> GuardrailVerdict:
        """`blocks_at`: from which severity non-blocking findings block for this persona
        (the config service's `persona.<name>.blocks_at`); by default PERSONA_BLOCKS_AT."""
        persona = _persona(persona)
        _check_limits(bundle.files)
        content_sha = bundle.content_sha256
        threshold = PERSONA_BLOCKS_AT[persona] if blocks_at is DEFAULT_THRESHOLD else blocks_at
        return self._verdict(self._evaluate(bundle, content_sha), persona, content_sha, threshold)

    def evaluate(self, bundle: ArtifactBundle) -> ScanResult:
        """Scan (or take from the cache) without applying a persona.

        The cache key is the content hash, the file kinds and the pack version; the
        persona is applied afterwards by ``scan`` because it only changes the status,
        so a devops and a security review of the same bundle share one checkov run.
        """
        _check_limits(bundle.files)
        return self._evaluate(bundle, bundle.content_sha256)

    def _evaluate(self, bundle: ArtifactBundle, content_sha: str) -> ScanResult:
        files = list(bundle.files)
        key = (content_sha, tuple(sorted((f.path, f.kind.value) for f in files)), self.pack.version)
        result = self._results.get(key)
        if result is not None:
            self.stats.cache_hits += 1
            return result
        result = self._run(files)
        self._results.put(key, result)
        return result

    def scan_files(self, files: Mapping[str, str], persona: Persona | str) -> GuardrailVerdict:
        """Scan raw uploads (``POST /api/v1/validate``): paths decide the scanner."""
        if not isinstance(files, Mapping) or not files:
            raise InvalidInput("send at least one file as {path: content}")
        if len(files) > MAX_FILES:
            raise InvalidInput(f"{len(files)} files sent; at most {MAX_FILES} per scan")
        generated = []
        for path, content in files.items():
            path = _check_path(path)
            text = _check_text(path, content)
            try:
                generated.append(GeneratedFile(path=path, kind=kind_for_path(path), content=text))
            except ValidationError as exc:
                raise InvalidInput(f"{path}: {exc.errors()[0]['msg']}") from None
        return self.scan(ArtifactBundle(files=generated), persona)

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
            if file.kind in (FileKind.kubernetes, FileKind.github_actions):
                _check_yaml(file)
            elif file.kind is FileKind.terraform and not file.path.lower().endswith(_TERRAFORM_SUFFIXES):
                raise InvalidInput(f"{file.path}: marked terraform but checkov only reads {', '.join(_TERRAFORM_SUFFIXES)}")
            by_kind.setdefault(file.kind, []).append(file)

        findings: list[Finding] = []
        passed_records: set[tuple[str, str, str]] = set()
        passed = failed = 0
        timings: dict[str, float] = {}
        ran_checkov = False
        for kind in (k for k in _RUNNERS if k in by_kind):
            framework = _RUNNERS[kind][1]
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
        ordered = tuple(sorted(findings, key=_sort_key))
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

    def _shared_part(self, part_key: tuple) -> _Part | None:
        data = self.shared_store.get(self._shared_key(part_key))
        if data is None:
            return None
        try:
            part = _Part.from_json(data)
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

    def _scan_part(self, kind: FileKind, files: Mapping[str, str]) -> _Part:
        """One checkov runner over one framework's files, in a fresh temporary folder."""
        module, framework = _RUNNERS[kind]
        findings: dict[tuple, Finding] = {}
        passed_records: set[tuple[str, str, str]] = set()
        passed = failed = 0
        with tempfile.TemporaryDirectory(prefix="mcp-policy-") as tmp, _CHECKOV_LOCK:
            root = Path(tmp).resolve() / framework  # resolved: checkov reports absolute paths
            for path, content in files.items():
                target = root / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(_neutralise_suppressions(content), encoding="utf-8")
            t0 = time.perf_counter()
            runner = import_module(module).Runner()  # a new runner per scan: they keep results
            reports = runner.run(
                root_folder=str(root),
                runner_filter=RunnerFilter(framework=[framework], show_progress_bar=False),
                collect_skip_comments=False,
            )
            scan_ms = round((time.perf_counter() - t0) * 1000, 2)
            reports = reports if isinstance(reports, list) else [reports]
            self._check_coverage(kind, root, files, runner, reports)
            for report in reports:
                passed += len(report.passed_checks)
                failed += len(report.failed_checks)
                passed_records.update((r.check_id, r.resource, self._relative(r, root)) for r in report.passed_checks)
                for record in report.failed_checks:
                    finding = self._finding(record, root)
                    findings.setdefault((finding.check_id, finding.resource, finding.file, finding.line_start), finding)
        return _Part(
            findings=tuple(findings.values()),
            passed=frozenset(passed_records),
            checks_passed=passed,
            checks_failed=failed,
            scan_ms=scan_ms,
        )

    @staticmethod
    def _check_coverage(kind: FileKind, root: Path, files: Mapping[str, str], runner: Any, reports: list) -> None:
        """Refuse files checkov skipped: an unscanned file must never yield "passed"."""
        content = {str((root / path).resolve()): path for path in files}
        if kind is FileKind.terraform:
            for report in reports:
                for bad in sorted(report.parsing_errors):
                    path = content.get(str(Path(bad).resolve()))
                    if path is not None:
                        raise InvalidInput(_hcl_error(path, files[path]))
                    raise InvalidInput(f"{bad}: checkov could not parse this file")
            return
        parsed = set()
        for key in getattr(runner, "definitions", None) or {}:
            path = Path(str(key))  # absolute, or relative to the root with a leading "/" (dockerfile)
            parsed.add(str((path if path.is_relative_to(root) else root / str(key).lstrip("/")).resolve()))
        skipped = sorted(path for absolute, path in content.items() if absolute not in parsed)
        if skipped:
            hint = {
                FileKind.kubernetes: "check that every document is a Kubernetes object",
                FileKind.github_actions: "workflows must live under .github/workflows/",
                FileKind.dockerfile: "name the file Dockerfile, Dockerfile.<name> or <name>.Dockerfile",
            }[kind]
            raise InvalidInput(f"checkov could not read {', '.join(skipped)}: {hint}")

    @staticmethod
    def _relative(record: Any, root: Path) -> str:
        """A record's file relative to the bundle root (checkov's own is relative to the runner root)."""
        absolute = record.file_abs_path or str(root / record.file_path.lstrip("/"))
        return os.path.relpath(absolute, root).replace(os.sep, "/")

    def _finding(self, record: Any, root: Path) -> Finding:
        file = self._relative(record, root)
        lines = list(record.file_line_range or [0, 0]) + [0, 0]
        guardrail = self.pack.guardrail_for(record.check_id)
        details = "; ".join(d for d in (record.details or []) if d)
        caller = ""
        if getattr(record, "caller_file_path", None) and getattr(record, "caller_file_line_range", None):
            caller_path = os.path.relpath(os.path.join(str(root), record.caller_file_path.lstrip("/")), root)
            start, end = record.caller_file_line_range
            caller = f" (through the module call at {caller_path.replace(os.sep, '/')}:{start}-{end})"
        check = f"{record.check_id}: {record.check_name}"
        if guardrail is not None:
            message = f"{guardrail.id} {guardrail.title}: {guardrail.message} [{check}]"
            severity, blocking, fix = guardrail.severity, guardrail.blocking, guardrail.fix
        else:
            message = f"[{check}]"
            severity, blocking, fix = self.pack.severity_for_plain(record.check_id), False, record.guideline or ""
        if details:
            message += f" {details}"
        return Finding(
            guardrail_id=guardrail.id if guardrail else None,
            check_id=record.check_id,
            resource=record.resource,
            file=file,
            line_start=int(lines[0] or 0),
            line_end=int(lines[1] or 0),
            severity=severity,
            message=message + caller,
            fix_hint=fix,
            blocking=blocking,
        )

    @staticmethod
    def _verdict(
        result: ScanResult, persona: Persona, content_sha: str, threshold: Severity | None
    ) -> GuardrailVerdict:
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


def _persona(persona: Persona | str) -> Persona:
    try:
        return Persona(persona)
    except ValueError:
        raise InvalidInput(f"unknown persona {persona!r}; use one of {', '.join(p.value for p in Persona)}") from None


def _neutralise_suppressions(content: str) -> str:
    if "skip" not in content:
        return content
    for marker in _SUPPRESSIONS:
        content = content.replace(marker, marker.replace("skip", "ignored-skip"))
    return content


# --------------------------------------------------------------------------- module-level API

_engine: GuardrailEngine | None = None
_engine_lock = threading.Lock()


#: A tiny bundle scanned at start: checkov loads graph checks and builds lazy state on
#: the first scan of each framework (about half a second) and the first run should not pay it.
_WARM_UP = ArtifactBundle(files=[
    GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform,
                  content='resource "aws_s3_bucket" "warm_up" {\n  bucket = "warm-up"\n}\n'),
    GeneratedFile(path="kubernetes/pod.yaml", kind=FileKind.kubernetes,
                  content="apiVersion: v1\nkind: Pod\nmetadata:\n  name: warm-up\nspec:\n"
                          "  containers:\n    - name: c\n      image: busybox:1.36.1\n"),
])


def configure(
    extra_policies_dir: str | Path | None = None,
    cache_size: int = 256,
    warm: bool = True,
    shared_store: RedisScanStore | None = None,
) -> GuardrailEngine:
    """Build the process-wide engine; the worker calls this at start with its settings.

    ``extra_policies_dir`` is the operator folder (``settings.policy_extra_checks_dir``);
    an inconsistent folder raises ``PackError`` here, so a worker with a broken policy
    set never starts. ``warm`` runs one small scan so the first real one is fast; the
    objects loaded by then are frozen out of the garbage collector.
    """
    global _engine
    engine = GuardrailEngine(extra_policies_dir=extra_policies_dir, cache_size=cache_size)
    if warm:
        engine.evaluate(_WARM_UP)
        engine.clear_cache()
        engine.stats = ScanStats()
    engine.shared_store = shared_store  # after the warm-up: its scan is not worth sharing
    # Everything loaded so far (checkov's registries and checks, the pack, ~300k objects)
    # lives as long as the process: out of the collector's sight, each collection during
    # a scan stops walking it (about 9% of a Terraform scan), and forked pool processes
    # keep sharing those pages.
    gc.collect()
    gc.freeze()
    with _engine_lock:
        _engine = engine
    return engine


def get_engine() -> GuardrailEngine:
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = GuardrailEngine()
        return _engine


def scan(
    bundle: ArtifactBundle, persona: Persona | str, blocks_at: Severity | None | object = DEFAULT_THRESHOLD
) -> GuardrailVerdict:
    return get_engine().scan(bundle, persona, blocks_at)


def scan_files(files: Mapping[str, str], persona: Persona | str) -> GuardrailVerdict:
    return get_engine().scan_files(files, persona)


__all__ = [
    "GuardrailEngine", "InvalidInput", "MAX_FILES", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "PERSONA_BLOCKS_AT",
    "SCANNER", "ScanResult", "ScanStats", "blocking_reasons", "configure", "get_engine",
    "clear_process_caches", "kind_for_path", "known_check_ids", "scan", "scan_files",
]
