"""Flower asks for a login: its task table shows run ids, requesters and intents.

Flower is started the way scripts/stack.sh starts it (`celery -A deploy.docker.flower_app
flower`), as its own process on a free port, against the test broker.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO, TEST_ENV, free_port, logs_dir


def _start_flower(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    handle = open(log, "a")  # noqa: SIM115 - kept open for the process's life
    process = subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "celery"), "-A", "deploy.docker.flower_app", "flower",
         "--address=127.0.0.1", f"--port={port}"],
        cwd=REPO, env={**os.environ, **TEST_ENV, **env}, stdout=handle, stderr=subprocess.STDOUT,
        start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def _wait_ready(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"flower exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthcheck", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail(f"flower not ready in 90 s: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def test_flower_refuses_without_credentials_and_answers_with_them(stores, tmp_path):
    log = logs_dir() / "flower-auth.log"
    process, url = _start_flower({"MCP_FLOWER_USER": "ops", "MCP_FLOWER_PASSWORD": "s3cret-Flower"}, log)
    try:
        _wait_ready(process, url, log)
        for path in ("/", "/tasks", "/api/tasks", "/workers"):
            assert httpx.get(url + path, timeout=10).status_code == 401, path
            assert httpx.get(url + path, auth=("ops", "wrong"), timeout=10).status_code == 401, path
        page = httpx.get(url + "/tasks", auth=("ops", "s3cret-Flower"), timeout=10)
        assert page.status_code == 200 and "Flower" in page.text
        api = httpx.get(url + "/api/tasks", auth=("ops", "s3cret-Flower"), timeout=10)
        assert api.status_code == 200 and isinstance(api.json(), dict)
    finally:
        _stop(process)


def test_flower_generates_a_password_in_dev_and_never_starts_open_in_prod(stores, tmp_path):
    log = logs_dir() / "flower-auth-generated.log"
    password_file = tmp_path / "flower-password"
    process, url = _start_flower({"MCP_FLOWER_PASSWORD_FILE": str(password_file)}, log)
    try:
        _wait_ready(process, url, log)
        password = password_file.read_text().strip()
        assert len(password) >= 24 and oct(password_file.stat().st_mode & 0o777) == "0o600"
        assert httpx.get(url + "/tasks", timeout=10).status_code == 401
        assert httpx.get(url + "/tasks", auth=("admin", password), timeout=10).status_code == 200
        shown = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-m", "deploy.docker.flower_auth"], cwd=REPO,
                               env={**os.environ, **TEST_ENV, "MCP_FLOWER_PASSWORD_FILE": str(password_file)},
                               capture_output=True, text=True, timeout=60)
        assert shown.returncode == 0 and f"user admin, password in {password_file}" in shown.stdout  # what `make run` prints
        assert password not in shown.stdout + shown.stderr  # the secret itself is never printed
    finally:
        _stop(process)
    prod, _ = _start_flower({"MCP_ENV": "prod", "MCP_NEO4J_PASSWORD": "a-real-one-9f3",
                             "MCP_DATABASE_URL": "postgresql+psycopg://u:Zq9x@127.0.0.1:5432/x",
                             "MCP_FLOWER_PASSWORD_FILE": str(tmp_path / "never")}, log)
    assert prod.wait(timeout=90) != 0
    assert "set MCP_FLOWER_PASSWORD" in log.read_text() and not (tmp_path / "never").exists()


def test_a_password_in_the_config_service_wins_over_the_environment(database, clean_redis, tmp_path):
    from shared.config import Scope
    from shared.db.session import session_scope

    from services.gateway.config_service import create_item, update_item

    with session_scope() as db:
        item = create_item(db, key="flower.password", scope=Scope(service="flower"), value="from-config-Vault-7",
                           actor="tests", is_secret=True)
        item_id = item.id
    log = logs_dir() / "flower-auth-config.log"
    process, url = _start_flower({"MCP_FLOWER_USER": "ops", "MCP_FLOWER_PASSWORD": "from-env-Old-1"}, log)
    try:
        _wait_ready(process, url, log)
        assert httpx.get(url + "/tasks", auth=("ops", "from-config-Vault-7"), timeout=10).status_code == 200
        assert httpx.get(url + "/tasks", auth=("ops", "from-env-Old-1"), timeout=10).status_code == 401
        shown = subprocess.run([str(REPO / ".venv" / "bin" / "python"), "-m", "deploy.docker.flower_auth"], cwd=REPO,
                               env={**os.environ, **TEST_ENV}, capture_output=True, text=True, timeout=60)
        assert "password in the config service's secret flower.password" in shown.stdout, shown.stdout + shown.stderr
        assert "from-config-Vault-7" not in shown.stdout + shown.stderr
    finally:
        _stop(process)
        with session_scope() as db:
            current = db.get(type(item), item_id)
            update_item(db, item_id, version=current.version, actor="tests", enabled=False)
