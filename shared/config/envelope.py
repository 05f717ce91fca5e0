"""Envelope encryption of one secret value: a fresh AES-256-GCM data key per sealing.

Why per value: rotating a secret or a KEK touches one small wrapped key, never a bulk
key shared by all values. The associated data binds a ciphertext to its item and
version, so a ciphertext copied onto another row (or an older version) does not open.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config.keys import KeyProvider


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes  # nonce || ciphertext+tag
    wrapped_key: bytes
    key_id: str

    def __repr__(self) -> str:  # never print key material in tracebacks or logs
        return f"Sealed(key_id={self.key_id!r}, {len(self.ciphertext)} bytes)"


def _aad(item_id: int, version: int) -> bytes:
    return f"mcpcloud-config:{item_id}:{version}".encode()


def seal(provider: KeyProvider, value: Any, item_id: int, version: int) -> Sealed:
    data_key = AESGCM.generate_key(256)
    nonce = os.urandom(12)
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, json.dumps(value).encode(), _aad(item_id, version))
    key_id, wrapped = provider.wrap(data_key)
    return Sealed(ciphertext, wrapped, key_id)


def open_sealed(provider: KeyProvider, sealed: Sealed, item_id: int, version: int) -> Any:
    data_key = provider.unwrap(sealed.key_id, sealed.wrapped_key)
    plaintext = AESGCM(data_key).decrypt(sealed.ciphertext[:12], sealed.ciphertext[12:], _aad(item_id, version))
    return json.loads(plaintext)
