"""Where a stack's Terraform state lives: one real, locking backend per stack.

By default the state is in the project's own Postgres through Terraform's `pg` backend,
one schema per stack (`tfstate_<hash of the lock target>`), locked by the backend's
advisory locks, so a second plan or apply of the same stack waits or fails instead of
racing, and the next run reads what the last apply wrote. Production sets
`terraform.backend` in the config service (service `terraform`) to an s3, gcs or azurerm
backend, e.g. `{"kind": "s3", "bucket": "acme-tfstate", "region": "ap-northeast-2",
"dynamodb_table": "tfstate-lock"}`; its key/prefix default to the lock target.

The backend is written into the work directory as a Terraform override file
(`mcp_backend_override.tf.json`), which replaces the bundle's `backend "local"` block at
init; the bundle the guardrails scanned and the approval hashed is not changed. The pg
connection string (with its password) goes to terraform in the `PG_CONN_STR`
environment variable only: never into a file, an argument or a log line.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from shared.config.client import ConfigUnavailable, get_client
from shared.settings import get_settings

from services.terraform.generator import BackendConfig

log = logging.getLogger(__name__)

CONFIG_KEY = "terraform.backend"
OVERRIDE_FILE = "mcp_backend_override.tf.json"


@dataclass(frozen=True)
class StateBackend:
    kind: str
    settings: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict, repr=False)  # secrets for terraform's environment

    @property
    def description(self) -> str:
        """What the step log may say (no secret)."""
        shown = ", ".join(f"{name}={value}" for name, value in sorted(self.settings.items()))
        return f"{self.kind} backend ({shown})"

    def write_override(self, workdir: Path) -> None:
        document = {"terraform": {"backend": {self.kind: self.settings}}}
        (workdir / OVERRIDE_FILE).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def schema_for(target: str) -> str:
    """One Postgres schema per stack: a name Postgres accepts for any target string."""
    return f"tfstate_{hashlib.sha256(target.encode()).hexdigest()[:16]}"


LOCAL_HOSTS = {None, "", "localhost", "127.0.0.1", "::1"}


def pg_conn_str() -> str:
    """libpq URL of the state database (MCP_TERRAFORM_STATE_CONN_STR, else the project's database).

    Terraform's Postgres driver requires TLS unless told otherwise, so a URL without an
    sslmode gets `disable` for a database on this host and `require` for any other."""
    settings = get_settings()
    if settings.terraform_state_conn_str is not None:
        return settings.terraform_state_conn_str.get_secret_value()
    url = make_url(settings.database_url).set(drivername="postgresql")
    if "sslmode" not in url.query:
        url = url.update_query_dict({"sslmode": "disable" if url.host in LOCAL_HOSTS else "require"})
    return url.render_as_string(hide_password=False)


def pg_backend(target: str, conn_str: str | None = None) -> StateBackend:
    return StateBackend("pg", {"schema_name": schema_for(target)}, env={"PG_CONN_STR": conn_str or pg_conn_str()})


def backend_for(target: str) -> StateBackend:
    """The backend of this stack: config service `terraform.backend`, else pg on our Postgres."""
    try:
        configured = get_client().value(CONFIG_KEY, env=get_settings().env, service="terraform")
    except ConfigUnavailable as exc:
        # No silent switch to another state store: planning against the wrong state is worse.
        raise RuntimeError(f"cannot read {CONFIG_KEY} from the config service: {exc}") from exc
    if not configured or configured.get("kind", "pg") == "pg":
        return pg_backend(target)
    config = BackendConfig.model_validate(configured)
    if config.kind == "local":
        raise ValueError(f"{CONFIG_KEY} kind 'local' keeps no shared state or lock; use pg, s3, gcs or azurerm")
    return StateBackend(config.kind, config.settings(target))
