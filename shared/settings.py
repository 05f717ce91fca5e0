"""All settings, from the environment, in one place.

Every process reads `get_settings()`; nothing else reads os.environ. Variables are
prefixed `MCP_` (e.g. `MCP_DATABASE_URL`). Outside `env=dev`/`test`, placeholder
secrets are refused at start so a copied example file cannot reach production.
"""

from __future__ import annotations

from functools import lru_cache
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

    neo4j_uri: str = "bolt://127.0.0.1:7687"
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("mcpcloud-dev")

    # Seeded admin key for a fresh install (dev only); real installs create keys by CLI.
    bootstrap_admin_key: SecretStr | None = None

    # Where generated changes go when no GitHub token is configured.
    github_token: SecretStr | None = None
    github_api_url: str = "https://api.github.com"
    github_repository: str | None = Field(default=None, description="owner/name of the GitOps repository")
    github_workflow: str = "deploy.yml"
    local_git_root: Path = REPO_ROOT / ".data" / "gitops"

    kubeconfig: Path | None = None
    kube_context: str | None = None

    terraform_binary: str | None = Field(default=None, description="terraform or tofu; none: plan/apply skipped")
    terraform_work_dir: Path = REPO_ROOT / ".data" / "terraform"
    policy_extra_checks_dir: Path | None = None
    policy_scan_cache_ttl_s: int = Field(
        default=7 * 24 * 3600, ge=0, description="How long policy workers share scan results in Redis; 0: not shared"
    )

    step_retry_max: int = Field(default=5, ge=0, le=20)
    step_retry_backoff_max: int = Field(default=60, ge=1, le=600)
    poll_interval_seconds: float = Field(default=5.0, gt=0)
    poll_timeout_seconds: int = Field(default=1800, ge=1)

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
