"""Which checkov runner scans which file kind, and the check registries the pack names.

checkov keeps its check registries in module globals: external check folders (ours
and the operator's) are loaded into them once per process.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from services.policy.checkov_tuning import SETUP_LOCK
from shared.contracts.artifacts import FileKind

#: FileKind -> (checkov runner module, checkov framework name).
RUNNERS: dict[FileKind, tuple[str, str]] = {
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

_loaded_check_dirs: set[Path] = set()


def graph_registry(framework: str) -> Any:
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    registry = get_graph_checks_registry(framework)
    registry.load_checks()
    return registry


def load_check_dirs(dirs: Iterable[Path]) -> None:
    """Load external checks once per process: Python checks register themselves on import."""
    from checkov.terraform.checks.resource.registry import resource_registry

    with SETUP_LOCK:
        for directory in dirs:
            if directory in _loaded_check_dirs:
                continue
            resource_registry.load_external_checks(str(directory))  # execs every .py: TF and K8s checks alike
            for _, framework in RUNNERS.values():
                graph_registry(framework).load_external_checks(str(directory))
            _loaded_check_dirs.add(directory)


def known_check_ids() -> set[str]:
    """Every check id checkov (plus the loaded external folders) can report."""
    ids: set[str] = set()
    for module, name in _PYTHON_REGISTRIES:
        registry = getattr(import_module(module), name)
        for checks in (*registry.checks.values(), *registry.wildcard_checks.values()):
            ids.update(check.id for check in checks)
    for _, framework in RUNNERS.values():
        ids.update(check.id for check in graph_registry(framework).checks)
    return ids
