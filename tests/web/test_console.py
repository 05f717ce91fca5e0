"""The console in a real browser (headless Chromium), against real gateway, console and worker processes.

A person signs in with an API key, makes requests, follows runs live, reads findings,
and decides; a viewer cannot decide and a cross-site POST is refused.
"""

from __future__ import annotations

import http.server
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import REPO, add_runs, free_port
from tests.scenarios import EKS_NGINX_ARGOCD, PUBLIC_WEBSITE_BUCKET, with_stack

DOCS = REPO / "docs"
TIMEOUT_MS = 120_000
PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def no_page_errors():
    PAGE_ERRORS.clear()
    yield
    assert not PAGE_ERRORS, PAGE_ERRORS


def _key(headers: dict[str, str]) -> str:
    return headers["X-API-Key"]


def _stack(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def sign_in(browser: Browser, console, key: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="en-US")
    page = context.new_page()
    # A script error in the page fails the test that caused it, with the message.
    page.on("pageerror", lambda error: PAGE_ERRORS.append(f"{page.url}: {error}"))
    page.goto(console.url)
    page.fill("#api-key", key)
    page.click("#login button[type=submit]")
    expect(page.locator("#whoami")).to_be_visible()
    return context, page


def submit_intent(page: Page, body: dict) -> str:
    page.goto(page.url.split("#")[0] + "#/request")
    page.fill("#intent-json", json.dumps(body["intent"]))
    page.select_option("#form-persona", body.get("persona", "devops"))
    page.click("#submit-intent")
    page.wait_for_url("**/#/runs/*")
    return page.url.rsplit("/", 1)[1]


def wait_status(page: Page, *statuses: str) -> str:
    selector = ", ".join(f'#run-status [data-status="{s}"]' for s in statuses)
    page.wait_for_selector(selector, timeout=TIMEOUT_MS)
    return page.locator("#run-status .badge").get_attribute("data-status")


def test_sign_in_keeps_the_key_in_an_httponly_samesite_strict_cookie_only(console, browser, keys):
    key = _key(keys.requester)
    context, page = sign_in(browser, console, key)
    expect(page.locator("#whoami")).to_have_attribute("data-role", "requester")
    cookie = next(c for c in context.cookies() if c["name"] == "mcp_console")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert key not in cookie["value"]
    assert key not in page.evaluate("document.cookie")
    assert key not in page.evaluate("JSON.stringify(Object.assign({}, localStorage, sessionStorage))")
    assert key not in page.url
    page.reload()
    expect(page.locator("#whoami")).to_have_attribute("data-name", page.locator("#whoami").get_attribute("data-name"))
    page.click("#sign-out")
    expect(page.locator("#api-key")).to_be_visible()
    context.close()


def test_a_wrong_key_is_refused_with_the_gateways_reason(console, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(console.url)
    page.fill("#api-key", "mcp_deadbeef_not-a-real-key")
    page.click("#login button[type=submit]")
    expect(page.locator("#login-error")).to_contain_text("revoked")
    assert not [c for c in context.cookies() if c["name"] == "mcp_console"]
    context.close()


def test_the_public_bucket_request_is_blocked_with_its_checkov_ids_and_the_line(console, browser, keys, workers):
    context, page = sign_in(browser, console, _key(keys.requester))
    submit_intent(page, with_stack(PUBLIC_WEBSITE_BUCKET, _stack("web-public")))
    assert wait_status(page, "blocked", "failed") == "blocked"
    row = page.locator('#findings tr[data-guardrail="GR-S3-PUBLIC"]').first
    expect(row).to_be_visible()
    check_ids = page.locator('#findings tr[data-guardrail="GR-S3-PUBLIC"]').evaluate_all(
        "rows => rows.map(r => r.dataset.check)")
    assert {"CKV2_AWS_6", "CKV_AWS_53", "CKV_AWS_54", "CKV_AWS_55", "CKV_AWS_56"} & set(check_ids), check_ids
    location = row.locator(".loc").inner_text()
    path, line = location.rsplit(":", 1)
    assert path.endswith(".tf") and int(line) > 0
    expect(row.locator(".src-line")).not_to_be_empty()
    context.close()


def test_the_eks_request_advances_live_is_approved_in_a_second_context_and_reports(console, browser, keys, workers):
    requester, page = sign_in(browser, console, _key(keys.requester))
    run_id = submit_intent(page, with_stack(EKS_NGINX_ARGOCD, _stack("web-eks")))
    # The timeline moves without a reload: steps turn succeeded as their events arrive.
    page.wait_for_selector('#timeline li[data-step="terraform.generate"][data-status="succeeded"]', timeout=TIMEOUT_MS)
    assert wait_status(page, "awaiting_approval", "failed", "blocked") == "awaiting_approval"
    assert page.evaluate("document.body.dataset.lastEvent")  # set only by server-sent events
    expect(page.locator("#approve")).to_have_count(0)  # a requester cannot decide
    page.goto(f"{console.url}/#/runs")
    expect(page.locator(f'#runs-body tr[data-run-id="{run_id}"]')).to_be_visible()
    DOCS.mkdir(exist_ok=True)
    page.screenshot(path=str(DOCS / "console-runs.png"))

    approver, other = sign_in(browser, console, _key(keys.approver))
    other.goto(f"{console.url}/#/runs/{run_id}")
    expect(other.locator("#approve")).to_be_visible()
    other.fill("#decision-comment", "looks good (browser test)")
    other.click("#approve")
    assert wait_status(other, "succeeded", "not_applied", "failed") in {"succeeded", "not_applied"}
    expect(other.locator("#report")).to_be_visible()
    expect(other.locator('#timeline li[data-step="rag.report"]')).to_have_attribute("data-status", "succeeded")
    other.screenshot(path=str(DOCS / "console-run.png"), full_page=True)
    requester.close()
    approver.close()


def test_an_approver_sees_no_approve_button_on_their_own_run(console, browser, keys, workers):
    context, page = sign_in(browser, console, _key(keys.approver))
    submit_intent(page, with_stack(EKS_NGINX_ARGOCD, _stack("web-own")))
    assert wait_status(page, "awaiting_approval", "failed", "blocked") == "awaiting_approval"
    expect(page.locator("#own-run")).to_be_visible()
    expect(page.locator("#approve")).to_have_count(0)
    context.close()


@contextmanager
def _other_site(html: str) -> Iterator[str]:
    """A page on another origin (another port), as an attacker's site would be."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = html.encode()
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()


def test_a_viewer_sees_no_decision_and_a_forged_post_is_refused(console, browser, keys, workers, api):
    created = api.post("/api/v1/requests", json=with_stack(EKS_NGINX_ARGOCD, _stack("web-forge")), headers=keys.requester)
    assert created.status_code == 202, created.text
    run_id = created.json()["id"]
    deadline_ms = TIMEOUT_MS

    viewer, page = sign_in(browser, console, _key(keys.viewer))
    page.goto(f"{console.url}/#/runs/{run_id}")
    page.wait_for_selector('#run-status [data-status="awaiting_approval"]', timeout=deadline_ms)
    expect(page.locator("#approve")).to_have_count(0)
    expect(page.locator("#reject")).to_have_count(0)
    expect(page.locator("a[href='#/request']")).to_have_count(0)
    viewer.close()

    # Signed in as an approver, the person visits another site that posts to the console.
    approver, page = sign_in(browser, console, _key(keys.approver))
    form = (f'<form id="f" method="post" action="{console.url}/api/v1/runs/{run_id}/approve">'
            '<input name="comment" value="forged"></form><script>document.getElementById("f").submit()</script>')
    with _other_site(form) as evil:
        page.goto(evil)
        page.wait_for_url(f"{console.url}/api/**")
        assert "refused" in page.content() or "missing API key" in page.content()
    # Same origin but without the console's header (e.g. a plain form on an injected page): refused too.
    forged = approver.request.post(f"{console.url}/api/v1/runs/{run_id}/approve", data={"comment": "forged"})
    assert forged.status == 403 and "refused" in forged.text()
    run = api.get(f"/api/v1/runs/{run_id}", headers=keys.viewer).json()
    assert run["status"] == "awaiting_approval" and run["approvals"] == []
    approver.close()


def test_the_console_serves_strict_security_headers(console):
    response = httpx.get(console.url + "/")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert httpx.get(console.url + "/api/v1/runs").status_code == 401  # no session, no key: the gateway refuses


@pytest.mark.parametrize("lang,word", [("ko", "실행 목록"), ("en", "Runs")])
def test_the_ui_speaks_korean_and_english(console, browser, keys, lang, word):
    context, page = sign_in(browser, console, _key(keys.viewer))
    page.evaluate(f"localStorage.setItem('mcp-console-lang', '{lang}')")
    page.reload()
    expect(page.locator("main h1")).to_have_text(word)
    context.close()


def test_the_runs_list_pages_forward_by_cursor_and_back(console, browser, keys):
    add_runs(55, _stack("web-pages"))  # more than one page of 50 rejected runs
    context, page = sign_in(browser, console, _key(keys.viewer))
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/api/v1/runs?" in request.url else None)
    page.goto(f"{console.url}/#/runs")
    page.select_option("#filter-status", "rejected")
    expect(page.locator("#runs-info")).to_contain_text("1–50 /")
    first = page.locator("#runs-body tr").evaluate_all("rows => rows.map(r => r.dataset.runId)")
    page.click(".pager button:last-child")
    expect(page.locator("#runs-info")).to_contain_text("51–")
    second = page.locator("#runs-body tr").evaluate_all("rows => rows.map(r => r.dataset.runId)")
    assert second and not set(first) & set(second)
    assert any("after=" in url and "offset=" not in url for url in asked), asked
    page.click(".pager button:first-child")
    expect(page.locator("#runs-info")).to_contain_text("1–50 /")
    assert page.locator("#runs-body tr").evaluate_all("rows => rows.map(r => r.dataset.runId)")[:10] == first[:10]
    context.close()
