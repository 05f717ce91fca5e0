"""checkov's graph solvers find their vertices in a per-graph index by resource type.

A connection check (``S3 bucket has a public access block``, ``security group is
attached``) starts by listing the graph's vertices of its resource types:
``BaseConnectionSolver.set_vertices`` walks every vertex twice and tests each with
``resource_type_pred``. With ~100 connection solvers per Terraform scan (AND/OR
solvers list theirs again) and 400-600 vertices in a generated EKS or 8-bucket
stack, that walk was about 7 % of a first scan (cProfile of ``aws-buckets-8-euc1``)
for a question whose answer is the same for every check of a scan. Attribute and
complex (AND/OR/NOT) solvers ask it too: their ``run`` tests every vertex with
``resource_type_pred`` before judging the ones of their types (about 11,000 tests per
generated stack).

Here the graph's ``(index, vertex)`` pairs are grouped by resource type once per
graph, and each solver's lists are the vertices of its types in graph order: the
same dicts, in the same order, as checkov's comprehensions and loops. Attribute and
complex solvers run checkov's own ``run`` over a stand-in graph holding only those
vertices, so they judge the same vertices in the same order. Where the answer could
differ, checkov's own code runs: networkx graphs, ``CKV_SUPPORT_ALL_RESOURCE_TYPE``
(the "all" wildcard and provider matching), an empty type list (every vertex).
The index belongs to one graph object: it is built by the first solver that asks in a
registry's run and dropped when that run ends (``forget``, called by
``checkov_tuning._run_graph_checks_inline``), so no graph outlives its scan here; graph
checks only read the graph, so it cannot go stale while they run.
"""

from __future__ import annotations

from typing import Any

#: The index of the graph whose checks are running (at most one: checkov runs under CHECKOV_LOCK).
_current: list[_TypeIndex] = []


def forget() -> None:
    """Drop the index (the end of a registry's run): the graph it holds can be freed."""
    _current.clear()


class _TypeIndex:
    """Vertices of one graph by ``resource_type``, each with its position in ``nodes()``."""

    __slots__ = ("graph", "count", "by_type")

    def __init__(self, graph: Any, resource_type_key: str) -> None:
        nodes = graph.nodes()
        self.graph = graph  # held: the identity check below must not meet a recycled id
        self.count = len(nodes)
        self.by_type: dict[Any, list[tuple[int, Any]]] = {}
        for position, (_, vertex) in enumerate(nodes):
            if resource_type_key in vertex:
                self.by_type.setdefault(vertex[resource_type_key], []).append((position, vertex))

    def vertices_of(self, resource_types: list[str]) -> list[Any]:
        """What ``[v for _, v in nodes() if resource_type_pred(v, resource_types)]`` returns
        for a non-empty list: membership is ``v[type] in resource_types``, order is graph order."""
        found: dict[int, Any] = {}
        for resource_type in set(resource_types):
            hits = self.by_type.get(resource_type)
            if hits:
                found.update(hits)
        return [found[position] for position in sorted(found)]


def _index_of(graph: Any) -> _TypeIndex:
    from checkov.common.graph.graph_builder import CustomAttributes

    if _current and _current[0].graph is graph and _current[0].count == graph.num_nodes():
        return _current[0]
    index = _TypeIndex(graph, CustomAttributes.RESOURCE_TYPE)
    _current[:] = [index]
    return index


def _indexable(graph: Any, resource_types: Any) -> bool:
    """Whether the index answers as ``resource_type_pred`` would (see the module doc)."""
    from checkov.common.util.env_vars_config import env_vars_config
    from networkx import DiGraph

    return not (isinstance(graph, DiGraph) or env_vars_config.CKV_SUPPORT_ALL_RESOURCE_TYPE or not resource_types)


class _VerticesOf:
    """A graph stand-in whose ``nodes()`` are the vertices of some resource types, in graph
    order: what the loops of checkov's attribute and complex solvers keep of a graph."""

    __slots__ = ("_nodes",)

    def __init__(self, vertices: list[Any]) -> None:
        self._nodes = [(None, vertex) for vertex in vertices]

    def nodes(self) -> list[tuple[None, Any]]:
        return self._nodes


def install() -> None:
    """Indexed lookups in ``BaseConnectionSolver.set_vertices`` and in the ``run`` of
    ``BaseAttributeSolver`` and ``BaseComplexSolver`` (rustworkx graphs)."""
    from checkov.common.checks_infra.solvers.attribute_solvers.base_attribute_solver import BaseAttributeSolver
    from checkov.common.checks_infra.solvers.complex_solvers.base_complex_solver import BaseComplexSolver
    from checkov.common.checks_infra.solvers.connections_solvers.base_connection_solver import BaseConnectionSolver

    original_set_vertices = BaseConnectionSolver.set_vertices

    def set_vertices(self: Any, graph_connector: Any, exclude_vertices: list, unknown_vertices: list) -> None:
        if not _indexable(graph_connector, self.resource_types) or not self.connected_resources_types:
            return original_set_vertices(self, graph_connector, exclude_vertices, unknown_vertices)
        index = _index_of(graph_connector)
        self.vertices_under_resource_types = index.vertices_of(self.resource_types)
        self.vertices_under_connected_resources_types = index.vertices_of(self.connected_resources_types)
        both = self.vertices_under_resource_types + self.vertices_under_connected_resources_types
        self.excluded_vertices = [v for v in both if v in exclude_vertices] if exclude_vertices else []
        self.unknown_vertices = [v for v in both if v in unknown_vertices] if unknown_vertices else []

    def over_indexed_vertices(original_run: Any) -> Any:
        """checkov's own ``run``, looping over its types' vertices instead of the whole graph."""

        def run(self: Any, graph_connector: Any) -> Any:
            if not _indexable(graph_connector, self.resource_types):
                return original_run(self, graph_connector)
            return original_run(self, _VerticesOf(_index_of(graph_connector).vertices_of(self.resource_types)))

        return run

    for cls, name, replacement in (
        (BaseConnectionSolver, "set_vertices", set_vertices),
        (BaseAttributeSolver, "run", over_indexed_vertices(BaseAttributeSolver.run)),
        (BaseComplexSolver, "run", over_indexed_vertices(BaseComplexSolver.run)),
    ):
        replacement.__wrapped__ = getattr(cls, name)  # type: ignore[attr-defined]
        setattr(cls, name, replacement)
