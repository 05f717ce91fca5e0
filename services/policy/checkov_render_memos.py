"""Two pure helpers of checkov's Terraform graph, made cheaper without changing their results.

A first scan of a generated stack spends most of its time in checkov's variable
rendering (``bench/guardrails.py``, cProfile of an EKS stack: about half). Two of its
helpers are pure functions called thousands of times per scan on the same inputs,
most of them texts of the vetted catalog modules every stack carries:

* ``get_referenced_vertices_in_str_value`` (which ``var.x``/``module.y``/resource
  references a string holds) depends only on the string, the alias map and the set
  of resource types in the graph. It is memoised on (string, resource types) when
  the alias map is empty, as the renderer always passes it; every call gets new
  reference objects (callers may keep or change them).
* ``pickle_deepcopy`` round-trips its argument through pickle even when it is a
  string or a number, whose copy is an equal immutable value: those are returned
  as they are (about half of its calls in a Terraform scan).

Both are applied by ``checkov_tuning.configure_checkov`` to the pinned version only.
"""

from __future__ import annotations

import pickle
from typing import Any

from services.policy.lru import Lru
from services.policy.rebind import rebind

_IMMUTABLE = (str, int, float, bool, type(None), bytes)


def _copy_immutables_as_is(original: Any) -> Any:
    """``pickle_deepcopy`` that returns immutable scalars unchanged (their copy is equal)."""

    def pickle_deepcopy(obj: Any) -> Any:
        if type(obj) in _IMMUTABLE:
            return obj
        return pickle.loads(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))  # nosec - checkov's own copy

    pickle_deepcopy.__wrapped__ = original  # type: ignore[attr-defined]
    return pickle_deepcopy


def _memoised_references(original: Any, reference_class: Any, caches: list, size: int = 32768, max_len: int = 4000) -> Any:
    """``get_referenced_vertices_in_str_value`` memoised for the empty alias map (see module doc)."""
    cache = Lru(size)
    caches.append(cache)
    new = reference_class.__new__

    def get_referenced_vertices_in_str_value(str_value: str, aliases: dict, resources_types: list) -> list:
        if aliases or len(str_value) > max_len:
            return original(str_value=str_value, aliases=aliases, resources_types=resources_types)
        key = (str_value, tuple(resources_types))
        found = cache.get(key)
        if found is None:
            references = original(str_value=str_value, aliases=aliases, resources_types=resources_types)
            found = tuple((r.block_type, tuple(r.sub_parts), r.origin_value) for r in references)
            cache.put(key, found)
        out = []
        for block_type, sub_parts, origin_value in found:
            reference = new(reference_class)
            reference.block_type, reference.sub_parts, reference.origin_value = block_type, list(sub_parts), origin_value
            out.append(reference)
        return out

    return get_referenced_vertices_in_str_value


def install(caches: list) -> None:
    """Apply both; ``caches`` collects the memo so ``clear_process_caches`` can empty it."""
    from importlib import import_module

    utils = import_module("checkov.common.util.data_structures_utils")
    fast_copy = _copy_immutables_as_is(utils.pickle_deepcopy)
    original_copy = utils.pickle_deepcopy
    import_module("checkov.terraform.graph_builder.local_graph")  # the Terraform graph and its imports
    import_module("checkov.terraform.graph_builder.variable_rendering.renderer")
    import_module("checkov.terraform.graph_builder.foreach.abstract_handler")
    rebind(("checkov.",), "pickle_deepcopy", original_copy, fast_copy)
    tf_utils = import_module("checkov.terraform.graph_builder.utils")
    reference_class = import_module(
        "checkov.terraform.graph_builder.variable_rendering.vertex_reference").TerraformVertexReference
    tf_utils.get_referenced_vertices_in_str_value = _memoised_references(
        tf_utils.get_referenced_vertices_in_str_value, reference_class, caches)
