"""A resolved value, and its cache form (which never holds a secret's plaintext).

Redis holds `to_entry` dicts: secrets stay sealed there (ciphertext + wrapped data key)
and are opened only inside the process that asked, with its KEK access.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from shared.config.envelope import Sealed, open_sealed
from shared.config.keys import KeyProvider
from shared.db.models_config import ConfigItem


@dataclass(frozen=True)
class Resolved:
    key: str
    item_id: int
    version: int
    is_secret: bool
    cacheable: bool
    scope: dict[str, str | None]
    value: Any = field(repr=False)

    def __repr__(self) -> str:
        shown = "<redacted>" if self.is_secret else repr(self.value)
        return f"Resolved({self.key!r}, id={self.item_id}, v{self.version}, scope={self.scope}, value={shown})"


def plain_value(item: ConfigItem) -> Any:
    return item.value_plain if item.value_plain is not None else item.value_json


def sealed_of(item: ConfigItem) -> Sealed:
    return Sealed(item.secret_ciphertext, item.secret_data_key, item.secret_key_id)


def to_entry(item: ConfigItem) -> dict:
    entry = {"key": item.key, "id": item.id, "version": item.version, "is_secret": item.is_secret,
             "cacheable": item.cacheable, "scope": item.scope}
    if item.is_secret:
        entry["sealed"] = {"c": _b64(item.secret_ciphertext), "w": _b64(item.secret_data_key),
                           "k": item.secret_key_id, "v": item.secret_version}
    else:
        entry["value"] = plain_value(item)
    return entry


def from_entry(entry: dict, provider: KeyProvider) -> Resolved:
    if entry["is_secret"]:
        s = entry["sealed"]
        sealed = Sealed(base64.b64decode(s["c"]), base64.b64decode(s["w"]), s["k"])
        value = open_sealed(provider, sealed, entry["id"], s["v"])
    else:
        value = entry["value"]
    return Resolved(entry["key"], entry["id"], entry["version"], entry["is_secret"], entry["cacheable"],
                    entry["scope"], value)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
