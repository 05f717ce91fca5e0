"""IntentDefaults from the config service (and the caller's latest run), for the pure parser.

Keys read (resolved for the gateway at the server's env, tenant-free):
`defaults.cloud`, `defaults.environment`, `defaults.namespace`, `defaults.replicas`,
`defaults.persona`, `defaults.region.<cloud>`, `defaults.app.<name>` ({image, tag, port}).
A key with no value keeps the parser's built-in default, and says so; a config service
that does not answer does too (the source names it), since a default is shown to the
user before anything runs and never decides a guardrail.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.config import ConfigUnavailable, get_client
from shared.contracts.intent import DeploymentIntent
from shared.db.models import Run
from shared.settings import get_settings

from services.gateway.intents.defaults import BUILTIN, AppDefault, IntentDefaults, Sourced
from services.gateway.intents.llm import LlmConfig

log = logging.getLogger(__name__)
PREFIX = "defaults."
SERVICE = "gateway"


def _sourced(values: dict[str, Any], key: str, builtin: Sourced, env: str) -> Sourced:
    if key in values:
        return Sourced(value=values[key], source=f"config:{key} (env={env})")
    return builtin


def from_config_values(values: dict[str, Any], env: str) -> IntentDefaults:
    """IntentDefaults from resolved `defaults.*` values (key -> value)."""
    regions = {cloud: _sourced(values, f"defaults.region.{cloud}", builtin, env) for cloud, builtin in BUILTIN.regions.items()}
    apps: dict[str, AppDefault] = {}
    for key, value in values.items():
        if key.startswith("defaults.app.") and isinstance(value, dict):
            try:
                apps[key.removeprefix("defaults.app.")] = AppDefault(**value, source=f"config:{key} (env={env})")
            except (TypeError, ValueError) as exc:
                log.warning("config %s ignored: %s", key, exc)
    return IntentDefaults(
        cloud=_sourced(values, "defaults.cloud", BUILTIN.cloud, env),
        environment=_sourced(values, "defaults.environment", BUILTIN.environment, env),
        persona=_sourced(values, "defaults.persona", BUILTIN.persona, env),
        namespace=_sourced(values, "defaults.namespace", BUILTIN.namespace, env),
        replicas=_sourced(values, "defaults.replicas", BUILTIN.replicas, env),
        regions=regions,
        apps=apps,
    )


def _config_values(env: str) -> tuple[dict[str, Any], str | None]:
    try:
        resolved = get_client().get_prefix(PREFIX, env=env, service=SERVICE)
    except ConfigUnavailable as exc:
        return {}, f"config service unavailable ({exc})"
    return {key: item.value for key, item in resolved.items()}, None


def _with_unavailable(defaults: IntentDefaults, why: str) -> IntentDefaults:
    def mark(item: Sourced) -> Sourced:
        return Sourced(value=item.value, source=f"{item.source}; {why}")
    return defaults.model_copy(update={
        "cloud": mark(defaults.cloud), "environment": mark(defaults.environment), "persona": mark(defaults.persona),
        "namespace": mark(defaults.namespace), "replicas": mark(defaults.replicas),
        "regions": {cloud: mark(item) for cloud, item in defaults.regions.items()},
    })


def latest_intent(session: Session, requested_by: str) -> tuple[DeploymentIntent | None, str]:
    """The caller's latest run that built something: what 'review the Terraform code' refers to."""
    rows = session.execute(
        select(Run.id, Run.intent).where(Run.requested_by == requested_by).order_by(Run.created_at.desc()).limit(5)
    ).all()
    for run_id, intent in rows:
        try:
            parsed = DeploymentIntent.model_validate(intent)
        except ValueError:
            continue
        if parsed.cluster or parsed.app or parsed.buckets:
            return parsed, f"your latest run {run_id}"
    return None, ""


def load_defaults(session: Session | None = None, requested_by: str | None = None) -> IntentDefaults:
    env = get_settings().env
    values, unavailable = _config_values(env)
    defaults = from_config_values(values, env)
    if unavailable:
        defaults = _with_unavailable(defaults, unavailable)
    if session is not None and requested_by:
        previous, source = latest_intent(session, requested_by)
        defaults = defaults.model_copy(update={"previous": previous, "previous_source": source})
    return defaults


LLM_KEY = "intents.llm"  # {"enabled": bool, "url": "http://host/v1", "model": "...", "timeout_s": 10}
LLM_SECRET = "intents.llm.api_key"  # a secret: the endpoint's bearer token


def llm_config() -> LlmConfig | None:
    """The optional LLM backend's settings, or None when not configured (the default) or unreadable."""
    env = get_settings().env
    client = get_client()
    try:
        found = client.get(LLM_KEY, env=env, service=SERVICE)
        if found is None or not isinstance(found.value, dict) or not found.value.get("enabled"):
            return None
        secret = client.get(LLM_SECRET, env=env, service=SERVICE)
    except ConfigUnavailable as exc:
        log.warning("llm backend off: %s", exc)
        return None
    value = found.value
    if not value.get("url") or not value.get("model"):
        log.warning("llm backend off: %s needs url and model", LLM_KEY)
        return None
    return LlmConfig(enabled=True, url=str(value["url"]), model=str(value["model"]),
                     api_key=str(secret.value) if secret is not None else None,
                     timeout_s=float(value.get("timeout_s", 10)))
