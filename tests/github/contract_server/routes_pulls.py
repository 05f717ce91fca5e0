"""Pull requests, reviews, reviewers, labels, statuses, merges (contract server)."""

from __future__ import annotations

from fastapi import FastAPI, Request


def add_pull_routes(app: FastAPI, c: dict) -> None:
    world, answer, gate, page, error, R = c["world"], c["answer"], c["gate"], c["page"], c["error"], c["R"]
    pull_shape, now = c["pull_shape"], c["now"]

    def changed_files(pr: dict) -> dict[str, int]:
        """Files whose content differs between base and head, with their line counts (the diff)."""
        head = world.git.files_at(world.git.refs[f"heads/{pr['head']}"])
        base = world.git.files_at(world.git.refs[f"heads/{pr['base']}"])
        return {p: world.git.blobs[b].decode().count("\n") + 1 for p, b in head.items() if base.get(p) != b}

    def find(number: int):
        return world.pulls.get(number)

    @app.get(R + "/pulls")
    def list_pulls(request: Request, owner: str, repo: str):
        if (refused := gate(request, "pulls/list")) is not None:
            return refused
        state = request.query_params.get("state", "open")
        head = request.query_params.get("head")
        base = request.query_params.get("base")
        items = [pull_shape(pr, simple=True) for pr in sorted(world.pulls.values(), key=lambda p: -p["number"])
                 if (state == "all" or pr["state"] == state) and (not head or f"{owner}:{pr['head']}" == head)
                 and (not base or pr["base"] == base)]
        return page(request, "pulls/list", items)

    @app.post(R + "/pulls")
    async def create_pull(request: Request, owner: str, repo: str):
        if (refused := gate(request, "pulls/create")) is not None:
            return refused
        body = await request.json()
        head, base = body.get("head", ""), body.get("base", "")
        missing = [f for f in ("title", "head", "base") if not body.get(f)]
        if missing:
            return answer(request, "pulls/create", *error(422, "Validation Failed",
                                                          [{"resource": "PullRequest", "field": f, "code": "missing_field"} for f in missing]))
        if f"heads/{head}" not in world.git.refs or f"heads/{base}" not in world.git.refs:
            return answer(request, "pulls/create", *error(422, "Validation Failed",
                                                          [{"resource": "PullRequest", "field": "head", "code": "invalid"}]))
        if any(p["head"] == head and p["state"] == "open" for p in world.pulls.values()):
            return answer(request, "pulls/create", *error(422, "Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                          "message": f"A pull request already exists for {owner}:{head}."}]))
        if world.git.refs[f"heads/{head}"] == world.git.refs[f"heads/{base}"]:
            return answer(request, "pulls/create", *error(422, "Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                          "message": f"No commits between {base} and {head}"}]))
        number = max(world.pulls, default=0) + 1
        stamp = now()
        pr = {"number": number, "state": "open", "title": body["title"], "body": body.get("body"), "head": head,
              "base": base, "labels": [], "reviewers": [], "teams": [], "reviews": [], "review_comments": 0,
              "created_at": stamp, "updated_at": stamp}
        world.pulls[number] = pr
        pr["changed_files"] = len(changed_files(pr))
        return answer(request, "pulls/create", 201, pull_shape(pr))

    @app.get(R + "/pulls/{number}")
    def get_pull(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/get")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "pulls/get", *error(404, "Not Found"))
        return answer(request, "pulls/get", 200, pull_shape(pr))

    @app.patch(R + "/pulls/{number}")
    async def update_pull(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/update")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "pulls/update", *error(404, "Not Found"))
        body = await request.json()
        for key in ("title", "body", "state"):
            if key in body:
                pr[key] = body[key]
        pr["updated_at"] = now()
        return answer(request, "pulls/update", 200, pull_shape(pr))

    @app.get(R + "/pulls/{number}/reviews")
    def list_reviews(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/list-reviews")) is not None:
            return refused
        pr = find(number)
        return page(request, "pulls/list-reviews", [world.shapes.review(number, r) for r in (pr or {}).get("reviews", [])])

    @app.post(R + "/pulls/{number}/reviews")
    async def create_review(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/create-review")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "pulls/create-review", *error(404, "Not Found"))
        body = await request.json()
        diff = changed_files(pr)
        for comment in body.get("comments", []):
            if comment.get("path") not in diff or not 0 < int(comment.get("line", 0)) <= diff[comment["path"]]:
                return answer(request, "pulls/create-review", *error(422, "Unprocessable Entity", [
                    "Pull request review thread line must be part of the diff"]))
        review = {"id": world.next_id() + 700_000, "body": body.get("body", ""), "commit_id": body.get("commit_id"),
                  "submitted_at": now(), "comments": body.get("comments", [])}
        pr["reviews"].append(review)
        pr["review_comments"] += len(review["comments"])
        return answer(request, "pulls/create-review", 200, world.shapes.review(number, review))

    @app.post(R + "/pulls/{number}/requested_reviewers")
    async def request_reviewers(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/request-reviewers")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "pulls/request-reviewers", *error(404, "Not Found"))
        body = await request.json()
        pr["reviewers"] = sorted(set(pr["reviewers"]) | set(body.get("reviewers", [])))
        pr["teams"] = sorted(set(pr["teams"]) | set(body.get("team_reviewers", [])))
        return answer(request, "pulls/request-reviewers", 201, pull_shape(pr, simple=True))

    @app.put(R + "/pulls/{number}/merge")
    async def merge_pull(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "pulls/merge")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "pulls/merge", *error(404, "Not Found"))
        if pr["state"] != "open":
            return answer(request, "pulls/merge", *error(405, "Pull Request is not mergeable"))
        body = await request.json()
        head_sha = world.git.refs[f"heads/{pr['head']}"]
        if body.get("sha") and body["sha"] != head_sha:
            return answer(request, "pulls/merge", *error(409, "Head branch was modified. Review and try the merge again."))
        sha = world.git.merge(pr["base"], head_sha, body.get("commit_title") or f"Merge pull request #{number}")
        pr.update(state="closed", merged_at=now(), closed_at=now(), merge_commit_sha=sha, head_sha=head_sha)
        return answer(request, "pulls/merge", 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"})

    @app.post(R + "/issues/{number}/labels")
    async def add_labels(request: Request, owner: str, repo: str, number: int):
        if (refused := gate(request, "issues/add-labels")) is not None:
            return refused
        pr = find(number)
        if pr is None:
            return answer(request, "issues/add-labels", *error(404, "Not Found"))
        body = await request.json()
        names = body.get("labels", body) if isinstance(body, dict) else body
        for name in names:
            if name not in pr["labels"]:
                pr["labels"].append(name)
        return answer(request, "issues/add-labels", 200, [world.shapes.label(n, i + 1) for i, n in enumerate(pr["labels"])])

    @app.post(R + "/statuses/{sha}")
    async def create_status(request: Request, owner: str, repo: str, sha: str):
        if (refused := gate(request, "repos/create-commit-status")) is not None:
            return refused
        body = await request.json()
        if sha not in world.git.commits or body.get("state") not in ("error", "failure", "pending", "success"):
            return answer(request, "repos/create-commit-status", *error(422, "Validation Failed", [{"resource": "Status", "field": "state", "code": "custom"}]))
        status = world.shapes.status(world.next_id(), sha, body)
        world.statuses.append({"sha": sha, **status})
        return answer(request, "repos/create-commit-status", 201, status)
