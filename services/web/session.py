"""Console sessions: the user's API key, sealed in an HttpOnly cookie.

The browser never sees the key after sign-in: the cookie holds it encrypted and
authenticated (Fernet, AES-128-CBC + HMAC-SHA256) with a server-side secret and a
timestamp, so a stolen cookie expires and a forged one does not decrypt. Nothing is
kept in localStorage or the URL, and the console keeps no session table: the key is
checked by the gateway on every call, so revoking the key ends the session too.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

COOKIE = "mcp_console"


class SessionSeal:
    def __init__(self, secret: bytes, ttl_seconds: int) -> None:
        self._fernet = Fernet(secret)
        self.ttl_seconds = ttl_seconds

    def seal(self, api_key: str) -> str:
        return self._fernet.encrypt(api_key.encode()).decode()

    def open(self, cookie: str | None) -> str | None:
        """The API key in a cookie, or None if absent, forged or older than the TTL."""
        if not cookie:
            return None
        try:
            return self._fernet.decrypt(cookie.encode(), ttl=self.ttl_seconds).decode()
        except (InvalidToken, ValueError):
            return None


def load_secret(configured: str | None, secret_file: Path) -> bytes:
    """The configured Fernet key, or (dev) one generated once into a 0600 file."""
    if configured:
        return configured.encode()
    if secret_file.exists():
        return secret_file.read_bytes().strip()
    secret_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key
