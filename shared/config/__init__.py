"""Run-time configuration: resolution rule, envelope encryption, and the cached client.

Services read values with `get_client().get(key, env=..., service=..., tenant=...)`.
"""

from shared.config.client import ConfigClient, ConfigUnavailable, get_client
from shared.config.entry import Resolved
from shared.config.resolve import Scope

__all__ = ["ConfigClient", "ConfigUnavailable", "Resolved", "Scope", "get_client"]
