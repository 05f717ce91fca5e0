"""Flower's login: basic auth for `MCP_FLOWER_USER`, never none.

Why: Flower's task table shows run ids, requesters and intents. The password is, in
order: the config service's secret `flower.password` (scope service `flower`; encrypted,
audited, rotated with `mcpcloud config`, read when Flower starts, so a rotation takes a
Flower restart), then `MCP_FLOWER_PASSWORD` (k8s: secret `mcpcloud-flower`; compose: the
environment); in dev and test, with neither, one is generated once into
`.data/flower-password` (mode 600). Outside dev/test there is no generated fallback, and a
config service that cannot answer stops Flower rather than let it start on another
password. `scripts/stack.sh start` prints the user and where the password is
(`python -m deploy.docker.flower_auth`), never the password itself.
"""

from __future__ import annotations

import os
import secrets

from shared.settings import get_settings


class FlowerAuthMissing(RuntimeError):
    pass


CONFIG_KEY = "flower.password"


def configured_password() -> str | None:
    """The config service's `flower.password`, or None when it holds none."""
    from shared.config import ConfigUnavailable, get_client

    settings = get_settings()
    try:
        value = get_client().value(CONFIG_KEY, env=settings.env, service="flower")
    except ConfigUnavailable as exc:
        raise FlowerAuthMissing(f"the config service cannot answer for {CONFIG_KEY} ({exc}): start Postgres, or "
                                "set MCP_FLOWER_PASSWORD and leave the config key unset") from exc
    return str(value) if value else None


def _password_and_source() -> tuple[str, str]:
    """The password and where it was found (what `python -m deploy.docker.flower_auth` prints)."""
    settings = get_settings()
    from_config = configured_password()
    if from_config is not None:
        password, source = from_config, f"the config service's secret {CONFIG_KEY}"
    elif settings.flower_password is not None and settings.flower_password.get_secret_value():
        password, source = settings.flower_password.get_secret_value(), "the environment (MCP_FLOWER_PASSWORD)"
    elif settings.env not in ("dev", "test"):
        raise FlowerAuthMissing(f"set MCP_FLOWER_PASSWORD or the config secret {CONFIG_KEY}: Flower never runs "
                                f"without a login (env={settings.env})")
    else:
        path = settings.flower_password_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(24) + "\n")
        password, source = path.read_text().strip(), f"{path} (mode 600)"
    if not password or "," in password:
        raise FlowerAuthMissing("the Flower password must be non-empty and hold no comma (Flower splits on commas)")
    return password, source


def credentials() -> tuple[str, str]:
    return get_settings().flower_user, _password_and_source()[0]


def basic_auth_option() -> str:
    """The value of Flower's `basic_auth` option (FLOWER_BASIC_AUTH): `user:password`."""
    user, password = credentials()
    return f"{user}:{password}"


if __name__ == "__main__":
    _, where = _password_and_source()
    print(f"flower login: user {get_settings().flower_user}, password in {where}")
