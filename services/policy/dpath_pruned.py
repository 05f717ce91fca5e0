"""dpath's ``search`` and ``get`` as checkov's resource checks call them: same answers, fewer nodes walked.

checkov's value checks (``BaseResourceValueCheck``, most of its Terraform resource
checks) ask dpath 2.1.3 for one key of a resource's configuration:
``dpath.search(conf, key)``, then ``dpath.get(conf, key)``, and when the key is missing
``dpath.search(conf, "**/<segment>", yielded=True)`` for each of its segments. dpath
answers every call by walking *every* node of the configuration through nested
generators and matching each node's full path against the glob. On the large nested
configurations of GKE and AKS clusters that was 16-27 % of the CPU of a first scan of
a generated stack (dpath's calls timed inside fresh-worker scans), on AWS stacks 3-5 %;
with this module those stacks take 0.79-0.86x the CPU (``bench/guardrails_ab.py``,
``bench/results/guardrails-ab-dpath.json``).

The replacement walks the same tree in dpath's order (a node's children, then each
child's subtree) but only into branches whose path can still match: under a glob with
no ``**`` a path matches only if each of its segments matches the glob's segment at the
same depth, and under ``A/**/B`` only if its first segments match ``A``. Candidates are
matched segment by segment with dpath's own rule (``_segment_matches`` is the body of
``dpath.segments.match``'s loop; a ``**`` stands for segments that match ``*``, which
every string key and list index does). The answers are dpath's: the same pairs in the
same order, the same result built with dpath's own ``segments.set``, the same
``KeyError`` and ``ValueError`` from ``get``.

Where that argument does not hold, dpath itself answers: a filter or ``dirs=False``, a
glob given as a list or with two ``**``, and any configuration that holds something
other than dicts with non-empty string keys, lists and dpath's leaf types (an empty key
makes dpath's full walk raise ``InvalidKeyName``, which a pruned walk might not reach;
other containers have their own walk). That check is one cheap pass over the tree per
call, in which nothing is built or matched. ``tests/policy/test_policy_dpath_pruned.py``
compares both on arbitrary trees and globs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from fnmatch import fnmatchcase
from typing import Any

from dpath.types import SymmetricInt

_LEAVES = (bytes, str, int, float, bool, type(None))  # dpath.segments.leaf
_DEFAULT = object()
_MAGIC = re.compile(r"[*?[]")  # the characters fnmatch reads as a pattern


def _plain(obj: Any) -> bool:
    """A dict or list holding only dicts with non-empty ``str`` keys, lists and leaves: trees on which the pruned walk is dpath's."""
    if type(obj) is not dict and type(obj) is not list:
        return False
    stack = [obj]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            for key, value in node.items():
                if type(key) is not str or not key:
                    return False
                if type(value) is dict or type(value) is list:
                    stack.append(value)
                elif not isinstance(value, _LEAVES):
                    return False
        else:
            for value in node:
                if type(value) is dict or type(value) is list:
                    stack.append(value)
                elif not isinstance(value, _LEAVES):
                    return False
    return True


def _segment_matches(segment: Any, glob: str) -> bool:
    """One segment against one glob segment, as ``dpath.segments.match`` compares them.

    dpath catches with a bare ``except``; ``Exception`` here, so that a scan's CPU budget
    (``budget.ScanTooLarge``, a ``BaseException``) is not swallowed as a non-match.
    """
    try:
        if isinstance(segment, int) and segment == int(glob):
            return True
    except Exception:  # noqa: BLE001 - dpath's rule: a glob that is not an int compares as text
        segment = str(segment)
    try:
        return fnmatchcase(segment, glob)
    except Exception:  # noqa: BLE001 - dpath's rule: anything fnmatch cannot compare does not match
        return False


def _matcher(glob: str) -> Callable[[Any], bool]:
    """``_segment_matches`` against one glob segment; a string key against a glob with no
    ``*``, ``?`` or ``[`` is plain equality (what fnmatch's pattern for it accepts)."""
    if _MAGIC.search(glob):
        return lambda segment: _segment_matches(segment, glob)
    return lambda segment: segment == glob if type(segment) is str else _segment_matches(segment, glob)


class _Glob:
    """A split glob: its fixed head, and when it has a ``**``, the tail after it."""

    def __init__(self, segments: list[str]) -> None:
        self.star_star = "**" in segments
        if self.star_star:
            at = segments.index("**")
            head, tail = segments[:at], segments[at + 1:]
        else:
            head, tail = segments, []
        self.head, self.tail = [_matcher(g) for g in head], [_matcher(g) for g in tail]

    def may_hold_matches_below(self, depth: int, key: Any) -> bool:
        """Whether a path whose segment at ``depth`` is ``key`` (its head matched so far) can lead to a match."""
        if depth < len(self.head):
            return self.head[depth](key) and (self.star_star or depth + 1 < len(self.head))
        return self.star_star

    def matches(self, path: tuple) -> bool:
        """Whether ``path`` matches, its segments at the head's depths having matched on the way down.

        With no ``**`` only the length is left to compare. With ``head/**/tail`` a path
        matches when it is at least as long as head and tail together and ends in the
        tail: ``**`` stands for zero or more segments that match ``*``, and every string
        key and list index matches ``*``.
        """
        if not self.star_star:
            return len(path) == len(self.head)
        if len(path) < len(self.head) + len(self.tail):
            return False
        if len(self.tail) == 1:  # "**/name", as checkov's value checks ask
            return self.tail[0](path[-1])
        start = len(path) - len(self.tail)
        return all(match(segment) for segment, match in zip(path[start:], self.tail))


def _children(node: Any) -> Iterator[tuple[Any, Any]]:
    """``dpath.segments.make_walkable`` for a dict or a list (list indices as dpath's SymmetricInt)."""
    if type(node) is dict:
        return iter(node.items())
    length = len(node)
    return zip((SymmetricInt(i, length) for i in range(length)), node)


def _walk(node: Any, glob: _Glob, location: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """The (path, value) pairs of ``node`` that match, in ``dpath.segments.walk``'s order."""
    depth = len(location)
    head = glob.head[depth] if depth < len(glob.head) else None
    for key, value in _children(node):
        if head is not None and not head(key):
            continue
        path = location + (key,)
        if glob.matches(path):
            yield path, value
    for key, value in _children(node):
        if not isinstance(value, _LEAVES) and glob.may_hold_matches_below(depth, key):
            yield from _walk(value, glob, location + (key,))


def pruned(original_search: Any, original_get: Any) -> tuple[Any, Any]:
    """``(search, get)`` answering as dpath's, each keeping dpath's as ``__wrapped__``."""
    from dpath import segments

    def split(glob: Any, separator: Any) -> _Glob | None:
        if type(glob) is not str or type(separator) is not str:
            return None
        parts = glob.lstrip(separator).split(separator)
        if parts.count("**") > 1:
            return None
        return _Glob(parts)

    def search(obj: Any, glob: Any, yielded: bool = False, separator: Any = "/", afilter: Any = None, dirs: bool = True) -> Any:
        pattern = split(glob, separator) if afilter is None and dirs else None
        if pattern is None:
            return original_search(obj, glob, yielded, separator, afilter, dirs)
        if yielded:
            def yielder() -> Iterator[tuple[str, Any]]:
                if not _plain(obj):
                    yield from original_search(obj, glob, True, separator, afilter, dirs)
                    return
                for path, found in _walk(obj, pattern):
                    yield separator.join(map(segments.int_str, path)), found

            return yielder()
        if not _plain(obj):
            return original_search(obj, glob, yielded, separator, afilter, dirs)
        result: dict = {}
        for path, found in _walk(obj, pattern):
            segments.set(result, path, found, hints=segments.types(obj, path))
        return result

    def get(obj: Any, glob: Any, separator: Any = "/", default: Any = _DEFAULT) -> Any:
        pattern = split(glob, separator) if glob != "/" else None
        if pattern is None or not _plain(obj):
            if default is _DEFAULT:
                return original_get(obj, glob, separator)
            return original_get(obj, glob, separator, default)
        results = []
        for _, found in _walk(obj, pattern):
            results.append(found)
            if len(results) > 1:
                break
        if not results:
            if default is not _DEFAULT:
                return default
            raise KeyError(glob)
        if len(results) > 1:
            raise ValueError(f"dpath.get() globs must match only one leaf: {glob}")
        return results[0]

    search.__wrapped__ = original_search  # type: ignore[attr-defined]
    get.__wrapped__ = original_get  # type: ignore[attr-defined]
    return search, get


def install() -> None:
    """Swap dpath's ``search`` and ``get`` for the pruned ones (checkov calls them as ``dpath.search``)."""
    import dpath
    from dpath.version import VERSION

    if VERSION != "2.1.3" or hasattr(dpath.search, "__wrapped__"):
        return  # verified against 2.1.3 only (checkov 3.3.30 pins it); elsewhere dpath answers as shipped
    dpath.search, dpath.get = pruned(dpath.search, dpath.get)
