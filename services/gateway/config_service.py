"""Config writes and reads behind the HTTP API and the CLI: validation, sealing, audit.

Why one module: the routes and `mcpcloud config` must apply the same rules (optimistic
concurrency, schema checks, secrets sealed before they touch a row, redacted audit), so
both call these functions. Every write commits, then invalidates the key in Redis, so a
reader can never re-cache the old value after the invalidation.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import redis
from sqlalchemy import func, null, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.config import invalidation
from shared.config.defaults import DEFAULTS
from shared.config.entry import plain_value, sealed_of
from shared.config.envelope import open_sealed, seal
from shared.config.keys import KeyProvider, get_key_provider
from shared.config.options import option
from shared.config.resolve import Scope
from shared.config.schema import check_schema, validate
from shared.db.models import Role
from shared.db.models_config import ConfigAudit, ConfigItem, ConfigSecretVersion
from shared.settings import get_settings

log = logging.getLogger(__name__)
REDACTED = "<redacted>"
UNSET: Any = object()


@dataclass
class ConfigError(Exception):
    status: int
    message: str


def can_read_secrets(name: str, role: Role) -> bool:
    """Secret plaintext goes to admin keys and to service keys named in `config_secret_readers`."""
    return role == Role.admin or name in option("config_secret_readers")


@lru_cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2)


def _commit_and_invalidate(db: Session, keys: list[str]) -> None:
    db.commit()
    invalidation.publish(_redis(), keys)


# -- reads -----------------------------------------------------------------------------

def get_item(db: Session, item_id: int, *, lock: bool = False) -> ConfigItem:
    query = select(ConfigItem).where(ConfigItem.id == item_id)
    item = db.scalar(query.with_for_update() if lock else query)
    if item is None:
        raise ConfigError(404, f"config item {item_id} not found")
    return item


def list_items(db: Session, prefix: str = "", limit: int = 200) -> list[ConfigItem]:
    query = select(ConfigItem).where(ConfigItem.key.startswith(prefix, autoescape=True))
    return list(db.scalars(query.order_by(ConfigItem.key, ConfigItem.id).limit(limit)))


def find_item(db: Session, key: str, scope: Scope) -> ConfigItem | None:
    """The row at exactly this scope (not resolution): what `config set` updates."""
    def same(column, value):
        return column.is_(None) if value is None else column == value
    return db.scalar(select(ConfigItem).where(ConfigItem.key == key, same(ConfigItem.scope_env, scope.env),
                                              same(ConfigItem.scope_service, scope.service),
                                              same(ConfigItem.scope_tenant, scope.tenant)))


def reveal(item: ConfigItem, provider: KeyProvider | None = None) -> Any:
    """A secret's plaintext (callers check `can_read_secrets` first)."""
    return open_sealed(provider or get_key_provider(), sealed_of(item), item.id, item.secret_version)


def audit_of(db: Session, item_id: int) -> list[ConfigAudit]:
    get_item(db, item_id)
    return list(db.scalars(select(ConfigAudit).where(ConfigAudit.item_id == item_id).order_by(ConfigAudit.id)))


# -- writes ----------------------------------------------------------------------------

BUILTIN_SCHEMAS: dict[str, dict] = {default["key"]: default["json_schema"] for default in DEFAULTS}


def _schemas_of(db: Session, key: str, own_schema: dict | None, exclude_id: int | None) -> list[dict]:
    """Every schema a value of `key` must satisfy: its row's, other scopes' rows', and the built-in one.

    The built-in schema (shared/config/defaults.py) of a seeded key always applies: the
    services that read the key rely on its shape, so dropping the stored schema by PATCH
    never lets a value in that the readers cannot take.
    """
    query = select(ConfigItem.json_schema).where(ConfigItem.key == key, ConfigItem.json_schema.is_not(None))
    if exclude_id is not None:
        query = query.where(ConfigItem.id != exclude_id)
    found = [s for s in [own_schema, *db.scalars(query), BUILTIN_SCHEMAS.get(key)] if s is not None]
    unique: dict[str, dict] = {}
    for schema in found:
        unique.setdefault(json.dumps(schema, sort_keys=True), schema)
    return list(unique.values())


def _check_value(db: Session, key: str, value: Any, own_schema: dict | None, exclude_id: int | None) -> None:
    """A value must satisfy its row's schema, every schema other scopes of the key carry, and the built-in one."""
    problems = [p for schema in _schemas_of(db, key, own_schema, exclude_id) for p in validate(value, schema)]
    if problems:
        raise ConfigError(422, f"value does not match the schema of {key!r}: " + "; ".join(problems[:5]))


def _check_stored_values(db: Session, key: str, schema: dict | None, exclude_id: int | None,
                         provider: KeyProvider | None) -> None:
    """A new schema must hold for the values already stored at every scope of the key (secrets
    included, opened here and never echoed): otherwise resolution would hand out a value the
    key's schema forbids."""
    if schema is None:
        return
    query = select(ConfigItem).where(ConfigItem.key == key)
    if exclude_id is not None:
        query = query.where(ConfigItem.id != exclude_id)
    problems = []
    for row in db.scalars(query.order_by(ConfigItem.id)):
        value = reveal(row, provider) if row.is_secret else plain_value(row)
        problems += [f"item {row.id} (scope {_scope_text(row.scope)}) {p}" for p in validate(value, schema)]
    if problems:
        raise ConfigError(422, f"json_schema of {key!r} would forbid values already stored; change them first: "
                               + "; ".join(problems[:5]))


def _scope_text(scope: dict[str, str | None]) -> str:
    return ",".join(f"{name}={value}" for name, value in scope.items() if value) or "global"


def _check_schema(schema: dict | None) -> None:
    if schema is not None and (problems := check_schema(schema)):
        raise ConfigError(422, "json_schema: " + "; ".join(problems[:5]))


def _set_plain(item: ConfigItem, value: Any) -> None:
    if isinstance(value, str):
        item.value_plain, item.value_json = value, null()
    else:
        item.value_plain, item.value_json = None, value if value is not None else null()


def _seal_into(db: Session, item: ConfigItem, value: Any, provider: KeyProvider) -> None:
    item.secret_version = (item.secret_version or 0) + 1
    sealed = seal(provider, value, item.id, item.secret_version)
    item.secret_ciphertext, item.secret_data_key, item.secret_key_id = sealed.ciphertext, sealed.wrapped_key, sealed.key_id
    db.add(ConfigSecretVersion(item_id=item.id, version=item.secret_version, ciphertext=sealed.ciphertext,
                               wrapped_key=sealed.wrapped_key, key_id=sealed.key_id))


def _public(item: ConfigItem) -> dict[str, Any]:
    return {"key": item.key, "scope": item.scope, "is_secret": item.is_secret, "enabled": item.enabled,
            "cacheable": item.cacheable, "json_schema": item.json_schema,
            "value": REDACTED if item.is_secret else plain_value(item)}


def create_item(db: Session, *, key: str, scope: Scope, value: Any, actor: str, is_secret: bool = False,
                json_schema: dict | None = None, cacheable: bool = True, enabled: bool = True,
                provider: KeyProvider | None = None) -> ConfigItem:
    _check_schema(json_schema)
    _check_value(db, key, value, json_schema, None)
    _check_stored_values(db, key, json_schema, None, provider)
    if (existing := find_item(db, key, scope)) is not None:
        raise ConfigError(409, f"{key!r} already has a value at this scope (item {existing.id}); PATCH it instead")
    item = ConfigItem(id=db.scalar(text("SELECT nextval('config_items_id_seq')")), key=key,
                      scope_env=scope.env, scope_service=scope.service, scope_tenant=scope.tenant,
                      is_secret=is_secret, json_schema=json_schema, cacheable=cacheable, enabled=enabled,
                      version=1, updated_by=actor)
    if is_secret:
        item.value_json = null()
        _seal_into(db, item, value, provider or get_key_provider())
    else:
        _set_plain(item, value)
    db.add(item)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent create at the same scope won
        db.rollback()
        raise ConfigError(409, f"{key!r} already has a value at this scope; PATCH it instead") from exc
    db.add(ConfigAudit(item_id=item.id, action="create", actor=actor, diff=_public(item)))
    _commit_and_invalidate(db, [key])
    log.info("config %s created id=%s scope=%s by %s", key, item.id, item.scope, actor)
    return item


def update_item(db: Session, item_id: int, *, version: int, actor: str, value: Any = UNSET,
                enabled: bool | None = None, cacheable: bool | None = None, json_schema: Any = UNSET,
                provider: KeyProvider | None = None) -> ConfigItem:
    """Apply a PATCH if `version` is current; a stale version changes nothing (409)."""
    item = get_item(db, item_id, lock=True)
    if item.version != version:
        raise ConfigError(409, f"config item {item_id} is at version {item.version}, not {version}: "
                               "someone changed it since you read it; re-read and retry")
    diff: dict[str, Any] = {}
    old_schema = item.json_schema
    if json_schema is not UNSET and json_schema != item.json_schema:
        _check_schema(json_schema)
        diff["json_schema"] = {"old": item.json_schema, "new": json_schema}
        item.json_schema = json_schema
    if value is not UNSET or "json_schema" in diff:
        # the value this row will hold (the new one, or the stored one under a changed or dropped
        # schema) against every schema that will apply; a new schema also against the other scopes
        current = value if value is not UNSET else (reveal(item, provider) if item.is_secret else plain_value(item))
        _check_value(db, item.key, current, item.json_schema, item.id)
        if "json_schema" in diff:
            _check_stored_values(db, item.key, item.json_schema, item.id, provider)
            if value is not UNSET and old_schema is not None and (problems := validate(value, old_schema)):
                # dropping or loosening a schema and storing what it forbade are two audited decisions
                raise ConfigError(422, f"value does not match the current schema of {item.key!r}: "
                                       + "; ".join(problems[:5]) + "; change json_schema first, then the value")
    if value is not UNSET:
        if item.is_secret:
            old_version = item.secret_version
            _seal_into(db, item, value, provider or get_key_provider())
            diff["value"] = {"old": REDACTED, "new": REDACTED}
            diff["secret_version"] = {"old": old_version, "new": item.secret_version}
        elif value != plain_value(item):
            diff["value"] = {"old": plain_value(item), "new": value}
            _set_plain(item, value)
    for name, new in (("enabled", enabled), ("cacheable", cacheable)):
        if new is not None and new != getattr(item, name):
            diff[name] = {"old": getattr(item, name), "new": new}
            setattr(item, name, new)
    if not diff:
        db.rollback()
        return item
    item.version += 1
    item.updated_by = actor
    item.updated_at = func.now()
    action = ("enable" if enabled else "disable") if set(diff) == {"enabled"} else "update"
    db.add(ConfigAudit(item_id=item.id, action=action, actor=actor, diff={**diff, "version": item.version}))
    _commit_and_invalidate(db, [item.key])
    db.refresh(item)
    log.info("config %s %s id=%s v%s by %s", item.key, action, item.id, item.version, actor)
    return item


def rotate_item(db: Session, item_id: int, *, actor: str, value: Any = UNSET, version: int | None = None,
                provider: KeyProvider | None = None) -> ConfigItem:
    """Re-seal a secret under a new data key (optionally with a new value); history is kept."""
    provider = provider or get_key_provider()
    item = get_item(db, item_id, lock=True)
    if not item.is_secret:
        raise ConfigError(422, f"config item {item_id} ({item.key}) is not a secret; PATCH its value instead")
    if version is not None and item.version != version:
        raise ConfigError(409, f"config item {item_id} is at version {item.version}, not {version}; re-read and retry")
    if value is UNSET:
        value = reveal(item, provider)
    else:
        _check_value(db, item.key, value, item.json_schema, item.id)
    old_version = item.secret_version
    _seal_into(db, item, value, provider)
    item.version += 1
    item.updated_by = actor
    item.updated_at = func.now()
    db.add(ConfigAudit(item_id=item.id, action="rotate", actor=actor, diff={
        "value": {"old": REDACTED, "new": REDACTED}, "secret_version": {"old": old_version, "new": item.secret_version},
        "key_id": item.secret_key_id, "version": item.version}))
    _commit_and_invalidate(db, [item.key])
    db.refresh(item)
    log.info("config %s rotated id=%s secret v%s by %s", item.key, item.id, item.secret_version, actor)
    return item


def rewrap_all(db: Session, *, actor: str, provider: KeyProvider | None = None, source: KeyProvider | None = None,
               batch: int = 200) -> int:
    """Move every wrapped data key (current values and history) to the current KEK.

    Without downtime: the old KEK stays usable while this runs, so readers open either
    form; each batch commits on its own. Keys of another provider are moved only when
    that provider is given as `source` (e.g. local -> Vault). Returns how many moved.
    """
    provider = provider or get_key_provider()
    current = provider.current_key_id()
    done, last_id = 0, 0
    while True:
        rows = list(db.scalars(select(ConfigSecretVersion).where(ConfigSecretVersion.key_id != current,
                                                                ConfigSecretVersion.id > last_id)
                               .order_by(ConfigSecretVersion.id).limit(batch).with_for_update(skip_locked=True)))
        if not rows:
            break
        last_id = rows[-1].id
        keys = set()
        for row in rows:
            if provider.owns(row.key_id):
                row.key_id, row.wrapped_key = provider.rewrap(row.key_id, row.wrapped_key)
            elif source is not None and source.owns(row.key_id):
                row.key_id, row.wrapped_key = provider.wrap(source.unwrap(row.key_id, row.wrapped_key))
            else:
                continue
            item = db.get(ConfigItem, row.item_id)
            if item.secret_version == row.version:
                item.secret_key_id, item.secret_data_key = row.key_id, row.wrapped_key
                keys.add(item.key)
            done += 1
        _commit_and_invalidate(db, sorted(keys))
    if done:
        db.add(ConfigAudit(item_id=None, action="rewrap", actor=actor, diff={"data_keys": done, "key_id": current}))
        db.commit()
    log.info("config: %d data keys re-wrapped to KEK %s", done, current)
    return done


def seed_defaults(db: Session, *, actor: str = "seed") -> list[str]:
    """Create the global defaults that are missing; never overwrite an operator's value."""
    created = []
    for default in DEFAULTS:
        if find_item(db, default["key"], Scope()) is None:
            create_item(db, key=default["key"], scope=Scope(), value=default["value"],
                        json_schema=default["json_schema"], actor=actor)
            created.append(default["key"])
    return created
