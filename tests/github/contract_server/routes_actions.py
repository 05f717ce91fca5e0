"""Workflows, dispatches, runs, jobs, the logs redirect; and the test-only control routes."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


def add_action_routes(app: FastAPI, c: dict) -> None:
    world, answer, gate, page, error, R = c["world"], c["answer"], c["gate"], c["page"], c["error"], c["R"]
    Scenario, DispatchRefused, workflow_spec = c["Scenario"], c["DispatchRefused"], c["workflow_spec"]

    def workflow_at(ref: str, file: str):
        sha = world.git.refs.get(f"heads/{ref}")
        path = f".github/workflows/{file}"
        text = world.git.read(sha, path) if sha else None
        if text is None:
            return None
        return {"id": 161335, "path": path, "text": text}

    @app.get(R + "/actions/workflows/{file}")
    def get_workflow(request: Request, owner: str, repo: str, file: str):
        if (refused := gate(request, "actions/get-workflow")) is not None:
            return refused
        workflow = workflow_at("main", file)  # GitHub lists the workflows of the default branch
        if workflow is None:
            return answer(request, "actions/get-workflow", *error(404, "Not Found"))
        name = workflow_spec(workflow["text"])["name"]
        return answer(request, "actions/get-workflow", 200, world.shapes.workflow(workflow["id"], workflow["path"], name))

    @app.post(R + "/actions/workflows/{file}/dispatches")
    async def dispatch(request: Request, owner: str, repo: str, file: str):
        if (refused := gate(request, "actions/create-workflow-dispatch")) is not None:
            return refused
        body = await request.json()
        ref = str(body.get("ref", "")).removeprefix("refs/heads/")
        if workflow_at("main", file) is None:
            return answer(request, "actions/create-workflow-dispatch", *error(404, "Not Found"))
        workflow = workflow_at(ref, file)
        if workflow is None:
            return answer(request, "actions/create-workflow-dispatch", *error(422, f"No ref found for: {ref}", []))
        try:
            spec = workflow_spec(workflow["text"])
            world.actions.dispatch(workflow, spec, ref, world.git.refs[f"heads/{ref}"], body.get("inputs") or {})
        except DispatchRefused as exc:
            return answer(request, "actions/create-workflow-dispatch", *error(exc.status, exc.message, []))
        return answer(request, "actions/create-workflow-dispatch", 204)

    @app.get(R + "/actions/workflows/{file}/runs")
    def list_runs(request: Request, owner: str, repo: str, file: str):
        if (refused := gate(request, "actions/list-workflow-runs")) is not None:
            return refused
        world.actions.advance()
        branch, event = request.query_params.get("branch"), request.query_params.get("event")
        created = request.query_params.get("created", "").removeprefix(">=")
        runs = [world.shapes.run(r) for r in sorted(world.actions.runs.values(), key=lambda r: -r["id"])
                if r["path"].endswith(f"/{file}") and (not branch or r["ref"] == branch)
                and (not event or event == "workflow_dispatch") and (not created or r["created_at"] >= created)]
        return page(request, "actions/list-workflow-runs", runs, wrap="workflow_runs")

    @app.get(R + "/actions/runs/{run_id}")
    def get_run(request: Request, owner: str, repo: str, run_id: int):
        if (refused := gate(request, "actions/get-workflow-run")) is not None:
            return refused
        world.actions.advance()
        run = world.actions.runs.get(run_id)
        if run is None:
            return answer(request, "actions/get-workflow-run", *error(404, "Not Found"))
        return answer(request, "actions/get-workflow-run", 200, world.shapes.run(run))

    @app.get(R + "/actions/runs/{run_id}/jobs")
    def list_jobs(request: Request, owner: str, repo: str, run_id: int):
        if (refused := gate(request, "actions/list-jobs-for-workflow-run")) is not None:
            return refused
        run = world.actions.runs.get(run_id)
        jobs = [world.shapes.job(run, j) for j in run["jobs"]] if run else []
        return page(request, "actions/list-jobs-for-workflow-run", jobs, wrap="jobs")

    @app.get(R + "/actions/runs/{run_id}/logs")
    def logs(request: Request, owner: str, repo: str, run_id: int):
        if (refused := gate(request, "actions/download-workflow-run-logs")) is not None:
            return refused
        run = world.actions.runs.get(run_id)
        if run is None or run["status"] != "completed":
            return answer(request, "actions/download-workflow-run-logs", *error(404, "Not Found"))
        # Another origin (localhost, not 127.0.0.1), as GitHub's signed blob URLs are.
        blob = world.base.replace("127.0.0.1", "localhost") + f"/_blobs/runs/{run_id}/logs.zip?sig=contract"
        return answer(request, "actions/download-workflow-run-logs", 302, None, {"Location": blob})

    @app.get("/_blobs/runs/{run_id}/logs.zip")
    def blob(request: Request, run_id: int):
        if "authorization" in request.headers:  # as a signed storage URL: a forwarded API token is refused
            return Response("Authorization header not allowed on a signed URL", status_code=400)
        run = world.actions.runs.get(run_id)
        if run is None:
            return Response(status_code=404)
        return Response(world.actions.logs_zip(run), media_type="application/zip")

    # -- GitHub App installation tokens ------------------------------------------------

    @app.post("/app/installations/{installation_id}/access_tokens")
    def installation_token(request: Request, installation_id: int):
        import secrets as token_bytes
        from datetime import UTC, datetime, timedelta

        import jwt

        op = "apps/create-installation-access-token"
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        app_key = world.apps.get("public_key")
        try:
            claims = jwt.decode(bearer, app_key, algorithms=["RS256"]) if app_key else None
        except jwt.PyJWTError as exc:
            return answer(request, op, *error(401, f"A JSON web token could not be decoded: {exc}"))
        if claims is None or str(claims.get("iss")) != str(world.apps.get("app_id")):
            return answer(request, op, *error(401, "'Issuer' claim ('iss') must be the App id"))
        if installation_id != world.apps.get("installation_id"):
            return answer(request, op, *error(404, "Not Found"))
        token = "ghs_" + token_bytes.token_hex(18)
        world.tokens.add(token)
        expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        return answer(request, op, 201, {"token": token, "expires_at": expires,
                                         "permissions": {"contents": "write", "pull_requests": "write", "actions": "write",
                                                         "statuses": "write"}, "repository_selection": "selected"})

    # -- control (tests only) ----------------------------------------------------------

    @app.post("/_control/app")
    async def register_app(request: Request):
        world.apps.update(await request.json())
        return {"ok": True}

    @app.post("/_control/reset")
    def reset():
        world.__init__(world.base)
        return {"ok": True}

    @app.post("/_control/seed")
    async def seed(request: Request):
        body = await request.json()
        world.git.seed(body["files"])
        return {"main": world.git.refs["heads/main"]}

    @app.post("/_control/scenario")
    async def scenario(request: Request):
        world.actions.scenario = Scenario(**(await request.json()))
        return {"ok": True}

    @app.post("/_control/faults")
    async def faults(request: Request):
        world.faults.extend(await request.json())
        return {"faults": len(world.faults)}

    @app.post("/_control/rate")
    async def rate(request: Request):
        body = await request.json()
        world.remaining = body.get("remaining", world.remaining)
        world.reset = int(time.time() + body["reset_in"]) if "reset_in" in body else world.reset
        return {"remaining": world.remaining, "reset": world.reset}

    @app.get("/_control/requests")
    def requests(since: int = 0):
        return JSONResponse(world.requests[since:])

    @app.get("/_control/state")
    def state():
        return {"refs": world.git.refs, "pulls": world.pulls, "statuses": world.statuses,
                "runs": {k: {x: v for x, v in r.items() if x != "started"} for k, r in world.actions.runs.items()},
                "deliveries": world.actions.deliveries}

    @app.get("/_control/files/{ref:path}")
    def files(ref: str):
        sha = world.git.refs.get(f"heads/{ref}") or ref
        return {path: world.git.blobs[b].decode() for path, b in world.git.files_at(sha).items()}
