"""cloudsplaining's IAM action filters, memoised: a policy granting ``*`` is expanded once per process.

checkov's IAM checks (``base_cloudsplaining_iam_scanner``) hand each policy document
to cloudsplaining, which expands wildcards into action lists and filters them against
policy_sentry's bundled IAM database. For ``Action = "*"`` that is every IAM action
(about 18,000), filtered one by one, several times: a third of a second for one
policy, most of a first scan of a Terraform folder holding one
(``bench/corpus/handwritten/tf-vulnerable-web``, cProfile: 0.69 s of 0.9 s).

Both filters are pure functions of their arguments and the read-only database:

* ``remove_wildcard_only_actions(actions)`` walks ``set(actions)``, so its result is a
  function of the set (its order was never fixed: string hashes are salted per
  process); it is memoised on the frozen set;
* ``remove_actions_not_matching_access_level(actions, level)`` keeps the input order;
  it is memoised on (tuple of actions, level).

Every caller gets a new list. The start-up warm-up scans one policy granting ``*``
(``scanner._WARM_UP``), so the expansion of ``*`` is paid before the first request.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from services.policy.lru import Lru
from services.policy.rebind import rebind

_MISSING = object()


def _memoised(original: Any, key_of: Any, caches: list, size: int = 256) -> Any:
    cache = Lru(size)
    caches.append(cache)

    def memoised(*args: Any) -> Any:
        try:
            key = key_of(*args)
            hash(key)
        except TypeError:  # an unhashable action: as checkov would, without the memo
            return original(*args)
        found = cache.get(key, _MISSING)
        if found is _MISSING:
            found = tuple(original(*args))  # errors are not cached
            cache.put(key, found)
        return list(found)

    memoised.__wrapped__ = original  # type: ignore[attr-defined]
    return memoised


def install(caches: list) -> None:
    """Replace both filters in every module that imported them by name."""
    actions = import_module("policy_sentry.querying.actions")
    utils = import_module("cloudsplaining.shared.utils")
    import_module("cloudsplaining.scan.statement_detail")
    import_module("cloudsplaining.scan.policy_document")
    replacements = {
        "remove_wildcard_only_actions": (
            utils.remove_wildcard_only_actions,
            _memoised(utils.remove_wildcard_only_actions, lambda actions_list: frozenset(actions_list), caches),
        ),
        "remove_actions_not_matching_access_level": (
            actions.remove_actions_not_matching_access_level,
            _memoised(
                actions.remove_actions_not_matching_access_level,
                lambda actions_list, access_level: (tuple(actions_list), access_level),
                caches,
            ),
        ),
    }
    for attribute, (original, memoised) in replacements.items():
        rebind(("cloudsplaining", "policy_sentry", "checkov."), attribute, original, memoised)
