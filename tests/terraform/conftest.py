"""Shared fixtures: the scenario bundles are generated once per test session (the
first python-hcl2 parse builds its parser, which takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.examples import SCENARIOS
from services.terraform.generator import generate
from shared.contracts.artifacts import ArtifactBundle

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture(scope="session")
def bundles() -> dict[str, ArtifactBundle]:
    return {scenario: generate(intent) for scenario, intent in SCENARIOS.items()}


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
