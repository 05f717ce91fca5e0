"""All settings, from the environment, in one place.

Every process reads `get_settings()`; nothing else reads os.environ. Variables are
prefixed `MCP_` (e.g. `MCP_DATABASE_URL`). Outside `env=dev`/`test`, placeholder
secrets are refused at start so a copied example file cannot reach production.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder", "example")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MCP_", env_file=None, extra="ignore")

    env: Literal["dev", "test", "staging", "prod"] = "dev"
    log_level: str = "INFO"

    database_url: str = "postgresql+psycopg://mcpcloud:mcpcloud@127.0.0.1:5432/mcpcloud"
    redis_url: str = "redis://127.0.0.1:6379/0"
    broker_url: str = "redis://127.0.0.1:6379/1"
    result_backend: str = "redis://127.0.0.1:6379/2"
    # Seconds before Redis hands an unacknowledged task (its worker died) to another
    # worker. Longer than any single step; polling steps re-queue themselves instead.
    broker_visibility_timeout: int = Field(default=300, ge=5)
    # Celery task events (received/started/succeeded per task, for monitors). Off: each
    # costs Redis round trips on every pipeline hop, and Flower turns them on by itself
    # (``enable_events``) while it runs.
    celery_task_events: bool = False

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("mcpcloud-dev")

    # Seeded admin key for a fresh install (dev only); real installs create keys by CLI.
    bootstrap_admin_key: SecretStr | None = None

    # Where generated changes go when no GitHub token is configured.
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_repository: str | None = Field(default=None, description="owner/name of the GitOps repository")
    github_workflow: str = Field(default="mcp-cloud.yml", description="Workflow file dispatched after approval")
    local_git_root: Path = REPO_ROOT / ".data" / "gitops"

    kubeconfig: Path | None = None
    kube_context: str | None = None

    terraform_binary: str | None = Field(default=None, description="terraform or tofu; none: plan/apply skipped")
    terraform_work_dir: Path = REPO_ROOT / ".data" / "terraform"
    policy_extra_checks_dir: Path | None = None
    policy_scan_cache_ttl_s: int = Field(
        default=7 * 24 * 3600, ge=0, description="How long policy workers share scan results in Redis; 0: not shared"
    )

    # A transient fault (a store or an API away) is retried with backoff 1, 2, 4 … capped at
    # step_retry_backoff_max: 8 retries wait about 3 minutes, longer than a Neo4j or Redis restart.
    step_retry_max: int = Field(default=8, ge=0, le=20)
    step_retry_backoff_max: int = Field(default=60, ge=1, le=600)
    poll_interval_seconds: float = Field(default=5.0, gt=0)
    poll_timeout_seconds: int = Field(default=1800, ge=1)

    # Reliability (shared/store_retry.py, shared/steps_lease.py, shared/reaper.py, shared/outbox.py).
    step_store_retry_seconds: float = Field(
        default=300.0, gt=0, description="How long a step waits out a Postgres outage for its own bookkeeping")
    step_heartbeat_seconds: float = Field(default=2.0, gt=0, description="How often a running step renews its lease")
    step_lease_seconds: float = Field(
        default=10.0, gt=0, description="A running step whose heartbeat is older than this is re-sent by the reaper "
        "(a false alarm is harmless: the copy finds the step's lock held and drops itself)")
    reaper_interval_seconds: float = Field(
        default=3.0, ge=0, description="How often the gateway reaps expired steps and relays the outbox; 0: never")
    reaper_stalled_seconds: float = Field(
        default=30.0, gt=0, description="A run idle this long, with no step running and no task in the broker, is resumed")
    # Fault injection for failure tests, honoured only when env is dev or test:
    # {"terraform.generate": 20} sleeps 20 s inside that step so a test can kill the worker.
    fault_step_delay: dict[str, float] = Field(default_factory=dict)
    knowledge_dirs: list[Path] = Field(
        default_factory=lambda: [REPO_ROOT / "services" / "terraform" / "catalog", REPO_ROOT / "docs" / "knowledge"]
    )

    # Config service: key-encryption keys for secrets (local keyring file, or one key from
    # the environment; Vault Transit when vault_addr is set), caches and fallbacks.
    config_kek_file: Path = REPO_ROOT / ".data" / "config-kek.json"
    config_kek: SecretStr | None = Field(default=None, description="base64 of 32 bytes; key id 'env'")
    vault_addr: str | None = None
    vault_token: SecretStr | None = None
    vault_transit_key: str = "mcpcloud-config"
    vault_transit_mount: str = "transit"
    config_secret_readers: list[str] = Field(default_factory=list, description="service API key names that may read secrets")
    config_local_ttl_seconds: float = Field(default=60.0, gt=0)
    config_redis_ttl_seconds: int = Field(default=300, ge=1)
    config_stale_max_seconds: float = Field(default=300.0, ge=0)

    gateway_public_url: str = "http://127.0.0.1:8000"
    flower_url: str = "http://127.0.0.1:5555"
    # Flower's task table shows run ids, requesters and intents: it always asks for basic auth.
    flower_user: str = Field(default="admin", min_length=1, pattern=r"^[^:\s]+$")
    flower_password: SecretStr | None = Field(default=None, description="unset: generated into flower_password_file")
    flower_password_file: Path = REPO_ROOT / ".data" / "flower-password"
    # The gateway's request guard (services/gateway/guard.py): larger bodies get 413 before
    # any route reads them (the graph import's own limit, 50 MiB, fits under it).
    gateway_max_body_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    # Web console (services/web): its own process on :3000 that serves the built SPA and
    # proxies /api to the gateway, holding the user's API key in an encrypted HttpOnly cookie.
    web_port: int = Field(default=3000, ge=1, le=65535)
    web_gateway_url: str | None = Field(default=None, description="Gateway base URL; default gateway_public_url")
    web_session_secret: SecretStr | None = Field(
        default=None, description="Fernet key (urlsafe base64, 32 bytes) for console session cookies; dev: generated"
    )
    web_session_secret_file: Path = REPO_ROOT / ".data" / "web-session.key"
    web_session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    web_cookie_secure: bool = Field(default=False, description="Set on HTTPS deployments (Secure cookie)")
    web_graph_url: str | None = Field(default=None, description="Link to a graph view (e.g. Neo4j Browser), if any")
    # GitHub adapter (services/github, the webhook route). The token or App key may instead
    # come from the config service's secrets `github.token` / `github.app` (preferred).
    github_app_id: int | None = None
    github_app_installation_id: int | None = None
    github_app_private_key: SecretStr | None = None
    github_webhook_secret: SecretStr | None = Field(default=None, description="Fallback for the config secret github.webhook_secret")
    github_poll_max_interval_s: float = Field(default=30.0, gt=0, description="Longest wait between two reads of a workflow run")
    github_find_run_timeout_s: float = Field(default=120.0, gt=0, description="How long a dispatched run may take to appear")
    github_secondary_rate_wait_s: float = Field(default=60.0, ge=0, description="Wait after a secondary rate limit with no Retry-After")
    github_max_rate_limit_wait_s: float = Field(default=900.0, ge=0, description="Longest rate-limit wait before a step gives up")
    github_logs_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024, description="Largest logs zip read for the summary")
    github_http_timeout_s: float = Field(default=15.0, gt=0)
    # PyGithub's pacing, GitHub's advice against secondary rate limits (a second between writes).
    github_seconds_between_requests: float = Field(default=0.25, ge=0)
    github_seconds_between_writes: float = Field(default=1.0, ge=0)
    # --- rag (knowledge index and infrastructure graph) ---
    # Label prefix of the knowledge index in Neo4j (<ns>Chunk, <ns>Document, <ns>_chunks).
    rag_knowledge_namespace: str = "Knowledge"
    rag_guardrail_dirs: list[Path] = Field(default_factory=list, description="empty: services/policy/guardrails")
    rag_search_timeout_seconds: float = Field(default=20.0, gt=0)
    rag_graph_import_max_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # The cloud account runs deploy into (matched against graph facts such as an existing VPC).
    rag_cloud_account: str = ""
    rag_ingest_on_start: bool = Field(default=True, description="rag workers bring the knowledge index up to date")

    # MCP endpoint (services/gateway/mcp): which tools are served and who may reach /mcp.
    mcp_readonly: bool = Field(default=False, description="Serve read tools only (no request, approve, reject)")
    mcp_toolsets: list[str] = Field(
        default_factory=lambda: ["runs", "decisions", "guardrails", "knowledge", "sre", "graph"],
        description="Toolsets served; a request may narrow them with X-MCP-Toolsets, never widen them",
    )
    mcp_allowed_hosts: list[str] = Field(
        default_factory=lambda: ["127.0.0.1:*", "localhost:*", "[::1]:*"],
        description="Host headers /mcp answers (DNS-rebinding protection); the public URL's host is added",
    )
    mcp_allowed_origins: list[str] = Field(
        default_factory=lambda: ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    api_key: SecretStr | None = Field(
        default=None, description="MCP_API_KEY: the caller's own API key for `mcpcloud mcp` (the stdio server)"
    )
    mcp_token_cache_seconds: float = Field(
        default=5.0, ge=0, le=60,
        description="How long /mcp reuses a verified bearer token's principal (a revoked key stops within this); 0: never",
    )
    mcp_wait_seconds: float = Field(
        default=20.0, ge=0, le=600,
        description="How long request_change waits (sending progress) for awaiting_approval before returning",
    )

    # trust: run events and Terraform state (services/gateway/routes/events.py, services/terraform/state.py)
    sse_silence_seconds: float = Field(default=15.0, gt=0,
                                       description="Re-read a run from Postgres when its event stream is silent this long")
    terraform_state_conn_str: SecretStr | None = Field(
        default=None, description="Postgres URL of Terraform's pg state backend; default: database_url")

    # --- policy: a scan's budget (services/policy/budget.py) ---
    policy_scan_cpu_limit_s: float = Field(
        default=30.0, gt=0, le=300,
        description="A guardrail scan using more CPU seconds ends in an error verdict 'too large to scan'; the worker lives",
    )
    policy_scan_memory_mb: int = Field(
        default=2048, ge=0,
        description="Address-space limit (RLIMIT_AS) of each policy pool process: an allocation past it ends the scan "
        "in an error verdict instead of the OOM killer ending the worker; 0: no limit",
    )
    # Kubernetes adapter and local GitOps (k8s area). The base URL a cluster clones the
    # local GitOps repositories from (scripts/cluster.sh serves MCP_LOCAL_GIT_ROOT there);
    # unset: the generated repoURL is file://, which a GitOps deploy refuses as unreachable.
    gitops_repo_base_url: str | None = None
    k8s_rollout_timeout_seconds: float = Field(default=120.0, gt=0)
    k8s_controller_timeout_seconds: float = Field(default=180.0, gt=0, description="Until Synced/Ready")
    k8s_controller_observe_seconds: float = Field(
        default=30.0, gt=0, description="How long an applied GitOps object may show no controller status "
        "before the deploy reports 'applied, not synced: no controller observed'")

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        if self.env in ("dev", "test"):
            return self
        secrets = {
            "MCP_NEO4J_PASSWORD": self.neo4j_password.get_secret_value(),
            "MCP_DATABASE_URL": self.database_url,
        }
        if self.vault_token:
            secrets["MCP_VAULT_TOKEN"] = self.vault_token.get_secret_value()
        if self.bootstrap_admin_key:
            secrets["MCP_BOOTSTRAP_ADMIN_KEY"] = self.bootstrap_admin_key.get_secret_value()
        for name, value in secrets.items():
            lowered = value.lower()
            if any(marker in lowered for marker in PLACEHOLDER_MARKERS) or any(
                dev in lowered for dev in ("mcpcloud-dev", "mcpcloud:mcpcloud@")
            ):
                raise ValueError(f"{name} still holds a placeholder value; set a real secret for env={self.env}")
        return self


class _SettingsCache:
    """``get_settings``: one ``Settings`` per process, built on first use.

    Tests change the environment and call ``get_settings.cache_clear()``. With a plain
    ``lru_cache`` a build another thread started before the clear (any background
    thread that reads a setting) is stored after it, and the old environment's values
    are served again. Building and clearing share a lock here, so after
    ``cache_clear`` returns only a build that starts later is ever served.
    """

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._lock = threading.Lock()
        # a process forked while another thread held the lock (Celery's prefork pool) gets a free one
        os.register_at_fork(after_in_child=self._new_lock)

    def _new_lock(self) -> None:
        self._lock = threading.Lock()

    def __call__(self) -> Settings:
        settings = self._settings
        if settings is not None:
            return settings
        with self._lock:
            if self._settings is None:
                self._settings = Settings()
            return self._settings

    def cache_clear(self) -> None:
        with self._lock:
            self._settings = None


get_settings = _SettingsCache()
