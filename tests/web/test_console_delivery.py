"""How the console process delivers: hashed assets cached for good, JSON compressed for the
browser, live events never buffered by compression, the run page loaded as its own chunk.
Real console and gateway processes (HTTP), a real browser for the chunk."""

from __future__ import annotations

import gzip
import re
import uuid

import httpx

from tests.conftest import REPO
from tests.scenarios import PRIVATE_LOGS_BUCKET, with_stack

DIST = REPO / "services" / "web" / "dist"


def _signed_in(console, key: str) -> httpx.Client:
    client = httpx.Client(base_url=console.url, timeout=30)
    response = client.post("/session", json={"api_key": key}, headers={"x-mcp-console": "1"})
    assert response.status_code == 200, response.text
    return client


def test_hashed_assets_are_immutable_and_the_page_itself_is_revalidated(console):
    index = httpx.get(f"{console.url}/", timeout=30)
    assert index.headers["cache-control"] == "no-cache"  # a new build must be seen at once
    assets = re.findall(r'(?:src|href)="(/assets/[^"]+)"', index.text)
    assert assets, index.text
    for path in assets:
        response = httpx.get(f"{console.url}{path}", timeout=30)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def _queued_runs(api, keys, count: int) -> list[str]:
    """Runs recorded by the gateway (no workers here: they stay queued, which is all a list needs)."""
    ids = []
    for _ in range(count):
        run = api.post("/api/v1/requests", json=with_stack(PRIVATE_LOGS_BUCKET, f"deliv-{uuid.uuid4().hex[:6]}"),
                       headers=keys.requester)
        assert run.status_code == 202, run.text
        ids.append(run.json()["id"])
    return ids


def test_api_json_is_gzipped_for_the_browser_and_live_events_are_not(console, keys, api):
    run_id = _queued_runs(api, keys, 6)[-1]  # six list rows: well over GZip's 1,000-byte minimum
    client = _signed_in(console, keys.viewer["X-API-Key"])
    try:
        raw = client.build_request("GET", "/api/v1/runs", params={"limit": 200}, headers={"accept-encoding": "gzip"})
        response = client.send(raw, stream=True)
        body = b"".join(response.iter_raw())
        response.close()
        assert response.status_code == 200
        assert response.headers["content-encoding"] == "gzip"
        listed = gzip.decompress(body)
        assert listed.startswith(b'{"items":') and run_id.encode() in listed
        with client.stream("GET", f"/api/v1/runs/{run_id}/events",
                           headers={"accept-encoding": "gzip", "accept": "text/event-stream"}) as events:
            assert events.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in events.headers  # each event reaches the page as it is sent
            first = next(events.iter_lines())
            assert first.startswith(("id:", "event:", "data:", ":")), first
    finally:
        client.close()


def test_the_run_page_is_a_chunk_of_its_own_loaded_only_when_opened(console, browser, keys, api):
    _queued_runs(api, keys, 1)
    chunks = sorted(p.name for p in (DIST / "assets").glob("*.js"))
    assert any(name.startswith("run-") for name in chunks), chunks  # highlight.js and jsdiff live there
    context = browser.new_context()
    page = context.new_page()
    loaded: list[str] = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(console.url)
    page.fill("#api-key", keys.viewer["X-API-Key"])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#runs-body tr[data-run-id]")
    assert not [u for u in loaded if "/assets/run-" in u]
    page.locator("#runs-body tr[data-run-id] a").first.click()
    page.wait_for_selector("#timeline", timeout=60_000)
    assert [u for u in loaded if "/assets/run-" in u]
    context.close()
