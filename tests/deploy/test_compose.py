"""docker-compose.yml, deploy/docker/Dockerfile, .dockerignore and deploy/env/*.example agree
with the code they deploy: modules, queues, settings names and image targets."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from shared.settings import Settings  # noqa: E402

COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
ENV_DIR = ROOT / "deploy" / "env"
WORKERS = ("rag", "terraform", "policy", "github", "k8s")
STORES = ("postgres", "redis", "neo4j")
APPS = ("migrate", "gateway", *WORKERS, "flower")
SETTINGS_VARS = {f"MCP_{name.upper()}" for name in Settings.model_fields}
MCP_VAR = re.compile(r"\bMCP_[A-Z0-9_]+\b")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def module_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def env_files(service: dict) -> list[tuple[Path, bool]]:
    """(path, required) of each env_file entry, in order."""
    entries = service.get("env_file", [])
    entries = [entries] if isinstance(entries, str) else entries
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append((ROOT / entry, True))
        else:
            out.append((ROOT / entry["path"], entry.get("required", True)))
    return out


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def service_env(service: dict) -> dict[str, str]:
    """What the container gets: env files (the ones that exist), then `environment`."""
    values: dict[str, str] = {}
    for path, _ in env_files(service):
        if path.exists():
            values.update(read_env(path))
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    values.update({k: str(v) for k, v in environment.items()})
    return values


def dockerfile_stages() -> dict[str, str]:
    """Stage name -> its text (FROM line to the next FROM)."""
    stages, name, lines = {}, None, []
    for line in DOCKERFILE.read_text().splitlines():
        match = re.match(r"^FROM\s+\S+(?:\s+AS\s+(\S+))?\s*$", line, re.IGNORECASE)
        if match:
            if name:
                stages[name] = "\n".join(lines)
            name, lines = match.group(1) or f"stage{len(stages)}", []
        lines.append(line)
    if name:
        stages[name] = "\n".join(lines)
    return stages


def installed_requirements(stage_text: str) -> set[str]:
    return set(re.findall(r"pip install [^\n]*?-r\s+(\S+)", stage_text))


# ------------------------------------------------------------------ compose


def test_compose_has_exactly_the_services(services):
    assert set(services) == {*STORES, *APPS}


def test_store_images_and_options(services):
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["neo4j"]["image"] == "neo4j:5.26"
    assert "--appendonly" in services["redis"]["command"]
    assert "yes" in services["redis"]["command"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_named_volumes(compose, services):
    assert {"pgdata", "redisdata", "neo4jdata", "gitops"} <= set(compose["volumes"])
    mounts = {name: [v.split(":")[0] for v in s.get("volumes", [])] for name, s in services.items()}
    assert "pgdata" in mounts["postgres"] and "redisdata" in mounts["redis"]
    assert "neo4jdata" in mounts["neo4j"] and "gitops" in mounts["github"]
    assert service_env(services["github"])["MCP_LOCAL_GIT_ROOT"] == "/data/gitops"
    assert "gitops:/data/gitops" in services["github"]["volumes"]


MIGRATE_COMMAND = ["sh", "-c", "alembic upgrade head && python -m services.gateway.cli config seed"]


def test_gateway_and_migrate_commands(services):
    gateway = services["gateway"]["command"]
    assert gateway[0] == "uvicorn"
    module, _, attr = gateway[1].partition(":")
    assert module == "services.gateway.app" and attr == "app"
    assert re.search(rf"^{attr}\s*=", module_path(module).read_text(), re.MULTILINE)
    assert "8000:8000" in services["gateway"]["ports"]

    assert services["migrate"]["command"] == MIGRATE_COMMAND
    assert module_path("services.gateway.cli").exists()
    ini = (ROOT / "alembic.ini").read_text()
    assert re.search(r"script_location\s*=\s*%\(here\)s/shared/db/migrations", ini)
    assert (ROOT / "shared" / "db" / "migrations" / "env.py").exists()


@pytest.mark.parametrize("name", WORKERS)
def test_worker_command_matches_its_module_and_queue(services, name):
    service = services[name]
    command = service["command"]
    assert command[:2] == ["celery", "-A"]
    module = command[2]
    assert module == f"services.{name}.worker"
    assert module_path(module).exists(), f"{module} has no file"
    assert f'"services.{name}.tasks"' in module_path(module).read_text()
    assert module_path(f"services.{name}.tasks").exists()
    assert command[3] == "worker"
    assert command[command.index("-Q") + 1] == name
    assert command[command.index("-n") + 1] == f"{name}@%h"
    probe = " ".join(service["healthcheck"]["test"])
    assert f"-A {module} inspect ping" in probe and f"-d {name}@$$HOSTNAME" in probe
    # `docker compose up --scale NAME=3` needs no fixed name and no host port.
    assert "container_name" not in service and "ports" not in service


def test_worker_queues_are_the_code_queues():
    from shared.queues import Queue

    assert {q.value for q in Queue} == set(WORKERS)


def test_flower_uses_an_app_the_gateway_image_can_import(services):
    command = services["flower"]["command"]
    assert command[:2] == ["celery", "-A"] and "flower" in command and "--port=5555" in command
    module = command[2]
    assert module_path(module).exists()
    # Not a worker app: a worker's task modules (llama-index, checkov ...) are not in the gateway image.
    assert not module.startswith("services.") or module.startswith("services.gateway.")
    assert services["flower"]["build"]["target"] == "gateway"
    assert any(str(p).endswith("5555:5555") for p in services["flower"]["ports"])


def test_every_depends_on_has_a_condition(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must be a mapping with conditions"
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown {target}"
            want = "service_completed_successfully" if target == "migrate" else "service_healthy"
            assert spec.get("condition") == want, f"{name} -> {target}"


def test_apps_wait_for_stores_and_migrations(services):
    assert set(services["migrate"]["depends_on"]) == {"postgres"}
    for name in ("gateway", *WORKERS):
        assert {"postgres", "redis", "neo4j", "migrate"} <= set(services[name]["depends_on"]), name
    assert "redis" in services["flower"]["depends_on"]


def test_every_service_but_migrate_has_a_healthcheck(services):
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if name == "migrate":
            assert service.get("restart") == "no"
            continue
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"


def test_neo4j_sets_only_neo4j_auth(services):
    env = service_env(services["neo4j"])
    assert "NEO4J_AUTH" in env
    assert [k for k in env if k.startswith("NEO4J")] == ["NEO4J_AUTH"]
    for path in ENV_DIR.glob("neo4j.env*"):
        assert [k for k in read_env(path) if k.startswith("NEO4J")] in ([], ["NEO4J_AUTH"]), path


def test_env_files_exist_or_have_an_example(services):
    for name, service in services.items():
        for path, required in env_files(service):
            assert path.parent == ENV_DIR, f"{name}: {path}"
            if required:
                assert path.exists(), f"{name}: missing {path}"
            else:
                assert path.with_name(path.name + ".example").exists(), f"{name}: {path} has no .example"
    app_env = {name for name in APPS if any(p.name == "common.env.example" for p, _ in env_files(services[name]))}
    assert app_env == set(APPS)


def test_every_mcp_variable_is_a_setting(services):
    texts = [COMPOSE_FILE.read_text(), DOCKERFILE.read_text()]
    texts += [p.read_text() for p in ENV_DIR.glob("*.example")]  # commented-out lines included
    for service in services.values():
        texts.append("\n".join(service_env(service)))
    used = set().union(*(MCP_VAR.findall(text) for text in texts))
    assert used, "no MCP_ variables found"
    assert used <= SETTINGS_VARS, f"not read by shared.settings.Settings: {sorted(used - SETTINGS_VARS)}"


def test_secrets_only_where_needed(services):
    for name, service in services.items():
        env = service_env(service)
        assert ("MCP_BOOTSTRAP_ADMIN_KEY" in env) == (name == "gateway"), name
        assert "MCP_GITHUB_TOKEN" not in env  # commented out in the example: no token = local git
    github_example = (ENV_DIR / "github.env.example").read_text()
    assert "MCP_GITHUB_TOKEN" in github_example
    assert {p.name for p, _ in env_files(services["github"])} >= {"github.env.example", "github.env"}


def test_example_passwords_match_across_files():
    common = read_env(ENV_DIR / "common.env.example")
    postgres = read_env(ENV_DIR / "postgres.env.example")
    neo4j = read_env(ENV_DIR / "neo4j.env.example")
    user, password, db = postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"]
    assert common["MCP_DATABASE_URL"] == f"postgresql+psycopg://{user}:{password}@postgres:5432/{db}"
    assert neo4j["NEO4J_AUTH"] == f"{common['MCP_NEO4J_USER']}/{common['MCP_NEO4J_PASSWORD']}"
    assert len(common["MCP_NEO4J_PASSWORD"]) >= 8  # Neo4j 5's minimum


def _settings_from(monkeypatch, *names: str, **overrides: str) -> Settings:
    import os

    for key in list(os.environ):
        if key.startswith("MCP_"):
            monkeypatch.delenv(key)
    for name in names:
        for key, value in read_env(ENV_DIR / name).items():
            monkeypatch.setenv(key, value)
    for key, value in overrides.items():
        monkeypatch.setenv(key, value)
    return Settings()


def test_examples_load_in_dev(monkeypatch):
    settings = _settings_from(monkeypatch, "common.env.example", "gateway.env.example", "github.env.example")
    assert settings.env == "dev"
    assert settings.github_token is None and settings.kubeconfig is None and settings.terraform_binary is None
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_examples_are_refused_outside_dev(monkeypatch):
    with pytest.raises(ValueError, match="placeholder"):
        _settings_from(monkeypatch, "common.env.example", "gateway.env.example", MCP_ENV="prod")


# ------------------------------------------------------------------ Dockerfile


def test_compose_targets_exist_in_the_dockerfile(services):
    stages = dockerfile_stages()
    for name, service in services.items():
        build = service.get("build")
        if build is None:
            continue
        assert build["context"] == "."
        assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE
        assert build["target"] in stages, f"{name}: no stage {build['target']}"
    assert {s["build"]["target"] for s in services.values() if "build" in s} == {"gateway", *WORKERS}
    for name in ("migrate", "flower"):
        assert services[name]["build"]["target"] == "gateway"
        assert services[name]["image"] == services["gateway"]["image"]


def test_dockerfile_base_stage():
    stages = dockerfile_stages()
    base = stages["base"]
    assert re.match(r"FROM python:3\.11-slim AS base", base)
    for env in ("PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "PIP_NO_CACHE_DIR=1", "PYTHONPATH=/app"):
        assert env in base
    assert "--uid 10001" in base


@pytest.mark.parametrize("target", ["gateway", *WORKERS])
def test_each_target_installs_only_its_requirements(target):
    stage = dockerfile_stages()[target]
    assert stage.startswith("FROM base AS")
    wanted = f"services/{target}/requirements.txt"
    assert installed_requirements(stage) == {wanted}
    assert (ROOT / wanted).exists()
    assert (ROOT / wanted).read_text().startswith("-r ../../shared/requirements.txt")
    assert "python -m venv /opt/venv" in stage
    assert re.search(r"^COPY \. \.$", stage, re.MULTILINE), "the whole source tree goes into every image"
    assert re.search(r"^USER 10001(:10001)?$", stage, re.MULTILINE), "must run as uid 10001"
    assert "HEALTHCHECK" in stage


def test_policy_and_terraform_never_share_an_environment(services):
    stages = dockerfile_stages()
    assert installed_requirements(stages["policy"]).isdisjoint(installed_requirements(stages["terraform"]))
    assert services["policy"]["image"] != services["terraform"]["image"]


def test_github_image_has_git():
    assert re.search(r"apt-get install[^\n]*\bgit\b", dockerfile_stages()["github"])


def test_dockerignore():
    lines = set((ROOT / ".dockerignore").read_text().split())
    for pattern in (".git", ".venv*", ".data", "node_modules", "deploy/neo4j/target", "**/__pycache__", "deploy/env/*.env"):
        assert pattern in lines, pattern


# ------------------------------------------------------------------ docker compose itself


def _compose_cli() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_docker_compose_config_is_valid():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("the Docker Compose v2 CLI (docker compose) is not installed")
    result = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    listed = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "--services"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert set(listed.stdout.split()) == {*STORES, *APPS}
