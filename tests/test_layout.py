"""The service boundaries hold in the code: no service imports another, shared imports no service."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVICES = ("gateway", "rag", "terraform", "policy", "github", "k8s")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_service_imports_another_service():
    for service in SERVICES:
        for path in (REPO / "services" / service).rglob("*.py"):
            foreign = {name for name in _imports(path) if name.startswith("services.") and name.split(".")[1] != service}
            assert not foreign, f"{path.relative_to(REPO)} imports {sorted(foreign)}"


def test_shared_imports_no_service():
    for path in (REPO / "shared").rglob("*.py"):
        assert not {name for name in _imports(path) if name.startswith("services")}, path


def test_every_service_has_the_same_shape():
    for service in SERVICES[1:]:
        folder = REPO / "services" / service
        assert (folder / "worker.py").exists() and (folder / "tasks.py").exists(), service
        assert (folder / "requirements.txt").read_text().startswith("-r ../../shared/requirements.txt")
