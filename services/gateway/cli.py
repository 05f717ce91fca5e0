"""`mcpcloud`: the operator's command line (API keys, the demo request, run status)."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from typing import Annotated

import httpx
import typer
from sqlalchemy import select

from shared.db.models import TERMINAL_STATUSES, ApiKey, PrincipalKind, Role
from shared.db.session import session_scope
from shared.examples import request_body
from shared.settings import REPO_ROOT, get_settings

from services.gateway.auth import (
    IdentityError, authenticate, create_key, create_principal, get_principal_row, revoke_key,
)
from services.gateway.celery_client import get_celery
from services.gateway.runs_service import resume_stalled
from services.gateway.config_cli import app as config_app
from services.gateway.knowledge_cli import graph_app, knowledge_app

app = typer.Typer(help="MCP Cloud command line", no_args_is_help=True)
keys = typer.Typer(help="API keys", no_args_is_help=True)
runs = typer.Typer(help="Runs", no_args_is_help=True)
app.add_typer(keys, name="keys")
app.add_typer(runs, name="runs")
app.add_typer(config_app, name="config")
app.add_typer(knowledge_app, name="knowledge")
app.add_typer(graph_app, name="graph")

DEMO_KEYS = REPO_ROOT / ".data" / "demo-keys.json"
SEED_REQUEST = request_body("eks-nginx-argocd", stack="demo-eks")


@keys.command("create")
def keys_create(
    name: str,
    role: Annotated[Role | None, typer.Option(help="The key's role (default: the principal's; never above it)")] = None,
    principal: Annotated[str | None, typer.Option(help="Whose key; created with --role if missing (default: NAME)")] = None,
    kind: Annotated[PrincipalKind, typer.Option(help="Kind of a principal created here")] = PrincipalKind.user,
) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    try:
        with session_scope() as session:
            owner = get_principal_row(session, principal or name)
            if owner is None:
                owner = create_principal(session, principal or name, role or Role.requester, actor="cli", kind=kind)
            key = create_key(session, name, role, actor="cli", principal=owner)
    except IdentityError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(key)


@keys.command("revoke")
def keys_revoke(name: str) -> None:
    """Revoke the key named NAME (audited); requests with it get 401 from now on."""
    with session_scope() as session:
        key = session.scalar(select(ApiKey).where(ApiKey.name == name))
        if key is None:
            typer.echo(f"no key named {name!r}", err=True)
            raise typer.Exit(2)
        revoke_key(session, key, actor="cli")
    typer.echo(f"revoked {name}")


@keys.command("list")
def keys_list() -> None:
    """Every key: name, principal, role, prefix, revoked or not."""
    with session_scope() as session:
        for key in session.scalars(select(ApiKey).order_by(ApiKey.id)):
            state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
            typer.echo(f"{key.id:>5} {key.name:<30} {key.principal.name:<24} {key.role:<10} {key.prefix:<10} {state}")


DEMO_PRINCIPALS = (("demo-requester", Role.requester), ("demo-approver", Role.approver))


def _demo_keys() -> dict[str, str]:
    """The demo's requester and approver keys (two principals), created once and kept in
    .data (mode 600)."""
    with session_scope() as session:
        if DEMO_KEYS.exists():
            stored = json.loads(DEMO_KEYS.read_text())
            if all(authenticate(session, key) is not None for key in stored.values()):
                return stored  # still valid (a wiped database makes them stale)
    created = {}
    with session_scope() as session:
        for name, role in DEMO_PRINCIPALS:
            owner = get_principal_row(session, name) or create_principal(session, name, role, actor="demo")
            for existing in session.scalars(select(ApiKey).where(ApiKey.name == name)):
                revoke_key(session, existing, actor="demo")
                existing.name = f"{name}-revoked-{existing.id}"
            session.flush()
            created[name] = create_key(session, name, role, actor="demo", principal=owner)
    DEMO_KEYS.parent.mkdir(parents=True, exist_ok=True)
    DEMO_KEYS.touch(mode=0o600)
    DEMO_KEYS.write_text(json.dumps(created))
    return created


def _wait(client: httpx.Client, run_id: str, statuses: set[str], timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        run = client.get(f"/api/v1/runs/{run_id}").raise_for_status().json()
        if run["status"] in statuses or time.monotonic() > deadline:
            return run
        time.sleep(0.3)


def _print_run(run: dict) -> None:
    typer.echo(f"run {run['id']}  status={run['status']}  target={run['target']}")
    for step in run["steps"]:
        where = f"{step['queue']}@{(step['worker'] or '').split('@')[-1]}"
        typer.echo(f"  {step['seq']:>2} {step['name']:<26} {step['status']:<10} {where:<22} {step['detail'] or ''}"[:220])
    if run.get("report"):
        typer.echo(f"report: {run['report']['text']}")


@runs.command("resume")
def runs_resume(older_than: Annotated[int, typer.Option(help="seconds a chain must have been idle")] = 60) -> None:
    """Resume runs whose chain is not in flight: a step whose lease expired (its worker died),
    a chain that ended without a terminal status; then send pending outbox rows. The gateway
    does the same in the background (shared/reaper.py) and at every start."""
    with session_scope() as session:
        resumed = resume_stalled(session, get_celery(), timedelta(seconds=older_than))
    typer.echo("\n".join(str(run_id) for run_id in resumed) or "no stalled runs")


@app.command("mcp")
def mcp_stdio() -> None:
    """Serve MCP on stdin/stdout as the owner of the API key in MCP_API_KEY (for a host's config)."""
    from services.gateway.mcp.stdio import run

    raise typer.Exit(run())


@app.command()
def demo(
    url: Annotated[str, typer.Option(help="Gateway URL")] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each phase")] = 180,
) -> None:
    """Submit the seed request (EKS + nginx + ArgoCD), approve it with a second key, print the run."""
    settings = get_settings()
    base = url or settings.gateway_public_url
    demo_keys = _demo_keys()
    requester = httpx.Client(base_url=base, headers={"X-API-Key": demo_keys["demo-requester"]}, timeout=30)
    approver = httpx.Client(base_url=base, headers={"X-API-Key": demo_keys["demo-approver"]}, timeout=30)
    response = requester.post("/api/v1/requests", json=SEED_REQUEST)
    if response.status_code >= 400:
        typer.echo(f"request refused ({response.status_code}): {response.text}", err=True)
        raise typer.Exit(1)
    run_id = response.json()["id"]
    done = {status.value for status in TERMINAL_STATUSES}
    run = _wait(requester, run_id, done | {"awaiting_approval"}, timeout)
    _print_run(run)
    if run["status"] == "awaiting_approval":
        typer.echo("approving as a second principal (four eyes) ...")
        typer.echo(f"approving bundle {run['content_sha256']}")
        approver.post(f"/api/v1/runs/{run_id}/approve",
                      json={"comment": "demo approval", "content_sha256": run["content_sha256"]}).raise_for_status()
        run = _wait(requester, run_id, done, timeout)
        _print_run(run)
    typer.echo(f"\nAPI docs: {base}/docs    Flower: {settings.flower_url}    run: {base}/api/v1/runs/{run_id}")
    if run["status"] not in done:
        typer.echo(f"run did not finish within {timeout:.0f}s (status {run['status']})", err=True)
        raise typer.Exit(1)
    sys.exit(0 if run["status"] in ("succeeded", "not_applied") else 1)


if __name__ == "__main__":
    app()
