"""A GitHub REST contract server: the endpoints the adapter uses, answered as GitHub does.

Real HTTP (uvicorn), state in memory, one repository. Every answer carries GitHub's
rate-limit headers; `/_control/faults` makes the next matching calls answer a secondary
rate limit (403 or 429 with Retry-After) as GitHub does; lists paginate with `Link`;
errors are GitHub's bodies (404 basic-error, 422 validation-error). Every API answer is
recorded (`GET /_control/requests`) so tests validate each one against
fixtures/openapi-subset.json and count the calls a run made.
"""

from __future__ import annotations

import asyncio
import base64
import re
import time
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from tests.github.contract_server.actions_sim import Actions, DispatchRefused, Scenario, signed_delivery, workflow_spec
from tests.github.contract_server.git_store import GitStore
from tests.github.contract_server.shapes import Shapes, now

DOCS = "https://docs.github.com/rest"
R = "/repos/{owner}/{repo}"


class World:
    def __init__(self, base: str, owner: str = "mcp-cloud", repo: str = "deployments") -> None:
        self.base, self.owner, self.name = base, owner, repo
        self.shapes = Shapes(base, owner, repo)
        self.git = GitStore()
        self.actions = Actions()
        self.pulls: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self.limit, self.remaining, self.reset = 5000, 5000, int(time.time()) + 3600
        self.tokens: set[str] = {"contract-token"}
        self.apps: dict[str, Any] = {}  # app_id, installation_id, public_key (PEM)
        self.counter = 0

    def next_id(self) -> int:
        self.counter += 1
        return self.counter


def _error(status: int, message: str, errors: list | None = None) -> tuple[int, dict]:
    body: dict[str, Any] = {"message": message, "documentation_url": DOCS, "status": str(status)}
    if errors is not None:
        body["errors"] = errors
    return status, body


def create_app(base: str, api_prefix: str = "") -> FastAPI:
    """The contract server; with `api_prefix` "/api/v3" every route (control routes too)
    sits under it, as GitHub Enterprise Server serves its REST API, and the URLs in its
    answers carry it."""
    world = World(base + api_prefix)

    async def ticker() -> None:
        async with httpx.AsyncClient(timeout=10) as client:
            while True:
                for run in world.actions.advance():
                    url, secret = run["webhook"]
                    if url and secret:
                        payload = {"action": "completed", "workflow_run": world.shapes.run(run),
                                   "repository": world.shapes.repository(), "sender": world.shapes.user("octocat", 5)}
                        body, headers = signed_delivery("workflow_run", payload, secret)
                        sent = time.time()
                        try:
                            answer = await client.post(url, content=body, headers=headers)
                            status = answer.status_code
                        except httpx.HTTPError as exc:
                            status = f"{type(exc).__name__}"
                        world.actions.deliveries.append({"run_id": run["id"], "status": status, "sent_at": sent,
                                                         "answered_at": time.time()})
                await asyncio.sleep(0.02)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        task = asyncio.create_task(ticker())
        yield
        task.cancel()

    app = FastAPI(lifespan=lifespan)
    app.state.world = world

    def answer(request: Request, op: str, status: int, body: Any = None, headers: dict | None = None) -> Response:
        world.remaining = max(0, world.remaining - 1)
        rate = {"X-RateLimit-Limit": str(world.limit), "X-RateLimit-Remaining": str(world.remaining),
                "X-RateLimit-Reset": str(world.reset), "X-RateLimit-Used": str(world.limit - world.remaining),
                "X-RateLimit-Resource": "core", "X-GitHub-Api-Version-Selected": "2022-11-28"}
        world.requests.append({"op": op, "method": request.method, "path": request.url.path,
                               "query": str(request.url.query), "status": status, "body": body, "at": time.time()})
        all_headers = {**rate, **(headers or {})}
        if body is None:
            return Response(status_code=status, headers=all_headers)
        return JSONResponse(body, status_code=status, headers=all_headers)

    def gate(request: Request, op: str) -> Response | None:
        """Authentication, then an injected fault (a secondary rate limit) if one matches."""
        token = request.headers.get("authorization", "").removeprefix("Bearer ").removeprefix("token ").strip()
        if token not in world.tokens:
            return answer(request, op, *_error(401, "Bad credentials"))
        for fault in world.faults:
            if fault["times"] > 0 and re.search(fault["path"], request.url.path) and fault.get("method", request.method) == request.method:
                fault["times"] -= 1
                status, body = _error(fault["status"], "You have exceeded a secondary rate limit. Please wait a few "
                                                       "minutes before you try again.")
                return answer(request, op, status, body, {"Retry-After": str(fault["retry_after"])})
        return None

    def page(request: Request, op: str, items: list, wrap: str | None = None) -> Response:
        per_page = min(int(request.query_params.get("per_page", 30)), 100)
        number = max(int(request.query_params.get("page", 1)), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(number - 1) * per_page: number * per_page]
        links = []
        def url(n: int) -> str:
            query = dict(request.query_params)
            query.update(page=str(n), per_page=str(per_page))
            return str(request.url.replace(query=urlencode(query)))
        if number < last:
            links += [f'<{url(number + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
        if number > 1:
            links += [f'<{url(1)}>; rel="first"', f'<{url(number - 1)}>; rel="prev"']
        body = {"total_count": len(items), wrap: chunk} if wrap else chunk
        return answer(request, op, 200, body, {"Link": ", ".join(links)} if links else None)

    def pull_shape(pr: dict, simple: bool = False) -> dict:
        head = world.git.refs.get(f"heads/{pr['head']}", pr.get("head_sha", ""))
        return world.shapes.pull(pr, head, world.git.refs[f"heads/{pr['base']}"], simple)

    # -- git data --------------------------------------------------------------------

    @app.get(R + "/git/ref/{ref:path}")
    def get_ref(request: Request, owner: str, repo: str, ref: str):
        if (refused := gate(request, "git/get-ref")) is not None:
            return refused
        if ref not in world.git.refs:
            return answer(request, "git/get-ref", *_error(404, "Not Found"))
        return answer(request, "git/get-ref", 200, world.shapes.ref(ref, world.git.refs[ref]))

    @app.post(R + "/git/refs")
    async def create_ref(request: Request, owner: str, repo: str):
        if (refused := gate(request, "git/create-ref")) is not None:
            return refused
        body = await request.json()
        name = str(body.get("ref", "")).removeprefix("refs/")
        if not name.startswith("heads/") or body.get("sha") not in world.git.commits:
            return answer(request, "git/create-ref", *_error(422, "Reference update failed", []))
        if name in world.git.refs:
            return answer(request, "git/create-ref", *_error(422, "Reference already exists", []))
        world.git.refs[name] = body["sha"]
        return answer(request, "git/create-ref", 201, world.shapes.ref(name, body["sha"]))

    @app.patch(R + "/git/refs/{ref:path}")
    async def update_ref(request: Request, owner: str, repo: str, ref: str):
        if (refused := gate(request, "git/update-ref")) is not None:
            return refused
        body = await request.json()
        if ref not in world.git.refs or body.get("sha") not in world.git.commits:
            return answer(request, "git/update-ref", *_error(422, "Reference does not exist", []))
        if not body.get("force") and not world.git.is_ancestor(world.git.refs[ref], body["sha"]):
            return answer(request, "git/update-ref", *_error(422, "Update is not a fast forward", []))
        world.git.refs[ref] = body["sha"]
        return answer(request, "git/update-ref", 200, world.shapes.ref(ref, body["sha"]))

    @app.post(R + "/git/blobs")
    async def create_blob(request: Request, owner: str, repo: str):
        if (refused := gate(request, "git/create-blob")) is not None:
            return refused
        body = await request.json()
        if "content" not in body:
            return answer(request, "git/create-blob", *_error(422, "Invalid request.", [{"code": "missing_field", "field": "content", "resource": "Blob"}]))
        data = base64.b64decode(body["content"]) if body.get("encoding") == "base64" else str(body["content"]).encode()
        sha = world.git.put_blob(data)
        return answer(request, "git/create-blob", 201, {"sha": sha, "url": f"{world.shapes.api}/git/blobs/{sha}"})

    @app.get(R + "/git/trees/{sha}")
    def get_tree(request: Request, owner: str, repo: str, sha: str):
        if (refused := gate(request, "git/get-tree")) is not None:
            return refused
        if sha not in world.git.trees:
            return answer(request, "git/get-tree", *_error(404, "Not Found"))
        sizes = {b: len(d) for b, d in world.git.blobs.items()}
        return answer(request, "git/get-tree", 200, world.shapes.tree(sha, world.git.trees[sha], sizes))

    @app.post(R + "/git/trees")
    async def create_tree(request: Request, owner: str, repo: str):
        if (refused := gate(request, "git/create-tree")) is not None:
            return refused
        body = await request.json()
        base = body.get("base_tree")
        if base is not None and base not in world.git.trees:
            return answer(request, "git/create-tree", *_error(404, "Not Found"))
        entries = dict(world.git.trees[base]) if base else {}
        for item in body.get("tree", []):
            if "sha" in item and item["sha"] is None:
                if item["path"] not in entries:
                    return answer(request, "git/create-tree", *_error(422, f"tree.path {item['path']} does not exist", []))
                entries.pop(item["path"])
            elif item.get("sha"):
                if item["sha"] not in world.git.blobs:
                    return answer(request, "git/create-tree", *_error(422, f"tree.sha {item['sha']} is not a valid blob", []))
                entries[item["path"]] = item["sha"]
            elif "content" in item:
                entries[item["path"]] = world.git.put_blob(str(item["content"]).encode())
        sha = world.git.put_tree(entries)
        sizes = {b: len(d) for b, d in world.git.blobs.items()}
        return answer(request, "git/create-tree", 201, world.shapes.tree(sha, entries, sizes))

    @app.get(R + "/git/commits/{sha}")
    def get_commit(request: Request, owner: str, repo: str, sha: str):
        if (refused := gate(request, "git/get-commit")) is not None:
            return refused
        if sha not in world.git.commits:
            return answer(request, "git/get-commit", *_error(404, "Not Found"))
        return answer(request, "git/get-commit", 200, world.shapes.commit(world.git.commits[sha]))

    @app.post(R + "/git/commits")
    async def create_commit(request: Request, owner: str, repo: str):
        if (refused := gate(request, "git/create-commit")) is not None:
            return refused
        body = await request.json()
        if body.get("tree") not in world.git.trees or any(p not in world.git.commits for p in body.get("parents", [])):
            return answer(request, "git/create-commit", *_error(422, "Tree SHA or a parent SHA does not exist", []))
        sha = world.git.put_commit(body["tree"], body.get("parents", []), body.get("message", ""))
        return answer(request, "git/create-commit", 201, world.shapes.commit(world.git.commits[sha]))

    from tests.github.contract_server.routes_pulls import add_pull_routes
    from tests.github.contract_server.routes_actions import add_action_routes

    context = {"world": world, "answer": answer, "gate": gate, "page": page, "error": _error, "pull_shape": pull_shape,
               "R": R, "now": now, "Scenario": Scenario, "DispatchRefused": DispatchRefused, "workflow_spec": workflow_spec}
    add_pull_routes(app, context)
    add_action_routes(app, context)
    if not api_prefix:
        return app
    enterprise = FastAPI(lifespan=lifespan)
    enterprise.state.world = world
    enterprise.mount(api_prefix, app)
    return enterprise
