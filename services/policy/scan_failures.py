"""Every place checkov would drop a check's result on an exception, recorded instead.

checkov is built to keep going: a Python check that raises becomes UNKNOWN (neither
passed nor failed), a graph check that raises in the thread pool is forgotten, a
solver that raises on one resource leaves it out, a Terraform block that cannot be
read or added to its module is skipped with a warning (with every check of it).
Each of these would turn into a verdict that looks clean. The engine instead records them here while a scan runs, and a scan
with any recorded failure is an ``error`` verdict that names them (never
``passed``, never cached).

The hooks (``install``) wrap checkov 3.3.30's functions without changing what they
compute: they record the exception and let checkov go on exactly as before, so a
scan without failures is the CLI's scan.

Not hooked, on purpose: graph *enrichment* checkov also wraps in try/except
(``for_each`` expansion, linking providers to resources). It drops no check result
(the resources are still checked, as the CLI checks them), and checkov 3.3.30 raises
there on ordinary catalog modules (the GKE module's provider linking raises
``KeyError`` on every scan), so failing closed on it would fail every such stack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any

log = logging.getLogger(__name__)

#: At most this many failures are kept per scan (a check raising on every resource
#: of a large stack would otherwise fill the verdict).
MAX_RECORDED = 20


@dataclass(frozen=True)
class ScanFailure:
    """One result checkov would have dropped: what it was and what it raised."""

    what: str  # "graph check CKV2_AWS_6", "check CKV_AWS_18 on aws_s3_bucket.logs in /main.tf", ...
    error: str  # "RuntimeError: ..."

    def __str__(self) -> str:
        return f"{self.what} raised {self.error}"


class ScanFailed(Exception):
    """A scan dropped results; the verdict must be ``error``. ``failures`` names them."""

    def __init__(self, framework: str, failures: list[ScanFailure], total: int) -> None:
        self.framework = framework
        self.failures = failures
        self.total = total
        more = f" (and {total - len(failures)} more)" if total > len(failures) else ""
        super().__init__(f"{framework} scan incomplete: " + "; ".join(map(str, failures)) + more)


class _Recorder(threading.local):
    def __init__(self) -> None:
        self.active: list[ScanFailure] | None = None
        self.total = 0
        self.within: str = ""  # the check being run, named in the failures of its solvers
        self.root: str = ""  # the scan's temporary folder, left out of the names


_recorder = _Recorder()


@contextmanager
def recording(framework: str, root: str = "") -> Iterator[None]:
    """Record failures during the block; raise ``ScanFailed`` at its end if any (also when
    the recorded exception went on up through checkov, as the Kubernetes runner lets it)."""
    _recorder.active, _recorder.total, _recorder.root = [], 0, root
    try:
        yield
    except Exception as exc:
        failures, total = _recorder.active, _recorder.total
        if failures:
            raise ScanFailed(framework, failures, total) from exc
        raise
    else:
        failures, total = _recorder.active, _recorder.total
    finally:
        _recorder.active = None
    if failures:
        raise ScanFailed(framework, failures, total)


@contextmanager
def within(what: str) -> Iterator[None]:
    """Failures recorded inside the block are named as part of ``what`` (a graph check)."""
    outer, _recorder.within = _recorder.within, what
    try:
        yield
    finally:
        _recorder.within = outer


def record(what: str, exc: BaseException) -> None:
    """Note a dropped result (outside a recording: logged, so a misuse is visible)."""
    if _recorder.within and not what.startswith(_recorder.within):
        what = f"{_recorder.within} ({what})"
    if _recorder.root:
        what = what.replace(_recorder.root + "/", "")
    failure = ScanFailure(what=what, error=f"{type(exc).__name__}: {exc}"[:500])
    if _recorder.active is None:
        log.error("%s outside a guardrail scan", failure)
        return
    _recorder.total += 1
    if len(_recorder.active) < MAX_RECORDED:
        _recorder.active.append(failure)
    log.warning("guardrail scan: %s", failure, exc_info=exc)


# --------------------------------------------------------------------------- hooks


def _python_check_run(run: Any) -> Any:
    """``BaseCheck.run``: checkov's registries turn its exception into UNKNOWN."""

    def run_recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return run(self, *args, **kwargs)
        except Exception as exc:
            entity = f"{kwargs.get('entity_type', '')}.{kwargs.get('entity_name', '')}".strip(".")
            record(f"check {self.id} on {entity or 'a resource'} in {kwargs.get('scanned_file', '?')}", exc)
            raise

    return run_recorded


def _entity_details(extract: Any) -> Any:
    """Terraform ``extract_entity_details``: ``scan`` drops every check of an entity it cannot read."""

    def extract_recorded(self: Any, entity: Any) -> Any:
        try:
            return extract(self, entity)
        except Exception as exc:
            record(f"reading a Terraform block ({', '.join(map(str, entity)) if isinstance(entity, dict) else '?'})", exc)
            raise

    return extract_recorded


def _add_blocks(add_blocks: Any) -> Any:
    """``Module.add_blocks``: the parser skips a block it cannot add, with a warning."""

    def add_blocks_recorded(self: Any, block_type: Any, blocks: Any, path: Any, source: Any) -> Any:
        try:
            return add_blocks(self, block_type, blocks, path, source)
        except Exception as exc:
            record(f"adding the {block_type} blocks of {getattr(path, 'file_path', path)} to the Terraform graph", exc)
            raise

    return add_blocks_recorded


def install() -> None:
    """Wrap checkov 3.3.30's dropping points (``checkov_tuning`` calls this once)."""
    base_check = import_module("checkov.common.checks.base_check").BaseCheck
    base_check.run = _python_check_run(base_check.run)
    for cls in {type(registry) for registry in _terraform_registries()}:
        cls.extract_entity_details = _entity_details(cls.extract_entity_details)
    module = import_module("checkov.terraform.graph_builder.graph_components.module").Module
    module.add_blocks = _add_blocks(module.add_blocks)


def _terraform_registries() -> list[Any]:
    names = (
        ("checkov.terraform.checks.resource.registry", "resource_registry"),
        ("checkov.terraform.checks.data.registry", "data_registry"),
        ("checkov.terraform.checks.provider.registry", "provider_registry"),
        ("checkov.terraform.checks.module.registry", "module_registry"),
    )
    return [getattr(import_module(module), name) for module, name in names]
