"""Flower's login: basic auth from `MCP_FLOWER_USER` / `MCP_FLOWER_PASSWORD`, never none.

Why: Flower's task table shows run ids, requesters and intents. Outside dev/test the
password must be set (k8s: secret `mcpcloud-flower`; compose: the environment); in dev
and test one is generated once into `.data/flower-password` (mode 600). `scripts/stack.sh
start` prints the user and where the password is (`python -m deploy.docker.flower_auth`),
never the password itself.
"""

from __future__ import annotations

import os
import secrets

from shared.settings import get_settings


class FlowerAuthMissing(RuntimeError):
    pass


def credentials() -> tuple[str, str]:
    settings = get_settings()
    if settings.flower_password is not None and settings.flower_password.get_secret_value():
        password = settings.flower_password.get_secret_value()
    elif settings.env not in ("dev", "test"):
        raise FlowerAuthMissing(f"set MCP_FLOWER_PASSWORD: Flower never runs without a login (env={settings.env})")
    else:
        path = settings.flower_password_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24) + "\n")
        password = path.read_text().strip()
    if not password or "," in password:
        raise FlowerAuthMissing("the Flower password must be non-empty and hold no comma (Flower splits on commas)")
    return settings.flower_user, password


def basic_auth_option() -> str:
    """The value of Flower's `basic_auth` option (FLOWER_BASIC_AUTH): `user:password`."""
    user, password = credentials()
    return f"{user}:{password}"


if __name__ == "__main__":
    user, _ = credentials()
    given = get_settings().flower_password
    source = ("the environment (MCP_FLOWER_PASSWORD)" if given and given.get_secret_value()
              else f"{get_settings().flower_password_file} (mode 600)")
    print(f"flower login: user {user}, password in {source}")
