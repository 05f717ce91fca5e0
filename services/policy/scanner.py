"""The policy service's entry points: one process-wide guardrail engine and its API.

The engine itself lives in ``services/policy/engine.py``; the pieces it is made of:

* ``checkov_tuning.py``: checkov set up for repeated in-process scans (no network, no
  thread pools, memos of pure functions), and why each setting is safe;
* ``check_registry.py``: which checkov runner scans which file kind, and the check
  registries our external check folders are loaded into;
* ``inputs.py``: input limits and the checks that refuse what checkov would skip;
* ``results.py``: what a scan found (the cached parts);
* ``verdict.py``: from findings to ``passed``/``blocked`` under a persona.

The names below are re-exported so callers need one import.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Mapping
from pathlib import Path

from services.policy.check_registry import known_check_ids
from services.policy.checkov_tuning import CHECKOV_VERSION, TUNED_FOR, clear_process_caches
from services.policy.engine import GuardrailEngine
from services.policy.inputs import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, InvalidInput, kind_for_path
from services.policy.results import ScanResult, ScanStats
from services.policy.scan_store import RedisScanStore
from services.policy.verdict import DEFAULT_THRESHOLD, PERSONA_BLOCKS_AT, SCANNER, blocking_reasons
from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile, GuardrailVerdict, Severity
from shared.contracts.intent import Persona

log = logging.getLogger(__name__)

#: The young-generation threshold of a configured policy process (see ``configure``).
GC_THRESHOLD = (50_000,)
#: Stacks scanned as the worker starts (``shared.examples.WARM_UP_STACKS``), stored without catalog copies.
WARM_UP_DIR = Path(__file__).resolve().parent / "warm_up"

# --------------------------------------------------------------------------- module-level API

_engine: GuardrailEngine | None = None
_engine_lock = threading.Lock()


#: A tiny bundle scanned at start, one file per scanned kind: checkov imports runners, loads
#: graph checks and builds lazy state on the first scan of each framework (about half a
#: second) and the first request should not pay it.
#: Its IAM policy grants ``*``: the expansion of every IAM action is memoised (``iam_memos``).
_WARM_UP = ArtifactBundle(files=[
    GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform,
                  content='resource "aws_s3_bucket" "warm_up" {\n  bucket = "warm-up"\n}\n\n'
                          'resource "aws_iam_policy" "warm_up" {\n  name   = "warm-up"\n'
                          '  policy = jsonencode({\n    Version   = "2012-10-17"\n'
                          '    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]\n  })\n}\n'),
    GeneratedFile(path="kubernetes/pod.yaml", kind=FileKind.kubernetes,
                  content="apiVersion: v1\nkind: Pod\nmetadata:\n  name: warm-up\nspec:\n"
                          "  containers:\n    - name: c\n      image: busybox:1.36.1\n"),
    # one file of each other kind: their checkov runners are imported and set up here, not on a request
    GeneratedFile(path=".github/workflows/warm-up.yml", kind=FileKind.github_actions,
                  content="name: warm-up\non: push\njobs:\n  build:\n    runs-on: ubuntu-24.04\n"
                          "    steps:\n      - run: echo warm-up\n"),
    GeneratedFile(path="Dockerfile", kind=FileKind.dockerfile,
                  content="FROM busybox:1.36.1\nUSER 1000\nHEALTHCHECK CMD true\n"),
])


def configure(
    extra_policies_dir: str | Path | None = None,
    cache_size: int = 256,
    warm: bool = True,
    shared_store: RedisScanStore | None = None,
    cpu_limit_s: float | None = None,
    warm_catalog: bool = True,
) -> GuardrailEngine:
    """Build the process-wide engine; the worker calls this at start with its settings.

    ``extra_policies_dir`` is the operator folder (``settings.policy_extra_checks_dir``);
    an inconsistent folder raises ``PackError`` here, so a worker with a broken policy
    set never starts. ``warm`` runs one small scan so the first real one is fast, and
    with ``warm_catalog`` one scan of each vetted catalog module on its own and one of
    each start-up stack (``WARM_UP_DIR``: the generator's stacks of the example
    scenarios and one per other cloud): generated stacks carry byte-identical copies
    of these modules and call them the same way, so their HCL parses and most of the
    expression texts checkov evaluates in them (placeholder names, count indexes,
    module wiring) are then in the process memos (``checkov_tuning``) before any
    request arrives. No finding is kept from these scans (the engine's result caches
    are emptied): every request is scanned whole.
    The objects loaded by then are frozen out of the garbage collector.
    """
    global _engine
    engine = GuardrailEngine(extra_policies_dir=extra_policies_dir, cache_size=cache_size, cpu_limit_s=cpu_limit_s)
    if warm:
        for bundle in (_WARM_UP, *((*_catalog_bundles(), *_warm_up_stacks()) if warm_catalog else ())):
            try:
                engine.evaluate(bundle)
            except Exception as exc:  # noqa: BLE001 - every scan that meets the fault will say so in its verdict
                log.error("warm-up scan failed: %s", exc)
        engine.clear_cache()
        engine.stats = ScanStats()
    engine.shared_store = shared_store  # after the warm-up: its scan is not worth sharing
    # Everything loaded so far (checkov's registries and checks, the pack, ~300k objects)
    # lives as long as the process: out of the collector's sight, each collection during
    # a scan stops walking it (about 9% of a Terraform scan), and forked pool processes
    # keep sharing those pages.
    gc.collect()
    gc.freeze()
    # A Terraform scan allocates hundreds of thousands of short-lived containers (parse
    # trees, rendered attributes, pickled copies); with the default threshold (700)
    # the young generation is collected thousands of times per scan. A larger first
    # threshold keeps the same collector with a few MB more young objects between
    # runs (5-10% of an EKS scan, interleaved A/B in one process).
    gc.set_threshold(GC_THRESHOLD[0], *gc.get_threshold()[1:])
    with _engine_lock:
        _engine = engine
    return engine


def _catalog_bundles() -> list[ArtifactBundle]:
    """Each vetted catalog module's files, laid out as the generator copies them."""
    from shared.catalog import load_catalog

    return [
        ArtifactBundle(files=[
            GeneratedFile(path=f"terraform/modules/{module.name}/{name}", kind=FileKind.terraform, content=text)
            for name, text in module.files.items()
        ])
        for module in load_catalog().values()
    ]


def _warm_up_stacks() -> list[ArtifactBundle]:
    """The start-up stacks (``python -m services.terraform.export_examples`` writes them)."""
    from shared.examples import exported_files

    return [
        ArtifactBundle(files=[
            GeneratedFile(path=path, kind=kind_for_path(path), content=text) for path, text in exported_files(folder).items()
        ])
        for folder in sorted(p for p in WARM_UP_DIR.iterdir() if p.is_dir())
    ]


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
    "CHECKOV_VERSION", "DEFAULT_THRESHOLD", "TUNED_FOR",
    "GuardrailEngine", "InvalidInput", "MAX_FILES", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "PERSONA_BLOCKS_AT",
    "SCANNER", "ScanResult", "ScanStats", "blocking_reasons", "configure", "get_engine",
    "clear_process_caches", "kind_for_path", "known_check_ids", "scan", "scan_files",
]
