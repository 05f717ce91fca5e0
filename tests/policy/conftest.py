"""Fixtures for the guardrail engine tests (run in the policy venv: .venv-policy).

The engine is built once per session: checkov's registries are process-global and
loading them takes about a second. Tests that need a fresh cache build their own
``GuardrailEngine`` (cheap once checkov is loaded) or run in a subprocess when they
must change global state (network, extra policy folders).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `pytest tests/policy` without `python -m`
    sys.path.insert(0, str(REPO))

if importlib.util.find_spec("checkov") is None:  # the main .venv: these tests belong to .venv-policy
    collect_ignore_glob = ["test_*.py"]

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def bundle_from_dir(folder: Path, skip_unsupported: bool = False):
    """Every file under ``folder`` as an ArtifactBundle, kinds from the paths (a scenario
    variant folder is completed from its scenario: ``shared.examples.exported_files``).

    ``skip_unsupported`` leaves out files no scanner reads (a SUMMARY.txt next to a
    generated bundle); otherwise they are an error, so a fixture cannot go unscanned.
    """
    from services.policy.scanner import InvalidInput, kind_for_path
    from shared.contracts.artifacts import ArtifactBundle, GeneratedFile
    from shared.examples import exported_files

    files = []
    for rel, content in exported_files(folder).items():
        try:
            kind = kind_for_path(rel)
        except InvalidInput:
            if skip_unsupported:
                continue
            raise
        files.append(GeneratedFile(path=rel, kind=kind, content=content))
    return ArtifactBundle(files=files)


@pytest.fixture(scope="session")
def engine():
    from services.policy.scanner import GuardrailEngine

    return GuardrailEngine()
