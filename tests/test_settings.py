"""Settings come from the environment in one place; placeholders never reach production."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.settings import Settings


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
