"""GET /api/v1/runs: a list row reads only its own columns, newest first, from an index.

The console's first paint waits on this call; a run's `message` holds its whole bundle,
verdict and report (tens of KB), so a list of 50 must not read 50 of them."""

from __future__ import annotations

import sys
import uuid

from sqlalchemy import event, text

from shared.db.session import get_engine, session_scope

from tests.conftest import add_runs


def _in_reaper_tick() -> bool:
    """The gateway's reaper runs in this process too (every few seconds, on its own thread):
    its queries read whole runs and are not the list's."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.endswith(("shared/reaper.py", "shared/outbox.py")):
            return True
        frame = frame.f_back
    return False


def test_the_list_reads_no_json_blobs_and_keeps_its_fields_and_order(api, keys):
    tag = f"list-{uuid.uuid4().hex[:6]}"
    ids = add_runs(3, tag)
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if not _in_reaper_tick():
            statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", seen)
    try:
        response = api.get("/api/v1/runs", params={"status": "rejected", "limit": 200}, headers=keys.viewer)
    finally:
        event.remove(get_engine(), "before_cursor_execute", seen)
    assert response.status_code == 200, response.text
    page = response.json()
    listed = [item for item in page["items"] if item["requested_by"] == tag]
    assert [item["id"] for item in listed] == ids[::-1]  # newest first
    assert set(listed[0]) == {"id", "status", "persona", "requested_by", "target", "created_at", "updated_at",
                              "finished_at", "error"}
    assert page["total"] >= 3
    runs_queries = [s for s in statements if "FROM runs" in s]
    assert runs_queries, statements
    for statement in runs_queries:
        assert "runs.message" not in statement and "runs.intent" not in statement, statement


def test_newest_first_is_served_by_the_created_at_index(database):
    with session_scope() as session:
        definition = session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_runs_created_id'"))
        assert definition is not None and "created_at DESC, id" in definition, definition
        session.execute(text("SET LOCAL enable_seqscan = off"))  # the plan a large table gets
        plan = "\n".join(session.scalars(text(
            "EXPLAIN SELECT id FROM runs ORDER BY created_at DESC, id LIMIT 50 OFFSET 0")).all())
    assert "ix_runs_created_id" in plan and "Sort" not in plan.split("ix_runs_created_id")[0], plan


def test_paging_by_cursor_sees_every_run_once_while_new_runs_arrive(api, keys):
    tag = f"keyset-{uuid.uuid4().hex[:6]}"
    ids = add_runs(5, tag)
    seen: list[str] = []
    params = {"status": "rejected", "limit": 2}
    first = api.get("/api/v1/runs", params=params, headers=keys.viewer).json()
    add_runs(1, tag)  # a run arriving between pages must not shift the later pages
    page = first
    while True:
        seen += [item["id"] for item in page["items"] if item["requested_by"] == tag]
        if page["next_cursor"] is None:
            break
        response = api.get("/api/v1/runs", params={**params, "after": page["next_cursor"]}, headers=keys.viewer)
        assert response.status_code == 200, response.text
        page = response.json()
    assert seen == ids[::-1]  # newest first, each once, the late arrival (newer than page one) not among them


def test_a_cursor_the_api_did_not_return_is_a_422_naming_it(api, keys):
    bad = api.get("/api/v1/runs", params={"after": "not-a-cursor"}, headers=keys.viewer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.after", bad.text
    assert "next_cursor" in bad.json()["errors"][0]["message"]
    cursor = api.get("/api/v1/runs", params={"limit": 1}, headers=keys.viewer).json()["next_cursor"]
    both = api.get("/api/v1/runs", params={"after": cursor, "offset": 1}, headers=keys.viewer)
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "query.offset", both.text
