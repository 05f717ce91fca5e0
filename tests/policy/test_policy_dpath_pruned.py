"""dpath's search and get, walking only where a glob can match (``dpath_pruned.py``), answer as dpath's own.

Both are called on the same inputs: arbitrary trees and globs (hypothesis), with keys
that are glob characters themselves, list indices (negative ones too), ``**`` at any
place, and trees dpath must answer itself (an empty key, a tuple); and the resource
configurations of a GKE stack, where the change pays. The answer compared is the value
or the exception's type and text, and for a yielded search the whole sequence.
"""

from __future__ import annotations

import dpath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.policy.dpath_pruned import pruned

pytestmark = pytest.mark.policy_env

_SEARCH, _GET = pruned(getattr(dpath.search, "__wrapped__", dpath.search), getattr(dpath.get, "__wrapped__", dpath.get))

_KEYS = st.sampled_from(["a", "b", "enabled", "tags", "0", "1", "*", "[0]", "a*", "node_pool", "x/y", " 1"])
_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "${var.x}", "true"]))
_TREE = st.recursive(
    _LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=25,
)
_ROOT = st.one_of(st.dictionaries(_KEYS, _TREE, max_size=5), st.lists(_TREE, max_size=3))
_SEGMENT = st.sampled_from(["a", "b", "enabled", "tags", "0", "1", "-1", "2", "*", "[0]", "[1]", "a*", "?", "**", "",
                            "node_pool", " 1", "x"])
_GLOB = st.lists(_SEGMENT, min_size=1, max_size=5).map("/".join) | st.sampled_from(["/", "/a", "a/", "**", "**/**"])


def _outcome(call, *args, **kwargs):
    try:
        result = call(*args, **kwargs)
        if not isinstance(result, (dict, list)) and hasattr(result, "__next__"):
            result = list(result)
        return ("value", result)
    except Exception as error:  # noqa: BLE001 - the exception is the answer compared
        return ("raised", type(error), str(error))


def _same(tree, glob):
    original_search = _SEARCH.__wrapped__
    original_get = _GET.__wrapped__
    assert _outcome(_SEARCH, tree, glob) == _outcome(original_search, tree, glob)
    assert _outcome(_SEARCH, tree, glob, yielded=True) == _outcome(original_search, tree, glob, yielded=True)
    assert _outcome(_GET, tree, glob) == _outcome(original_get, tree, glob)
    assert _outcome(_GET, tree, glob, default="none") == _outcome(original_get, tree, glob, default="none")


@settings(max_examples=1500, deadline=None)
@given(tree=_ROOT, glob=_GLOB)
def test_any_tree_and_glob_get_dpaths_answer(tree, glob):
    _same(tree, glob)


@pytest.mark.parametrize("tree", [
    {"a": {"": 1}, "b": [1]},  # an empty key: dpath's full walk raises
    {"a": ({"b": 1},)},  # a tuple: dpath walks it its own way
    {"a": {1: "x"}},  # a key that is not a string
    "text",  # a leaf as the root
])
@pytest.mark.parametrize("glob", ["a", "a/b", "**/b", "b/0", "**"])
def test_trees_the_pruned_walk_does_not_take_are_answered_by_dpath(tree, glob):
    _same(tree, glob)


def test_a_filter_or_dirs_false_is_answered_by_dpath():
    tree = {"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}
    original = _SEARCH.__wrapped__
    for kwargs in ({"afilter": lambda v: v == 2}, {"dirs": False}):
        assert _outcome(_SEARCH, tree, "**/b", **kwargs) == _outcome(original, tree, "**/b", **kwargs)
        assert _outcome(_SEARCH, tree, "**/b", yielded=True, **kwargs) == _outcome(original, tree, "**/b", yielded=True, **kwargs)


def test_the_resource_configurations_of_a_gke_stack_get_dpaths_answers(engine):
    """Every key checkov's value checks inspect, on every resource of a generated GKE stack."""
    from checkov.terraform.checks.resource.base_resource_value_check import BaseResourceValueCheck
    from checkov.terraform.checks.resource.registry import resource_registry

    import hcl2

    from tests.policy.conftest import REPO, bundle_from_dir

    bundle = bundle_from_dir(REPO / "bench" / "corpus" / "generated" / "gcp-gke-europe-west3", skip_unsupported=True)
    resources = []
    for file in bundle.files:
        if file.path.endswith(".tf"):
            for block in hcl2.loads(file.content).get("resource", []):
                for typed in block.values():
                    resources += list(typed.values())
    keys = {check.get_inspected_key() for checks in resource_registry.checks.values() for check in checks
            if isinstance(check, BaseResourceValueCheck) and isinstance(check.get_inspected_key(), str)}
    assert len(resources) >= 5 and len(keys) >= 100
    for conf in resources:
        for key in keys:
            segments = [s for s in key.split("/") if s]
            for glob in (key, *(f"**/{s}" for s in segments)):
                _same(conf, glob)
