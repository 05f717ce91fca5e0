"""Private Postgres and Redis instances for fault tests (and bench/chaos.py).

Fault injection stops and restarts a store; the shared stores on the default ports
serve other sessions and must never be touched, so each fault test starts its own
instance on a free port in a temporary folder (as scripts/infra.sh does: initdb, the
`postgres` OS user when running as root, trust on the local socket, scram on TCP).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pg_bindir() -> Path:
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        if (Path(out) / "initdb").exists():
            return Path(out)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    if not found:
        raise RuntimeError("Postgres binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin): "
                           "run `bash scripts/infra.sh install`")
    return Path(found[-1])


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PrivatePostgres:
    """A Postgres cluster of its own: `start()`, `stop()` (fast shutdown), `start()` again."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mcp-pg-")))
    database: str = "mcpcloud"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://mcpcloud:mcpcloud@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(_as_postgres([str(_pg_bindir() / args[0]), *args[1:]]), capture_output=True,
                              text=True, check=check, timeout=120)

    def init(self) -> PrivatePostgres:
        self.root.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-E", "UTF8", "--no-locale",
                  "--auth-local=trust", "--auth-host=scram-sha-256")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.port}\nmax_connections = 200\n"
                       f"unix_socket_directories = '{self.root}'\nfsync = off\n")
        self.start()
        self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                  "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE ROLE mcpcloud LOGIN CREATEDB PASSWORD 'mcpcloud'")
        self._run("psql", "-h", str(self.root), "-p", str(self.port), "-U", "postgres", "-d", "postgres",
                  "-v", "ON_ERROR_STOP=1", "-q", "-c", f"CREATE DATABASE {self.database} OWNER mcpcloud")
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "postgres.log"), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateRedis:
    """A Redis of its own (no persistence unless `appendonly`): `start()`, `stop()`, `start()` again."""

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mcp-redis-")))
    appendonly: bool = True
    process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout: float = 30) -> PrivateRedis:
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.root),
                "--databases", "16", "--save", "", "--appendonly", "yes" if self.appendonly else "no",
                "--appendfsync", "everysec"]
        log = open(self.root / "redis.log", "a")  # noqa: SIM115 - kept for the process's life
        self.process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise TimeoutError(f"private redis on {self.port} did not start: {(self.root / 'redis.log').read_text()[-1000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis writes its append-only file and exits
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class PrivateNeo4j:
    """A Neo4j of its own: the project's runner (deploy/neo4j, built by `scripts/infra.sh install`).

    The runner's folder is REPO/deploy/neo4j, or NEO4J_RUNNER_DIR when the build lives in
    another checkout.
    """

    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mcp-neo4j-")))
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    @staticmethod
    def runner_dir() -> Path:
        repo = Path(__file__).resolve().parent.parent
        for candidate in (os.environ.get("NEO4J_RUNNER_DIR"), repo / "deploy" / "neo4j"):
            if candidate and (Path(candidate) / "target" / "classes").exists():
                return Path(candidate)
        raise RuntimeError("the Neo4j runner is not built: run `bash scripts/infra.sh install` "
                           "(or set NEO4J_RUNNER_DIR to a checkout's deploy/neo4j)")

    def start(self, timeout: float = 180) -> PrivateNeo4j:
        runner = self.runner_dir()
        log_path = self.root / "neo4j.log"
        offset = log_path.stat().st_size if log_path.exists() else 0
        log = open(log_path, "a")  # noqa: SIM115 - kept for the process's life
        self.process = subprocess.Popen(
            ["java", "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-cp", f"{runner}/target/classes:{runner}/target/lib/*",
             "io.mcpcloud.neo4j.LocalNeo4j", f"127.0.0.1:{self.port}", str(self.root / "home")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"private neo4j exited: {log_path.read_text()[-2000:]}")
            with open(log_path) as handle:
                handle.seek(offset)
                if "neo4j ready" in handle.read():
                    return self
            time.sleep(0.5)
        raise TimeoutError(f"private neo4j not ready in {timeout}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
