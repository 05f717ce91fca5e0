"""Replace a function in every loaded module that imported it by name.

checkov and its libraries import helpers with ``from x import f``, so replacing ``x.f``
alone leaves each importer calling the original. The policy worker's tuned helpers
(``checkov_render_memos``, ``iam_memos``) are swapped in wherever the original is bound.
"""

from __future__ import annotations

import sys
from typing import Any


def rebind(prefixes: tuple[str, ...], name: str, original: Any, replacement: Any) -> None:
    """Every module under `prefixes` whose attribute `name` is `original` gets `replacement`."""
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith(prefixes) and getattr(module, name, None) is original:
            setattr(module, name, replacement)
