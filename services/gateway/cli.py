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

from shared.db.models import TERMINAL_STATUSES, ApiKey, Role
from shared.db.session import session_scope
from shared.examples import request_body
from shared.settings import REPO_ROOT, get_settings

from services.gateway.auth import authenticate, create_key
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
def keys_create(name: str, role: Annotated[Role, typer.Option()] = Role.requester) -> None:
    """Create an API key; it is printed once and stored only as a hash."""
    with session_scope() as session:
        if session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
            typer.echo(f"a key named {name!r} exists already; choose another name", err=True)
            raise typer.Exit(2)
        key = create_key(session, name, role, actor="cli")
    typer.echo(key)


def _demo_keys() -> dict[str, str]:
    """The demo's requester and approver keys, created once and kept in .data (mode 600)."""
    with session_scope() as session:
        if DEMO_KEYS.exists():
            stored = json.loads(DEMO_KEYS.read_text())
            if all(authenticate(session, key) is not None for key in stored.values()):
                return stored  # still valid (a wiped database makes them stale)
    created = {}
    with session_scope() as session:
        for name, role in (("demo-requester", Role.requester), ("demo-approver", Role.approver)):
            existing = session.scalar(select(ApiKey).where(ApiKey.name == name))
            if existing is not None:
                session.delete(existing)
                session.flush()
            created[name] = create_key(session, name, role, actor="demo")
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
def runs_resume(older_than: Annotated[int, typer.Option(help="seconds")] = 60) -> None:
    """Queue again runs whose chain was never sent (also done at every gateway start)."""
    with session_scope() as session:
        resumed = resume_stalled(session, get_celery(), timedelta(seconds=older_than))
    typer.echo("\n".join(str(run_id) for run_id in resumed) or "no stalled runs")


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
        typer.echo("approving with a second key (four eyes) ...")
        approver.post(f"/api/v1/runs/{run_id}/approve", json={"comment": "demo approval"}).raise_for_status()
        run = _wait(requester, run_id, done, timeout)
        _print_run(run)
    typer.echo(f"\nAPI docs: {base}/docs    Flower: {settings.flower_url}    run: {base}/api/v1/runs/{run_id}")
    if run["status"] not in done:
        typer.echo(f"run did not finish within {timeout:.0f}s (status {run['status']})", err=True)
        raise typer.Exit(1)
    sys.exit(0 if run["status"] in ("succeeded", "not_applied") else 1)


if __name__ == "__main__":
    app()
