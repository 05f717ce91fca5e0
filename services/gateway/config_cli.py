"""`mcpcloud config get|set|rotate|audit|seed|rotate-kek`: the config service from a shell.

Runs next to the database (like `mcpcloud keys`), through the same service functions
as the HTTP API, as actor `cli`. Secret values are read from a hidden prompt when not
given, so they stay out of shell history, and printed only with `--reveal`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.config.entry import plain_value
from shared.config.keys import LocalKeyProvider, get_key_provider
from shared.config.resolve import Scope, matching, most_specific
from shared.db.models_config import ConfigSecretVersion
from shared.db.session import session_scope

from services.gateway import config_service as svc

app = typer.Typer(help="Run-time configuration: values by scope, secrets, audit", no_args_is_help=True)

Env = Annotated[str | None, typer.Option(help="Scope: environment")]
Service = Annotated[str | None, typer.Option(help="Scope: service")]
Tenant = Annotated[str | None, typer.Option(help="Scope: tenant")]


def _parse(raw: str) -> Any:
    """JSON when it parses (numbers, objects, true), else the text itself."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _fail(exc: svc.ConfigError) -> None:
    typer.echo(f"error ({exc.status}): {exc.message}", err=True)
    raise typer.Exit(1)


def _show(item, value: Any) -> None:
    typer.echo(json.dumps({"id": item.id, "key": item.key, "scope": item.scope, "version": item.version,
                           "enabled": item.enabled, "is_secret": item.is_secret, "value": value}, default=str))


def _value_of(item, reveal: bool) -> Any:
    if item.is_secret:
        return svc.reveal(item) if reveal else svc.REDACTED
    return plain_value(item)


@app.command()
def get(key: str, env: Env = None, service: Service = None, tenant: Tenant = None,
        reveal: Annotated[bool, typer.Option(help="Print a secret's plaintext")] = False) -> None:
    """The value that applies at this scope (most specific enabled: tenant > service > env > global)."""
    with session_scope() as db:
        best = most_specific(db.scalars(matching(Scope(env, service, tenant), key=key)).all()).get(key)
        if best is None:
            typer.echo(f"no enabled value of {key!r} for env={env} service={service} tenant={tenant}", err=True)
            raise typer.Exit(1)
        _show(best, _value_of(best, reveal))


@app.command("set")
def set_(
    key: str,
    value: Annotated[str | None, typer.Argument(help="JSON or text; secrets: omit to be prompted")] = None,
    env: Env = None, service: Service = None, tenant: Tenant = None,
    secret: Annotated[bool, typer.Option(help="Store encrypted (new keys only)")] = False,
    schema: Annotated[str | None, typer.Option(help="JSON schema (inline JSON) for the key")] = None,
    version: Annotated[int | None, typer.Option(help="Expected version (default: the current one)")] = None,
) -> None:
    """Create the value at exactly this scope, or update it (optimistic: a stale --version fails)."""
    if value is None:
        if not secret:
            typer.echo("give a VALUE (or --secret to be prompted for one)", err=True)
            raise typer.Exit(2)
        value = typer.prompt("secret value", hide_input=True, confirmation_prompt=True)
    parsed = _parse(value)
    json_schema = json.loads(schema) if schema else None
    scope = Scope(env, service, tenant)
    try:
        with session_scope() as db:
            existing = svc.find_item(db, key, scope)
            if existing is None:
                item = svc.create_item(db, key=key, scope=scope, value=parsed, actor="cli", is_secret=secret,
                                       json_schema=json_schema)
            else:
                item = svc.update_item(db, existing.id, version=version or existing.version, actor="cli", value=parsed,
                                       json_schema=json_schema if schema else svc.UNSET)
            _show(item, _value_of(item, reveal=False))
    except svc.ConfigError as exc:
        _fail(exc)


@app.command()
def rotate(item_id: int, new_value: Annotated[bool, typer.Option(help="Prompt for a new value")] = False) -> None:
    """Re-seal a secret with a new data key (and a new value with --new-value); history is kept."""
    value = _parse(typer.prompt("new secret value", hide_input=True, confirmation_prompt=True)) if new_value else svc.UNSET
    try:
        with session_scope() as db:
            item = svc.rotate_item(db, item_id, actor="cli", value=value)
            typer.echo(f"rotated {item.key} (id {item.id}): secret version {item.secret_version}, KEK {item.secret_key_id}")
    except svc.ConfigError as exc:
        _fail(exc)


@app.command()
def audit(item_id: int) -> None:
    """Every change of one item: time, actor, action, diff (secrets redacted)."""
    try:
        with session_scope() as db:
            for row in svc.audit_of(db, item_id):
                typer.echo(f"{row.created_at:%Y-%m-%d %H:%M:%S}  {row.actor:<20} {row.action:<8} {json.dumps(row.diff)}")
    except svc.ConfigError as exc:
        _fail(exc)


@app.command()
def seed() -> None:
    """Create the default personas and guardrail settings that are missing."""
    with session_scope() as db:
        created = svc.seed_defaults(db, actor="cli")
    typer.echo(f"seeded: {', '.join(created)}" if created else "defaults already present")


@app.command("rotate-kek")
def rotate_kek(retire_old: Annotated[bool, typer.Option(help="Drop old local KEKs after re-wrapping")] = False) -> None:
    """New key-encryption key, then re-wrap every data key to it; reads keep working throughout."""
    provider = get_key_provider()
    previous = provider.current_key_id()
    if isinstance(provider, LocalKeyProvider):
        provider.add_key()
    else:
        typer.echo("Vault Transit: rotate the key in Vault (vault write -f transit/keys/<name>/rotate); re-wrapping now")
    with session_scope() as db:
        moved = svc.rewrap_all(db, actor="cli", provider=provider)
        remaining = _count_other_keys(db, provider.current_key_id())
    typer.echo(f"KEK {previous} -> {provider.current_key_id()}: {moved} data keys re-wrapped")
    if retire_old and isinstance(provider, LocalKeyProvider) and remaining == 0 and previous != provider.current_key_id():
        provider.retire_key(previous)
        typer.echo(f"retired {previous}")


def _count_other_keys(db: Session, current: str) -> int:
    return db.scalar(select(func.count()).select_from(ConfigSecretVersion).where(ConfigSecretVersion.key_id != current))
