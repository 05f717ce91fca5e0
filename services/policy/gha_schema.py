"""checkov's GitHub Actions schema check with each schema's validator built once per process.

checkov reads a workflow only if it matches the workflow schema
(``checkov.github_actions.utils.is_schema_valid``), through ``jsonschema.validate``,
which first validates the *schema* against its meta-schema and builds a new
validator on every call: 0.12 s of a first scan of one workflow (cProfile of
``bench/corpus/handwritten/mixed-legacy-app``). The two schemas are constants of
checkov's package, so here ``check_schema`` runs once per schema and the validator
is kept; the instance is then checked exactly as ``validate`` does (``best_match``
of ``iter_errors``, raised). A schema that fails its check is not kept (it raises
again next time, as before).
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Any

_lock = threading.Lock()


def _validate_with_kept_validators(original: Any) -> Any:
    from jsonschema import exceptions
    from jsonschema.validators import validator_for

    kept: dict[int, tuple[Any, Any]] = {}  # id(schema) -> (schema, validator); the schema is held, so ids stay unique

    def validate(instance: Any, schema: Any, cls: Any = None, *args: Any, **kwargs: Any) -> None:
        if cls is not None or args or kwargs:
            return original(instance, schema, cls, *args, **kwargs)
        with _lock:
            entry = kept.get(id(schema))
            if entry is None or entry[0] is not schema:
                validator_class = validator_for(schema)
                validator_class.check_schema(schema)
                entry = kept[id(schema)] = (schema, validator_class(schema))
        error = exceptions.best_match(entry[1].iter_errors(instance))
        if error is not None:
            raise error

    validate.__wrapped__ = original  # type: ignore[attr-defined]
    return validate


def install() -> None:
    utils = import_module("checkov.github_actions.utils")
    utils.validate = _validate_with_kept_validators(utils.validate)
