"""Graph solvers' indexed vertex lookup returns what checkov's own walk returns.

``services/policy/type_index.py`` replaces ``BaseConnectionSolver.set_vertices`` and the
``run`` of attribute and complex solvers (each a walk over every vertex per check) with
a per-graph index by resource type. Here every call of a real scan runs both, on the
same solver and graph: connection solvers must set the same four lists, attribute and
complex solvers return the same passed, failed and unknown vertices, the same objects
in the same order.
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


def _ids(lists) -> list[list[int]]:
    return [[id(v) for v in vertices] for vertices in lists]


@pytest.mark.parametrize("stack", STACKS + [REPO / "bench" / "corpus" / "generated" / "gcp-gke-europe-west3"],
                         ids=lambda p: p.name)
def test_attribute_and_complex_solvers_judge_the_vertices_checkovs_walk_finds(engine, monkeypatch, stack):
    from checkov.common.checks_infra.solvers.attribute_solvers.base_attribute_solver import BaseAttributeSolver
    from checkov.common.checks_infra.solvers.complex_solvers.base_complex_solver import BaseComplexSolver

    calls: dict[str, int] = {}
    mismatches: list[str] = []
    for cls in (BaseAttributeSolver, BaseComplexSolver):
        indexed = cls.run
        walk = indexed.__wrapped__  # checkov's own

        def both(self, graph_connector, indexed=indexed, walk=walk, cls=cls):
            expected = walk(self, graph_connector)
            got = indexed(self, graph_connector)
            calls[cls.__name__] = calls.get(cls.__name__, 0) + 1
            if _ids(got) != _ids(expected):
                mismatches.append(f"{type(self).__name__} {self.resource_types}")
            return got

        monkeypatch.setattr(cls, "run", both)
    engine.clear_cache()
    verdict = engine.scan(bundle_from_dir(stack, skip_unsupported=True), "devops")

    assert verdict.status != "error", verdict.errors
    assert calls.get("BaseAttributeSolver", 0) > 20, f"the scan ran too few attribute solvers to compare: {calls}"
    assert mismatches == []
