"""Shared fixtures: the real stores and real worker processes.

Postgres, Redis and Neo4j must be running (`scripts/infra.sh start`, which `make test`
does). Tests use their own database (`mcpcloud_test`) and Redis databases 10-12, so a
`make run` stack on the same machine is left alone. The test settings are put in the
environment before anything imports `shared.settings`, and the worker processes
inherit them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Two test sessions on one machine can be kept apart with MCP_TEST_DATABASE and
# MCP_TEST_REDIS_DB (the first of three Redis databases).
_DB = os.environ.get("MCP_TEST_DATABASE", "mcpcloud_test")
_REDIS_DB = int(os.environ.get("MCP_TEST_REDIS_DB", "10"))
TEST_ENV = {
    "MCP_ENV": "test",
    "MCP_DATABASE_URL": f"postgresql+psycopg://mcpcloud:mcpcloud@127.0.0.1:5432/{_DB}",
    "MCP_REDIS_URL": f"redis://127.0.0.1:6379/{_REDIS_DB}",
    "MCP_BROKER_URL": f"redis://127.0.0.1:6379/{_REDIS_DB + 1}",
    "MCP_RESULT_BACKEND": f"redis://127.0.0.1:6379/{_REDIS_DB + 2}",
    "MCP_BROKER_VISIBILITY_TIMEOUT": "300",  # the production value: a killed step comes back by the reaper
    "MCP_STEP_RETRY_BACKOFF_MAX": "2",
    "MCP_LOCAL_GIT_ROOT": tempfile.mkdtemp(prefix="mcpcloud-gitops-"),
    "MCP_LOG_LEVEL": "INFO",
    "MCP_CONFIG_KEK_FILE": str(Path(tempfile.mkdtemp(prefix="mcpcloud-kek-")) / "config-kek.json"),
}
TEST_ENV_KNOBS = ("MCP_TEST_DATABASE", "MCP_TEST_REDIS_DB", "MCP_TEST_LOG_DIR")
for _name in list(os.environ):  # a developer's own MCP_* settings must not leak into tests
    if _name.startswith("MCP_") and _name not in TEST_ENV and _name not in TEST_ENV_KNOBS:
        del os.environ[_name]
os.environ.update(TEST_ENV)

SERVICES = ("rag", "terraform", "policy", "github", "k8s")


def free_port() -> int:
    """A port nothing listens on (for a process to bind, or as a dead address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def stores() -> None:
    """Fail fast, with the fix, when a store is not running."""
    missing = [name for name, port in (("Postgres", 5432), ("Redis", 6379), ("Neo4j", 7687)) if not _port_open("127.0.0.1", port)]
    if missing:
        pytest.fail(f"{', '.join(missing)} not running on 127.0.0.1: run `bash scripts/infra.sh start` (make test does)")


@pytest.fixture(scope="session")
def database(stores) -> None:
    """A clean test database at the latest migration."""
    from sqlalchemy import create_engine, text

    engine = create_engine(TEST_ENV["MCP_DATABASE_URL"])
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    subprocess.run([sys.executable, "-m", "alembic", "upgrade", "head"], cwd=REPO, check=True, capture_output=True)


@pytest.fixture(scope="session")
def clean_redis(stores) -> None:
    import redis

    for url in (TEST_ENV["MCP_REDIS_URL"], TEST_ENV["MCP_BROKER_URL"], TEST_ENV["MCP_RESULT_BACKEND"]):
        redis.Redis.from_url(url).flushdb()


def _python_for(service: str) -> Path:
    venv = REPO / (".venv-policy" if service == "policy" else ".venv")
    return venv / "bin" / "python"


@dataclass
class WorkerProcess:
    """One Celery worker as a separate OS process (its own process group)."""

    service: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.service}.log"

    def start(self, timeout: float = 120) -> None:
        env = {**os.environ, **TEST_ENV, **self.extra_env}
        handle = open(self.log_path, "a")  # noqa: SIM115 - kept open for the process's life
        handle.write(f"\n--- start {time.strftime('%X')} ---\n")
        handle.flush()
        offset = self.log_path.stat().st_size
        self.process = subprocess.Popen(
            [str(_python_for(self.service)), "-m", "celery", "-A", f"services.{self.service}.worker", "worker",
             "-Q", self.service, "-n", f"{self.service}@%h", "--concurrency=1", "-l", "INFO"],
            cwd=REPO, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.log_path) as log:
                log.seek(offset)
                if " ready." in log.read():
                    return
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.service} worker exited: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        raise TimeoutError(f"{self.service} worker not ready in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: the worker and its pool children."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown: TERM to the main process only, which lets running tasks finish."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class WorkerPool:
    workers: dict[str, WorkerProcess]

    def restart(self, service: str, **extra_env: str) -> WorkerProcess:
        old = self.workers[service]
        old.stop()
        new = WorkerProcess(service, old.log_dir, extra_env)
        new.start()
        self.workers[service] = new
        return new


@pytest.fixture(scope="session")
def workers(database, clean_redis, tmp_path_factory) -> Iterator[WorkerPool]:
    """The five workers, each a separate process on its own queue."""
    log_dir = Path(os.environ.get("MCP_TEST_LOG_DIR") or tmp_path_factory.mktemp("worker-logs"))
    pool = WorkerPool({service: WorkerProcess(service, log_dir) for service in SERVICES})
    try:
        for worker in pool.workers.values():
            worker.start()
        yield pool
    finally:
        for worker in pool.workers.values():
            worker.stop()


@pytest.fixture(scope="session")
def api(database):
    """The gateway app (FastAPI) with real Postgres, Redis and broker behind it."""
    from fastapi.testclient import TestClient

    from services.gateway.app import app

    with TestClient(app) as client:
        yield client


@dataclass(frozen=True)
class Keys:
    requester: dict[str, str]
    other_requester: dict[str, str]
    approver: dict[str, str]
    viewer: dict[str, str]
    admin: dict[str, str]


@pytest.fixture(scope="session")
def keys(database) -> Keys:
    """One API key per role (as X-API-Key headers), with unique names per session."""
    from shared.db.models import Role
    from shared.db.session import session_scope

    from services.gateway.auth import create_key

    suffix = uuid.uuid4().hex[:6]
    made = {}
    with session_scope() as session:
        for label, role in (("requester", Role.requester), ("other_requester", Role.requester),
                            ("approver", Role.approver), ("viewer", Role.viewer), ("admin", Role.admin)):
            made[label] = {"X-API-Key": create_key(session, f"{label}-{suffix}", role, actor="tests")}
    return Keys(**made)


def add_runs(count: int, tag: str) -> list[str]:
    """`count` rejected runs requested by `tag`, written straight to Postgres (for list and paging
    tests, which need many rows, not pipelines); their ids, oldest first."""
    from shared.contracts import Persona, RunMessage
    from shared.db.models import Run
    from shared.db.session import session_scope
    from shared.examples import SCENARIOS

    ids = []
    for index in range(count):  # a transaction each: now() differs, so created_at orders them
        with session_scope() as session:
            run_id = uuid.uuid4()
            intent = SCENARIOS["private-logs-bucket"].model_copy(update={"stack": f"{tag}-{index}"})
            message = RunMessage(run_id=run_id, persona=Persona.devops, requested_by=tag, intent=intent)
            session.add(Run(id=run_id, status="rejected", persona="devops", requested_by=tag, target=intent.target,
                            intent=intent.model_dump(mode="json"), message=message.to_wire()))
            ids.append(str(run_id))
    return ids


def wait_for_status(api, headers: dict, run_id: str, statuses: set[str], timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    run = {}
    while time.monotonic() < deadline:
        run = api.get(f"/api/v1/runs/{run_id}", headers=headers).json()
        if run["status"] in statuses:
            return run
        time.sleep(0.25)
    raise AssertionError(f"run {run_id} still {run.get('status')} after {timeout}s: {run.get('steps')}")


# --- the web console (services/web): real gateway and console processes, a real browser ---

@dataclass
class ServerProcess:
    """An HTTP server as a separate OS process (uvicorn), on a free loopback port."""

    app: str
    name: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/healthz", timeout: float = 60) -> ServerProcess:
        import httpx

        log = open(self.log_path, "a")  # noqa: SIM115 - kept open for the process's life
        self.process = subprocess.Popen(
            [str(_python_for("gateway")), "-m", "uvicorn", self.app, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=REPO, env={**os.environ, **TEST_ENV, **self.extra_env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not answer {ready_path} in {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.name}.log"

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def logs_dir() -> Path:
    """Where test processes log: MCP_TEST_LOG_DIR (make test sets it), else a temporary folder."""
    return Path(os.environ.get("MCP_TEST_LOG_DIR") or tempfile.mkdtemp(prefix="mcpcloud-test-logs-"))


def gateway_server(name: str = "gateway", log_dir: Path | None = None, **env: str) -> ServerProcess:
    """A gateway process (uvicorn) with the test settings plus `env`; use as `with gateway_server(...) as g`."""
    return ServerProcess("services.gateway.app:app", name, log_dir or logs_dir(), env)


@pytest.fixture(scope="session")
def gateway_process(database, tmp_path_factory) -> Iterator[ServerProcess]:
    """The gateway as its own process, as `make run` starts it."""
    server = gateway_server(log_dir=Path(os.environ.get("MCP_TEST_LOG_DIR") or tmp_path_factory.mktemp("server-logs")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def console(gateway_process, tmp_path_factory) -> Iterator[ServerProcess]:
    """The web console process (services/web), forwarding /api to the gateway process."""
    if not (REPO / "services" / "web" / "dist" / "index.html").exists():
        pytest.fail("the console is not built: run `bash scripts/bootstrap.sh` (make test does)")
    secret_dir = Path(tempfile.mkdtemp(prefix="mcpcloud-web-"))
    server = ServerProcess(
        "services.web.server:app", "console", gateway_process.log_dir,
        {"MCP_WEB_GATEWAY_URL": gateway_process.url, "MCP_GATEWAY_PUBLIC_URL": gateway_process.url,
         "MCP_WEB_SESSION_SECRET_FILE": str(secret_dir / "web-session.key")},
    ).start()
    yield server
    server.stop()


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download: executable_path).

    Module scope: Playwright's sync API keeps an event loop running in the main thread while
    it is open, which breaks every asyncio/anyio test that runs after it (the MCP tests), so
    it is closed at the end of each module that uses it."""
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("chromium not installed: run `bash scripts/bootstrap.sh` (make test does; Debian package chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
# --- k8s area: the local Kubernetes cluster (scripts/cluster.sh) ----------------------


@dataclass(frozen=True)
class LocalCluster:
    """A running local cluster: its env file's values and where its files are."""

    run_dir: Path
    env: dict[str, str]

    @property
    def kubeconfig(self) -> Path:
        return Path(self.env["MCP_KUBECONFIG"])

    @property
    def audit_log(self) -> Path:
        return Path(self.env["MCP_CLUSTER_AUDIT_LOG"])

    def restart_process(self, name: str) -> None:
        """Start again whatever of the cluster is not running (cluster.sh start is idempotent)."""
        _cluster_sh(self.run_dir, "start")

    def stop_process(self, name: str) -> None:
        pid = int((self.run_dir / "pids" / name).read_text())
        os.killpg(pid, signal.SIGTERM)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)


def _cluster_sh(run_dir: Path, command: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CLUSTER_RUN": str(run_dir), "MCP_LOCAL_GIT_ROOT": TEST_ENV["MCP_LOCAL_GIT_ROOT"]}
    return subprocess.run(["bash", str(REPO / "scripts" / "cluster.sh"), command], env=env, capture_output=True,
                          text=True, timeout=3600)


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory) -> Iterator[LocalCluster]:
    """The project's local cluster with Flux and Argo CD, in its own run dir, serving the tests' git root.

    Started by scripts/cluster.sh from the binaries scripts/cluster-build.sh built (make
    test builds them first), stopped at the end of the session.
    """
    dirs = subprocess.run(["bash", str(REPO / "scripts" / "cluster-build.sh"), "bin-dirs"], capture_output=True,
                          text=True, check=True).stdout.split()
    gitops = os.environ.get("CLUSTER_GITOPS", "1")  # scripts/cluster.sh: 1 (both), flux, argocd, 0 (none)
    needed = {"K8S_BIN": ["kube-apiserver", "kwok"],
              "GITOPS_BIN": [name for name, wanted in (("argocd-local", gitops in ("1", "argocd")),
                                                       ("kustomize-controller", gitops in ("1", "flux")),
                                                       ("crds.yaml", gitops != "0" and "CLUSTER_CRDS" not in os.environ))
                             if wanted]}
    for key, path in (line.split("=", 1) for line in dirs):
        missing = [name for name in needed[key] if not (Path(path) / name).exists()]
        if missing:
            pytest.fail(f"local cluster binaries not built ({', '.join(missing)} in {path}): "
                        "run `bash scripts/cluster-build.sh all` once (make test does; ≈25 min cold)")
    run_dir = tmp_path_factory.mktemp("cluster")
    started = _cluster_sh(run_dir, "start")
    if started.returncode != 0:
        _cluster_sh(run_dir, "stop")
        pytest.fail(f"scripts/cluster.sh start failed:\n{started.stderr[-4000:]}")
    env = dict(line.split("=", 1) for line in (run_dir / "cluster.env").read_text().splitlines() if "=" in line)
    try:
        yield LocalCluster(run_dir, env)
    finally:
        _cluster_sh(run_dir, "stop")


@pytest.fixture
def cluster_workers(workers, local_cluster) -> Iterator[WorkerPool]:
    """The session's workers, with the terraform/github/k8s workers pointed at the local cluster.

    Restored to the cluster-less configuration afterwards, so other tests see the default.
    """
    cluster_env = {key: local_cluster.env[key] for key in ("MCP_KUBECONFIG", "MCP_KUBE_CONTEXT", "MCP_GITOPS_REPO_BASE_URL")}
    cluster_env["MCP_K8S_CONTROLLER_OBSERVE_SECONDS"] = "20"
    try:
        for service in ("terraform", "k8s"):
            workers.restart(service, **cluster_env)
        yield workers
    finally:
        for service in ("terraform", "k8s"):
            workers.restart(service)
