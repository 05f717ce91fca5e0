"""Three pure helpers of checkov's Terraform graph, made cheaper without changing their results.

A first scan of a generated stack spends most of its time in checkov's variable
rendering (``bench/guardrails.py``, cProfile of an EKS stack: about half). Three of
its helpers are pure functions; the first two are called thousands of times per scan
on the same inputs, most of them texts of the vetted catalog modules every stack
carries, and the third is slow on long texts:

* ``get_referenced_vertices_in_str_value`` (which ``var.x``/``module.y``/resource
  references a string holds) depends only on the string, the alias map and the set
  of resource types in the graph. It is memoised on (string, resource types) when
  the alias map is empty, as the renderer always passes it; every call gets new
  reference objects (callers may keep or change them).
* ``pickle_deepcopy`` round-trips its argument through pickle even when it is a
  string or a number, whose copy is an equal immutable value: those are returned
  as they are (about half of its calls in a Terraform scan).
* ``find_brackets_pairs`` (which ``{``/``[`` closes where, in an expression text)
  walks every character of the text in Python; only the bracket characters change
  its state, so the same walk over those alone (found by a regular expression) gives
  the same pairs. ``user_data`` scripts of a few KB made it about 4 % of a scan
  (terragoat's aws folder).

All three are applied by ``checkov_tuning.configure_checkov`` to the pinned version only.
"""

from __future__ import annotations

import pickle
import re
from functools import lru_cache
from typing import Any

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
    """``get_referenced_vertices_in_str_value`` memoised for the empty alias map (see module doc).

    ``functools.lru_cache`` holds the memo: the renderer asks about a thousand times per
    stack, and its C implementation answers a hit in a fraction of a lock-guarded
    Python LRU's time.
    """
    @lru_cache(maxsize=size)
    def found_for(str_value: str, resources_types: tuple[str, ...]) -> tuple:
        references = original(str_value=str_value, aliases={}, resources_types=list(resources_types))
        return tuple((r.block_type, tuple(r.sub_parts), r.origin_value) for r in references)

    caches.append(found_for)
    new = reference_class.__new__

    def get_referenced_vertices_in_str_value(str_value: str, aliases: dict, resources_types: list) -> list:
        if aliases or len(str_value) > max_len:
            return original(str_value=str_value, aliases=aliases, resources_types=resources_types)
        out = []
        for block_type, sub_parts, origin_value in found_for(str_value, tuple(resources_types)):
            reference = new(reference_class)
            reference.block_type, reference.sub_parts, reference.origin_value = block_type, list(sub_parts), origin_value
            out.append(reference)
        return out

    get_referenced_vertices_in_str_value.__wrapped__ = original  # type: ignore[attr-defined]
    return get_referenced_vertices_in_str_value


_BRACKETS = {("{", "}"): re.compile(r"[{}]"), ("[", "]"): re.compile(r"[\[\]]")}


def _bracket_pairs_of_brackets_only(original: Any) -> Any:
    """``find_brackets_pairs`` visiting only the bracket characters (see the module doc)."""

    def find_brackets_pairs(input_str: str, starting: str, closing: str) -> list[dict[str, int]]:
        pattern = _BRACKETS.get((starting, closing))
        if pattern is None:  # checkov passes only these two pairs; anything else as it was
            return original(input_str, starting, closing)
        pairs: dict[int, int] = {}
        unmatched: list[int] = []
        for match in pattern.finditer(input_str):
            index = match.start()
            if input_str[index] == starting:
                unmatched.append(index)
            elif unmatched:
                pairs[unmatched.pop()] = index
        return [{"start": start, "end": end} for start, end in sorted(pairs.items()) if end - start > 1]

    find_brackets_pairs.__wrapped__ = original  # type: ignore[attr-defined]
    return find_brackets_pairs


def install(caches: list) -> None:
    """Apply all three; ``caches`` collects the memo so ``clear_process_caches`` can empty it."""
    from importlib import import_module

    utils = import_module("checkov.common.util.data_structures_utils")
    fast_copy = _copy_immutables_as_is(utils.pickle_deepcopy)
    original_copy = utils.pickle_deepcopy
    import_module("checkov.terraform.graph_builder.local_graph")  # the Terraform graph and its imports
    import_module("checkov.terraform.graph_builder.variable_rendering.renderer")
    import_module("checkov.terraform.graph_builder.foreach.abstract_handler")
    rebind(("checkov.",), "pickle_deepcopy", original_copy, fast_copy)
    evaluator = import_module("checkov.terraform.graph_builder.variable_rendering.evaluate_terraform")
    evaluator.find_brackets_pairs = _bracket_pairs_of_brackets_only(evaluator.find_brackets_pairs)
    tf_utils = import_module("checkov.terraform.graph_builder.utils")
    reference_class = import_module(
        "checkov.terraform.graph_builder.variable_rendering.vertex_reference").TerraformVertexReference
    tf_utils.get_referenced_vertices_in_str_value = _memoised_references(
        tf_utils.get_referenced_vertices_in_str_value, reference_class, caches)
