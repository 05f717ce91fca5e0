"""Settings come from the environment in one place; placeholders never reach production."""

from __future__ import annotations

import threading

import pytest
from pydantic import ValidationError

from shared import settings as settings_module
from shared.settings import Settings, get_settings


def test_dev_defaults_run_locally():
    settings = Settings(env="dev")
    assert settings.database_url.startswith("postgresql+psycopg://") and settings.neo4j_uri.startswith("bolt://")


def test_prod_refuses_the_dev_defaults_and_placeholders():
    with pytest.raises(ValidationError, match="MCP_NEO4J_PASSWORD"):
        Settings(env="prod", database_url="postgresql+psycopg://app:s3cr3t-Xy@db:5432/mcp")
    with pytest.raises(ValidationError, match="MCP_DATABASE_URL"):
        Settings(env="prod", neo4j_password="a-real-Secret-91", database_url="postgresql+psycopg://mcpcloud:mcpcloud@db/mcp")
    with pytest.raises(ValidationError, match="MCP_BOOTSTRAP_ADMIN_KEY"):
        Settings(env="prod", neo4j_password="a-real-Secret-91", database_url="postgresql+psycopg://app:pw-9f2@db/mcp",
                 bootstrap_admin_key="change-me")
    ok = Settings(env="prod", neo4j_password="a-real-Secret-91", database_url="postgresql+psycopg://app:pw-9f2@db/mcp")
    assert ok.env == "prod"


def test_a_build_that_straddles_cache_clear_is_never_served_after_it(monkeypatch):
    """A thread that began building settings before the environment changed must not
    leave its stale copy in the cache once `cache_clear` has returned."""
    started, release = threading.Event(), threading.Event()

    class SlowSettings(Settings):
        def __init__(self, **values):
            super().__init__(**values)  # the environment is read here, before the change
            started.set()
            release.wait(5)

    monkeypatch.setattr(settings_module, "Settings", SlowSettings)
    monkeypatch.setenv("MCP_LOG_LEVEL", "INFO")
    get_settings.cache_clear()
    builder = threading.Thread(target=get_settings)
    builder.start()
    assert started.wait(5)
    monkeypatch.setenv("MCP_LOG_LEVEL", "DEBUG")
    clearer = threading.Thread(target=get_settings.cache_clear)
    clearer.start()
    release.set()
    builder.join(5)
    clearer.join(5)
    try:
        assert get_settings().log_level == "DEBUG"
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
