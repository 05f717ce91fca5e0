"""Key-encryption keys (KEKs): who wraps the per-value data keys.

A provider wraps and unwraps 32-byte data keys and names the KEK it used (`key_id`),
so several KEKs can be live at once: values wrapped by an old KEK still open while a
re-wrap moves them to the current one (KEK rotation without downtime).

- `LocalKeyProvider`: a keyring file (or one key from the environment). In dev/test a
  keyring is generated under `.data/` with mode 600. An unknown key id reloads the file
  once, so an instance sees a KEK another instance just added.
- `VaultTransitKeyProvider`: Vault's Transit engine over its HTTP API (httpx; no hvac
  needed). The KEK never leaves Vault; `rewrap` is Vault's own rewrap endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import threading
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.config.options import option


class KeyProviderError(RuntimeError):
    pass


class KeyProvider(ABC):
    @abstractmethod
    def current_key_id(self) -> str: ...

    @abstractmethod
    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        """Wrap with the current KEK: (key_id, wrapped)."""

    @abstractmethod
    def unwrap(self, key_id: str, wrapped: bytes) -> bytes: ...

    @abstractmethod
    def owns(self, key_id: str) -> bool:
        """Whether `key_id` names one of this provider's KEKs (so it can unwrap it)."""

    def rewrap(self, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        """Move a wrapped data key to the current KEK (no-op when it is there already)."""
        if key_id == self.current_key_id():
            return key_id, wrapped
        return self.wrap(self.unwrap(key_id, wrapped))


class LocalKeyProvider(KeyProvider):
    """AES-256-GCM key wrapping with KEKs from a keyring file or one environment key."""

    def __init__(self, path: Path | None = None, env_key: str | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        if env_key:
            self._keys, self._current = {"env": _decode_kek(env_key)}, "env"
        elif path is not None:
            self._load()
        else:
            raise KeyProviderError("LocalKeyProvider needs a keyring file or a base64 key")

    def _load(self) -> None:
        assert self._path is not None
        try:
            ring = json.loads(self._path.read_text())
            self._keys = {kid: _decode_kek(value) for kid, value in ring["keys"].items()}
            self._current = ring["current"]
        except (OSError, ValueError, KeyError) as exc:
            raise KeyProviderError(f"cannot read KEK keyring {self._path}: {type(exc).__name__}") from exc
        if self._current not in self._keys:
            raise KeyProviderError(f"KEK keyring {self._path}: current key {self._current!r} is not in keys")

    def current_key_id(self) -> str:
        return self._current

    def owns(self, key_id: str) -> bool:
        if key_id not in self._keys and self._path is not None:
            with self._lock:
                self._load()
        return key_id in self._keys

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        kid = self._current
        nonce = os.urandom(12)
        return kid, nonce + AESGCM(self._keys[kid]).encrypt(nonce, data_key, kid.encode())

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        if key_id not in self._keys and self._path is not None:
            with self._lock:
                self._load()
        if key_id not in self._keys:
            raise KeyProviderError(f"KEK {key_id!r} is not in the keyring; it was retired before its values were re-wrapped")
        return AESGCM(self._keys[key_id]).decrypt(wrapped[:12], wrapped[12:], key_id.encode())

    def add_key(self, key_id: str | None = None) -> str:
        """Add a new KEK to the keyring file and make it current; old keys stay to unwrap."""
        if self._path is None:
            raise KeyProviderError("KEK rotation needs a keyring file (MCP_CONFIG_KEK_FILE), not an environment key")
        with self._lock:
            self._load()
            key_id = key_id or f"local-{len(self._keys) + 1}-{secrets.token_hex(3)}"
            self._keys[key_id] = AESGCM.generate_key(256)
            self._current = key_id
            _write_ring(self._path, self._keys, key_id)
        return key_id

    def retire_key(self, key_id: str) -> None:
        """Drop a KEK once nothing is wrapped by it any more."""
        if key_id == self._current:
            raise KeyProviderError("the current KEK cannot be retired")
        with self._lock:
            self._load()
            self._keys.pop(key_id, None)
            _write_ring(self._path, self._keys, self._current)


class VaultTransitKeyProvider(KeyProvider):
    """Data keys wrapped by a Vault Transit key; key ids are `vault:<name>:v<N>`."""

    def __init__(self, addr: str, token: str, key_name: str, mount: str = "transit",
                 transport: httpx.BaseTransport | None = None) -> None:
        self._name = key_name
        self._http = httpx.Client(base_url=f"{addr.rstrip('/')}/v1/{mount}", headers={"X-Vault-Token": token},
                                  timeout=5, transport=transport)

    def _post(self, path: str, body: dict) -> dict:
        try:
            response = self._http.post(path, json=body)
        except httpx.HTTPError as exc:
            raise KeyProviderError(f"Vault Transit unreachable: {type(exc).__name__}") from exc
        if response.status_code >= 400:
            errors = response.json().get("errors", []) if response.headers.get("content-type", "").startswith("application/json") else []
            raise KeyProviderError(f"Vault Transit {path} answered {response.status_code}: {'; '.join(errors)[:200]}")
        return response.json()["data"]

    def owns(self, key_id: str) -> bool:
        return key_id.startswith(f"vault:{self._name}:")

    def _key_id(self, ciphertext: str) -> str:
        return f"vault:{self._name}:{ciphertext.split(':')[1]}"

    def current_key_id(self) -> str:
        try:
            data = self._http.get(f"/keys/{self._name}").raise_for_status().json()["data"]
        except httpx.HTTPError as exc:
            raise KeyProviderError(f"Vault Transit key {self._name!r} unreadable: {type(exc).__name__}") from exc
        return f"vault:{self._name}:v{data['latest_version']}"

    def wrap(self, data_key: bytes) -> tuple[str, bytes]:
        ciphertext = self._post(f"/encrypt/{self._name}", {"plaintext": base64.b64encode(data_key).decode()})["ciphertext"]
        return self._key_id(ciphertext), ciphertext.encode()

    def unwrap(self, key_id: str, wrapped: bytes) -> bytes:
        return base64.b64decode(self._post(f"/decrypt/{self._name}", {"ciphertext": wrapped.decode()})["plaintext"])

    def rewrap(self, key_id: str, wrapped: bytes) -> tuple[str, bytes]:
        ciphertext = self._post(f"/rewrap/{self._name}", {"ciphertext": wrapped.decode()})["ciphertext"]
        return self._key_id(ciphertext), ciphertext.encode()


def _decode_kek(value: str) -> bytes:
    try:
        key = base64.b64decode(value, validate=True)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyProviderError("a KEK must be base64 of exactly 32 bytes (openssl rand -base64 32)")
    return key


def _write_ring(path: Path, keys: dict[str, bytes], current: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps({"current": current, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}}))
    tmp.replace(path)


@lru_cache
def get_key_provider() -> KeyProvider:
    """Vault Transit when configured, else the local key; dev/test generate a keyring once."""
    if option("vault_addr") and option("vault_token"):
        return VaultTransitKeyProvider(option("vault_addr"), option("vault_token"), option("vault_transit_key"),
                                       option("vault_transit_mount"))
    if option("config_kek"):
        return LocalKeyProvider(env_key=option("config_kek"))
    path: Path = option("config_kek_file")
    if not path.exists():
        from shared.settings import get_settings

        if get_settings().env not in ("dev", "test"):
            raise KeyProviderError(f"no KEK: set MCP_CONFIG_KEK, MCP_CONFIG_KEK_FILE ({path} missing) or Vault")
        _write_ring(path, {"local-1": AESGCM.generate_key(256)}, "local-1")
    return LocalKeyProvider(path)
