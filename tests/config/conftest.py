"""Config-service fixtures: a throwaway KEK keyring, the routes, clients, unique keys.

The keyring lives in a temp folder (tests/conftest.py) so tests never touch a developer's
`.data/`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

KEK_FILE = Path(os.environ["MCP_CONFIG_KEK_FILE"])  # a temp keyring, set by tests/conftest.py


@pytest.fixture(scope="session")
def config_db(database, clean_redis):
    """Clean config tables (the `database` fixture already migrated them)."""
    from sqlalchemy import text

    from shared.db.session import session_scope

    with session_scope() as session:
        session.execute(text("TRUNCATE config_secret_versions, config_audit, config_items RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def config_api(config_db, api):
    return api


@pytest.fixture
def key_prefix() -> str:
    """A key namespace of its own per test, so tests never see each other's rows."""
    return f"t{uuid.uuid4().hex[:8]}."


@pytest.fixture
def client(config_db):
    from shared.config import ConfigClient

    made = ConfigClient()
    assert made.wait_listening(), made.degraded
    yield made
    made.close()
