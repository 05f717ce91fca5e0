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

Two more costs of the same checks:

* ``PolicyDocument(policy)`` (the statements parsed, their actions expanded) is built
  once per distinct policy *content*: the key is the policy's pickle, and equal
  pickles unpickle to equal values (types, key order and all), so two policies share
  a document only when cloudsplaining could not tell them apart. The document is
  built from that unpickled copy, never from checkov's live dict. checkov itself
  shares one document between all the checks of a resource, so its analyses already
  rely on a document not being changed by them. (checkov's own cache was keyed by
  file, type and name instead, which is only right within one run: see
  ``checkov_tuning.start_run``.)
* ``scan_conf`` formats every violation list as indented JSON for a debug log line,
  whether or not debug logging is on: a policy granting ``*`` has thousands of
  violations. Its module's ``json`` gets a ``dumps`` that formats only when the root
  logger would emit that line (``logging.debug`` logs there).
"""

from __future__ import annotations

import json
import logging
import pickle
from importlib import import_module
from types import SimpleNamespace
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


def _documents_by_content(policy_document: Any, caches: list, size: int = 256) -> Any:
    cache = Lru(size)
    caches.append(cache)

    def document(*args: Any, **kwargs: Any) -> Any:
        if len(args) != 1 or kwargs:  # checkov passes only the policy; anything else as it was
            return policy_document(*args, **kwargs)
        try:
            key = pickle.dumps(args[0], protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - not picklable: no memo, cloudsplaining judges it as before
            return policy_document(*args)
        found = cache.get(key, _MISSING)
        if found is _MISSING:
            found = policy_document(pickle.loads(key))  # errors are not cached: checkov reports them
            cache.put(key, found)
        return found

    document.__wrapped__ = policy_document  # type: ignore[attr-defined]
    return document


def _dumps_when_debug_logged(*args: Any, **kwargs: Any) -> str:
    return json.dumps(*args, **kwargs) if logging.getLogger().isEnabledFor(logging.DEBUG) else ""


def install(caches: list) -> None:
    """Replace both filters in every module that imported them by name, and the two costs above."""
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
    import_module("checkov.terraform.checks.resource.base_cloudsplaining_resource_iam_check")
    import_module("checkov.terraform.checks.data.base_cloudsplaining_data_iam_check")
    policy_document = import_module("cloudsplaining.scan.policy_document").PolicyDocument
    rebind(("checkov.terraform.checks.",), "PolicyDocument", policy_document,
           _documents_by_content(policy_document, caches))
    scanner = import_module("checkov.terraform.checks.utils.base_cloudsplaining_iam_scanner")
    if scanner.json is not json:
        raise RuntimeError("base_cloudsplaining_iam_scanner no longer formats with the json module")
    scanner.json = SimpleNamespace(dumps=_dumps_when_debug_logged)
