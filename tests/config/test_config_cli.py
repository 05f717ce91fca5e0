"""`mcpcloud config ...` end to end against the test database."""

from __future__ import annotations

import json
import uuid

from typer.testing import CliRunner

from services.gateway.config_cli import app

runner = CliRunner()


def _run(*args: str, input: str | None = None):
    result = runner.invoke(app, list(args), input=input)
    return result


def test_set_get_update_and_audit(config_db, key_prefix):
    key = f"{key_prefix}cli.replicas"
    made = _run("set", key, '{"n": 2}', "--env", "prod")
    assert made.exit_code == 0, made.output
    item = json.loads(made.output)
    assert item["value"] == {"n": 2} and item["scope"]["env"] == "prod"
    assert json.loads(_run("set", key, '{"n": 3}', "--env", "prod").output)["version"] == 2
    stale = _run("set", key, '{"n": 9}', "--env", "prod", "--version", "1")
    assert stale.exit_code == 1 and "409" in stale.output
    got = _run("get", key, "--env", "prod", "--service", "gateway")
    assert json.loads(got.output)["value"] == {"n": 3}
    assert _run("get", key).exit_code == 1  # no global value
    lines = _run("audit", str(item["id"])).output.strip().splitlines()
    assert [line.split()[3] for line in lines] == ["create", "update"]


def test_secret_set_rotate_reveal_and_kek_rotation(config_db, key_prefix):
    key = f"{key_prefix}cli.token"
    plain = f"tok-{uuid.uuid4().hex}"
    made = _run("set", key, "--secret", input=f"{plain}\n{plain}\n")
    assert made.exit_code == 0, made.output
    item = json.loads(made.output.strip().splitlines()[-1])
    assert item["value"] == "<redacted>" and plain not in made.output.replace("secret value:", "")
    rotated = _run("rotate", str(item["id"]))
    assert rotated.exit_code == 0 and "secret version 2" in rotated.output
    assert json.loads(_run("get", key, "--reveal").output)["value"] == plain
    assert plain not in _run("get", key).output + _run("audit", str(item["id"])).output
    kek = _run("rotate-kek", "--retire-old")
    assert kek.exit_code == 0 and "data keys re-wrapped" in kek.output and "retired" in kek.output, kek.output
    assert json.loads(_run("get", key, "--reveal").output)["value"] == plain


def test_seed_is_idempotent(config_db):
    _run("seed")
    assert _run("seed").output.strip() == "defaults already present"
