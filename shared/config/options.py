"""The config service's settings (fields of `shared.settings.Settings`), secrets unwrapped."""

from __future__ import annotations

from typing import Any

from shared.settings import get_settings


def option(name: str) -> Any:
    value = getattr(get_settings(), name)
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value
