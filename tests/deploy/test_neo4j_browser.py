"""The Neo4j Browser of the local run: the Maven-built runner (deploy/neo4j) serves it at
/browser/ when its HTTP connector is on, which `scripts/infra.sh start` does on 127.0.0.1:7474.

The tests start a runner of their own on free ports (the shared Neo4j on 7687 is never
restarted by a test), exactly as infra.sh starts it, and ask it for the Browser and for
Bolt, then use the Browser in headless Chromium.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

from urllib.parse import urlparse

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "deploy" / "neo4j" / "target"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _is_browser(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "<title>Neo4j Browser</title>" in response.text


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A LocalNeo4j on free Bolt and HTTP ports, with its own home; stopped (SIGTERM) afterwards."""
    if not (RUNNER / "classes" / "io" / "mcpcloud" / "neo4j" / "LocalNeo4j.class").exists():
        pytest.fail("the Neo4j runner is not built: run `bash scripts/infra.sh install`")
    bolt, http = f"127.0.0.1:{_free_port()}", f"127.0.0.1:{_free_port()}"
    home = tmp_path_factory.mktemp("neo4j-browser")
    log = home / "runner.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["java", "-Xms128m", "-Xmx512m", "-cp", f"{RUNNER / 'classes'}:{RUNNER / 'lib'}/*",
             "io.mcpcloud.neo4j.LocalNeo4j", bolt, str(home / "neo4j")],
            env={**os.environ, "NEO4J_HTTP_ADDRESS": http, "NEO4J_PAGECACHE_MB": "16"},
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while "neo4j ready" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"runner not ready in 300s: {log.read_text()[-3000:]}"
            time.sleep(1)
        yield bolt, http
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.mark.timeout(420)
def test_the_runner_serves_the_neo4j_browser_and_bolt(runner):
    from neo4j import GraphDatabase

    bolt, http = runner
    page = httpx.get(f"http://{http}/browser/", timeout=30)
    _is_browser(page)
    script = re.search(r'<script[^>]+src="([^"]+\.js)"', page.text)
    assert script, page.text[:500]  # the app's bundle is served too, not only the page
    bundle = httpx.get(f"http://{http}/browser/{script.group(1).lstrip('./')}", timeout=30)
    assert bundle.status_code == 200 and len(bundle.content) > 10_000
    with GraphDatabase.driver(f"bolt://{bolt}", auth=("neo4j", "any")) as driver:
        assert driver.execute_query("RETURN 41 + 1 AS n").records[0]["n"] == 42
    status = subprocess.run(["bash", "scripts/infra.sh", "status"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "NEO4J_BOLT_ADDRESS": bolt, "NEO4J_HTTP_ADDRESS": http})
    assert f"browser  up http://{http}/browser/" in status.stdout, status.stdout + status.stderr


@pytest.mark.timeout(420)
def test_the_browser_connects_over_bolt_and_runs_a_query(runner, browser):
    """The page in headless Chromium, as a person opens it; requests off this machine (the
    Browser's fonts and analytics scripts) are aborted, and the runner turns telemetry off."""
    bolt, http = runner
    def local_only(route) -> None:
        if urlparse(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            route.abort()

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        context.route("**/*", local_only)
        page = context.new_page()
        page.goto(f"http://{http}/browser/?dbms=bolt://{bolt}&preselectAuthMethod=NO_AUTH", timeout=120_000)
        page.get_by_text("Connected to Neo4j").wait_for(timeout=120_000)
        page.locator("[data-testid='activeEditor'] textarea, .monaco-editor textarea").first.click()
        page.keyboard.type("RETURN 6 * 7 AS answer")
        page.keyboard.press("Control+Enter")
        page.get_by_text("Started streaming 1 records").wait_for(timeout=60_000)
        assert "42" in page.inner_text("body")
        assert "we collect information on product usage" not in page.inner_text("body")
    finally:
        context.close()


def test_the_local_run_serves_the_browser_on_7474():
    """`scripts/infra.sh start` turns the HTTP connector on at 127.0.0.1:7474."""
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex(("127.0.0.1", 7474)) != 0:
            pytest.skip("nothing on 127.0.0.1:7474: this Neo4j was started before infra.sh turned the HTTP "
                        "connector on (scripts/infra.sh stop; scripts/infra.sh start serves it)")
    _is_browser(httpx.get("http://127.0.0.1:7474/browser/", timeout=30))
