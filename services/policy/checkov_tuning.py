"""checkov 3.3.30 set up for repeated in-process scans: no network, no thread pools, memos.

Why these settings (all for zero network and predictable latency):

* ``BC_SKIP_MAPPING=TRUE`` and ``bc_integration.skip_download``: checkov otherwise asks
  the vendor API for check metadata and custom policies.
* checkov's parallel runner is set to sequential: it forks a process per file batch,
  which costs more than the parse for bundles of a few files and must not happen
  inside a Celery worker anyway.
* The pieces of checkov below are tuned, each without changing what is computed
  (``bench/guardrails.py`` compares the findings with the CLI's on every run):

  - the graph check registry and its attribute/resource solvers start a thread pool
    per scan and per solver; under the GIL that is pure overhead, so they run
    inline. A graph check (or a solver) that raises is recorded, not dropped as the
    pool did: the verdict becomes ``error`` naming it (``scan_failures.py`` hooks the
    other places checkov drops a result);
  - HCL parse results are cached by file content (a bounded LRU, deep-copied on use
    because checkov edits them): generated bundles carry the same catalog module
    copies again and again, and parsing is a third of a Terraform scan;
  - the expression evaluator (asteval) is built once per thread and its per-call
    state reset, instead of being rebuilt for every one of the thousands of
    expressions a module has;
  - Terraform expression texts are evaluated once (``evaluate_terraform`` is a pure
    function of its text), not again on every scan;
  - the Terraform graph's real-path lookups of the scan's own files are memoised;
  - the JSONPath parser (``bc_jsonpath_ng``) is built once per grammar: it rebuilds
    its LALR tables with ply for every expression it parses (about 80 ms each), which
    made JSONPath tables most of a fresh worker's first Terraform scan;
  - Kubernetes YAML is parsed by libyaml (same line marks) instead of pure Python.
  - three pure helpers of the Terraform graph (reference discovery in a string, copies
    of immutable values, bracket pairs in an expression) cost less
    (``checkov_render_memos.py`` says why that is exact);
  - cloudsplaining's IAM action filters are memoised and its policy documents built
    once per content (``iam_memos.py``): ``Action = "*"`` is expanded and filtered
    once per process, not for every policy and check;
  - the GitHub Actions workflow schemas are checked and their validators built once
    (``gha_schema.py``), not on every workflow;
  - connection, attribute and complex (AND/OR) solvers find their resource types'
    vertices in a per-graph index (``type_index.py``) instead of walking the whole
    graph for each check;
  - dpath's ``search`` and ``get``, which value checks call on every resource, walk
    only the branches of a configuration their key can match (``dpath_pruned.py``),
    not all of it for every call;
  - the runner filter answers "run this check?" once per check and scan
    (``check_filter_memo.py``), not for every resource again.

  They are applied only to the pinned checkov version (``TUNED_FOR``); with any other
  version the engine refuses to start (the fail-closed hooks could not be trusted).

* State checkov keeps for one CLI run is forgotten before each of our runs
  (``start_run``): its IAM checks cache policy documents by ``file:type:name``, so a
  worker judged a policy as the one scanned earlier at the same path and name.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import threading
import types
from concurrent.futures import Future
from functools import lru_cache
from importlib import import_module
from typing import Any

import yaml

os.environ["BC_SKIP_MAPPING"] = "TRUE"  # before checkov is imported: no vendor API calls

from checkov.common.bridgecrew.platform_integration import bc_integration  # noqa: E402
from checkov.common.models.enums import ParallelizationType  # noqa: E402
from checkov.common.parallelizer.parallel_runner import parallel_runner  # noqa: E402
from checkov.version import version as CHECKOV_VERSION  # noqa: E402

from services.policy import scan_failures, type_index  # noqa: E402
from services.policy.lru import Lru  # noqa: E402

log = logging.getLogger(__name__)

#: The checkov version the in-process tuning below was verified against.
TUNED_FOR = "3.3.30"


#: The process-wide memos of the tuning below (parse results, evaluated expressions).
_PROCESS_CACHES: list[Any] = []


def clear_process_caches() -> None:
    """Forget every parse and evaluation memo of this process (benchmarks: a fresh worker)."""
    for cache in _PROCESS_CACHES:
        (getattr(cache, "cache_clear", None) or cache.clear)()

def start_run() -> None:
    """Forget what checkov keeps for the length of one CLI run (call before each runner).

    checkov's cloudsplaining IAM checks (Terraform and CloudFormation) keep the policy
    documents they build in class-level dicts keyed by the entity's ``file:type:name``.
    In the CLI that is one run: the first policy at a key is analysed, and another
    resource with the same key in that run (a module called twice) reuses it. A worker
    runs checkov again for every request, so the dicts are emptied before each run:
    the same first-wins rule within a run as the CLI, nothing carried between runs
    (``tests/policy/test_policy_scan_independence.py``).
    """
    from checkov.cloudformation.checks.resource.BaseCloudsplainingIAMCheck import BaseCloudsplainingIAMCheck
    from checkov.terraform.checks.utils.base_cloudsplaining_iam_scanner import BaseTerraformCloudsplainingIAMScanner

    BaseTerraformCloudsplainingIAMScanner.policy_document_cache.clear()
    BaseCloudsplainingIAMCheck.policy_document_cache.clear()


class _InlineExecutor:
    """A ThreadPoolExecutor stand-in that runs each task at submit time (see module doc).

    checkov's solvers only ``wait`` for their futures and never read an exception, so
    a resource whose evaluation raised would silently be neither passed nor failed:
    the exception is recorded here (the verdict becomes ``error``).
    """

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - recorded, and handed on through the future as before
            owner = getattr(getattr(fn, "__self__", None), "__class__", type(fn)).__name__
            scan_failures.record(f"graph solver {owner} on one resource", exc)
            future.set_exception(exc)
        return future


class _CachedHcl2:
    """checkov's view of the ``hcl2`` module, with parses cached by content.

    ``hcl2.load`` is a pure function of the text; checkov mutates what it returns,
    so every caller gets its own deep copy (far cheaper than a lark parse).
    """

    def __init__(self, real: Any, size: int = 512) -> None:
        self._real = real
        self._parsed = Lru(size)
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
    """``BaseRegistry.run_checks`` of checkov 3.3.30 without its thread pool.

    checkov's pool forgot a check that raised; here it is recorded, so the scan ends
    in an ``error`` verdict naming it (the other checks still run, as in checkov).
    """
    results: dict = {}
    try:
        for check in self.checks:
            if runner_filter.should_run_check(check, report_type=report_type):
                with scan_failures.within(f"graph check {check.id}"):
                    try:
                        self.run_check_parallel(check, results, graph_connector)
                    except Exception as exc:  # noqa: BLE001 - recorded: the verdict becomes "error"
                        scan_failures.record(f"graph check {check.id}", exc)
    finally:
        type_index.forget()  # the index holds the graph: not beyond its checks
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
    def copied(value: Any) -> Any:
        return copy.deepcopy(value) if isinstance(value, (list, dict, set)) else value

    @lru_cache(maxsize=size)
    def evaluated(input_str: str, keep_interpolations: bool) -> Any:
        return copied(evaluate(input_str, keep_interpolations))

    _PROCESS_CACHES.append(evaluated)

    def evaluate_terraform(input_str: Any, keep_interpolations: bool = True) -> Any:
        if type(input_str) is not str or len(input_str) > max_len:
            return evaluate(input_str, keep_interpolations)
        return copied(evaluated(input_str, bool(keep_interpolations)))

    evaluate_terraform.__wrapped__ = evaluate  # type: ignore[attr-defined]
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


def _jsonpath_parser_built_once(parser_class: Any) -> None:
    """``JsonPathParser.parse_token_stream`` with ply's parser built once per (grammar, start).

    bc_jsonpath_ng calls ``ply.yacc.yacc`` on every parse ("we regenerate the parse
    table every time"), and the tables are a pure function of the grammar: the class's
    ``p_*`` rules, ``tokens`` and ``precedence``. The grammar actions build new AST
    nodes from their arguments only, so a parser built once parses every later text
    exactly as a new one would.
    """
    import ply.yacc

    from bc_jsonpath_ng.parser import IteratorToTokenStream

    built: dict[tuple, Any] = {}
    lock = threading.Lock()

    def parse_token_stream(self: Any, token_iterator: Any, start_symbol: str = "jsonpath") -> Any:
        key = (type(self), start_symbol, bool(self.debug))
        with lock:
            parser = built.get(key)
            if parser is None:
                parser = built[key] = ply.yacc.yacc(
                    module=self, debug=self.debug, write_tables=0, start=start_symbol,
                    errorlog=ply.yacc.NullLogger(),
                )
            return parser.parse(lexer=IteratorToTokenStream(token_iterator))

    parser_class.parse_token_stream = parse_token_stream


class _CSafeLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """checkov's Kubernetes ``SafeLineLoader`` on libyaml: the same mappings with the same
    ``__startline__``/``__endline__`` (libyaml nodes carry the same marks), several
    times faster than the pure-Python parser that dominated a manifest scan."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__startline__"] = node.start_mark.line + 1
        mapping["__endline__"] = node.end_mark.line + 1
        return mapping


def _edges_hashed_by_fields(edge_class: Any) -> None:
    """checkov's graph ``Edge`` compared and hashed by its fields instead of its text.

    ``Edge.__hash__`` and ``__eq__`` format ``"[origin -(label)-> dest]"`` on every call,
    and the renderer puts edges in sets and dicts tens of thousands of times per
    Terraform scan. Two edges are equal exactly when origin, label and destination
    are (vertex indexes are ints, labels are attribute names), so the tuple of the
    three says the same without building a string. Set order was never fixed: string
    hashes are salted per process.
    """

    def __eq__(self: Any, other: Any) -> bool:
        return isinstance(other, edge_class) and (self.origin, self.label, self.dest) == (other.origin, other.label, other.dest)

    def __ne__(self: Any, other: Any) -> bool:
        return not __eq__(self, other)

    def __hash__(self: Any) -> int:
        return hash((self.origin, self.label, self.dest))

    edge_class.__eq__, edge_class.__ne__, edge_class.__hash__ = __eq__, __ne__, __hash__


SETUP_LOCK = threading.Lock()
CHECKOV_LOCK = threading.Lock()  # checkov's registries and runners are not thread-safe
_configured = False


def configure_checkov() -> None:
    """Apply the settings and the tuning above, once per process."""
    global _configured
    with SETUP_LOCK:
        if _configured:
            return
        bc_integration.skip_download = True
        parallel_runner.type = ParallelizationType.NONE
        if CHECKOV_VERSION != TUNED_FOR:
            # The fail-closed hooks name checkov internals: unverified elsewhere, a
            # raising check could pass silently, so the engine does not start.
            raise RuntimeError(
                f"checkov {CHECKOV_VERSION} is installed; the policy engine is verified against {TUNED_FOR} only "
                "(services/policy/requirements.txt pins it)"
            )
        else:
            scan_failures.install()
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
            _jsonpath_parser_built_once(import_module("bc_jsonpath_ng.parser").JsonPathParser)
            _edges_hashed_by_fields(import_module("checkov.common.graph.graph_builder.graph_components.edge").Edge)
            import_module("services.policy.checkov_render_memos").install(_PROCESS_CACHES)
            import_module("services.policy.iam_memos").install(_PROCESS_CACHES)
            type_index.install()
            import_module("services.policy.dpath_pruned").install()
            import_module("services.policy.check_filter_memo").install()
            import_module("services.policy.gha_schema").install()
            k8s_yaml = import_module("checkov.kubernetes.parser.k8_yaml")
            if hasattr(yaml, "CSafeLoader"):
                k8s_yaml.SafeLineLoader = _CSafeLineLoader
        _configured = True

