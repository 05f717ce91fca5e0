"""Connection checks' indexed vertex lookup returns what checkov's own walk returns.

``services/policy/connection_index.py`` replaces ``BaseConnectionSolver.set_vertices``
(a walk over every vertex per check) with a per-graph index by resource type. Here
every call of a real scan runs both, on the same solver and graph, and the four
lists they set must hold the same vertex objects in the same order.
"""

from __future__ import annotations

import pytest

from tests.policy.conftest import REPO, bundle_from_dir

STACKS = [
    REPO / "tests" / "fixtures" / "generated" / "eks-nginx-argocd",
    REPO / "tests" / "policy" / "fixtures" / "bundles" / "public-bucket",
    REPO / "bench" / "corpus" / "generated" / "aws-buckets-8-euc1",
    REPO / "bench" / "corpus" / "handwritten" / "tf-vulnerable-web",
]


def _lists(solver) -> list[list[int]]:
    return [[id(v) for v in getattr(solver, name)] for name in (
        "vertices_under_resource_types", "vertices_under_connected_resources_types", "excluded_vertices", "unknown_vertices")]


@pytest.mark.parametrize("stack", STACKS, ids=lambda p: p.name)
def test_indexed_lookup_equals_checkovs_walk_on_every_connection_check(engine, monkeypatch, stack):
    from checkov.common.checks_infra.solvers.connections_solvers.base_connection_solver import BaseConnectionSolver

    indexed = BaseConnectionSolver.set_vertices
    walk = indexed.__wrapped__  # checkov's own
    calls: list[str] = []
    mismatches: list[str] = []

    def both(self, graph, exclude_vertices, unknown_vertices):
        walk(self, graph, exclude_vertices, unknown_vertices)
        expected = _lists(self)
        indexed(self, graph, exclude_vertices, unknown_vertices)
        calls.append(type(self).__name__)
        if _lists(self) != expected:
            mismatches.append(f"{type(self).__name__} {self.resource_types} -> {self.connected_resources_types}")

    monkeypatch.setattr(BaseConnectionSolver, "set_vertices", both)
    engine.clear_cache()
    verdict = engine.scan(bundle_from_dir(stack, skip_unsupported=True), "devops")

    assert verdict.status != "error", verdict.errors
    assert len(calls) > 20, "the scan ran too few connection checks to compare"
    assert mismatches == []
