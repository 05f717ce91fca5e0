"""Neo4j access with the official driver: one driver per process."""

from __future__ import annotations

from functools import lru_cache

from neo4j import Driver, GraphDatabase

from shared.settings import get_settings


@lru_cache
def get_driver() -> Driver:
    settings = get_settings()
    return GraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
        connection_timeout=5,
        max_connection_lifetime=3600,
        # The driver's own retries stay short: the step runner retries with backoff.
        max_transaction_retry_time=5,
    )


def ping() -> None:
    """Raise if Neo4j does not answer a query."""
    get_driver().execute_query("RETURN 1")
