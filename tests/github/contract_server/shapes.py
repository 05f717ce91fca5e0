"""GitHub's JSON shapes for the objects this server holds (see fixtures/openapi-subset.json)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Shapes:
    def __init__(self, base: str, owner: str, repo: str) -> None:
        self.base, self.owner, self.repo = base.rstrip("/"), owner, repo
        self.api = f"{self.base}/repos/{owner}/{repo}"
        self.web = f"{self.base}/_web/{owner}/{repo}"

    def user(self, login: str, uid: int = 1, kind: str = "User") -> dict[str, Any]:
        url = f"{self.base}/users/{login}"
        return {
            "login": login, "id": uid, "node_id": f"U_{uid}", "avatar_url": f"{self.base}/_avatars/{uid}",
            "gravatar_id": "", "url": url, "html_url": f"{self.base}/_web/{login}", "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events", "type": kind, "site_admin": False,
        }

    def team(self, slug: str, tid: int) -> dict[str, Any]:
        url = f"{self.base}/orgs/{self.owner}/teams/{slug}"
        return {"id": tid, "node_id": f"T_{tid}", "url": url, "members_url": f"{url}/members{{/member}}", "name": slug,
                "description": None, "permission": "pull", "html_url": f"{self.base}/_web/orgs/{self.owner}/teams/{slug}",
                "repositories_url": f"{url}/repos", "slug": slug}

    def repository(self) -> dict[str, Any]:
        return {"id": 4242, "node_id": "R_4242", "name": self.repo, "full_name": f"{self.owner}/{self.repo}",
                "private": True, "owner": self.user(self.owner, 7, "Organization"), "html_url": self.web, "url": self.api}

    def ref(self, name: str, sha: str) -> dict[str, Any]:
        return {"ref": f"refs/{name}", "node_id": f"REF_{sha[:8]}", "url": f"{self.api}/git/refs/{name}",
                "object": {"type": "commit", "sha": sha, "url": f"{self.api}/git/commits/{sha}"}}

    def commit(self, commit) -> dict[str, Any]:
        person = {"name": "MCP Cloud", "email": "mcpcloud@example.invalid", "date": commit.date}
        return {
            "sha": commit.sha, "node_id": f"C_{commit.sha[:8]}", "url": f"{self.api}/git/commits/{commit.sha}",
            "html_url": f"{self.web}/commit/{commit.sha}", "author": person, "committer": person,
            "message": commit.message, "tree": {"sha": commit.tree, "url": f"{self.api}/git/trees/{commit.tree}"},
            "parents": [{"sha": p, "url": f"{self.api}/git/commits/{p}", "html_url": f"{self.web}/commit/{p}"}
                        for p in commit.parents],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None},
        }

    def tree(self, sha: str, entries: dict[str, str], sizes: dict[str, int]) -> dict[str, Any]:
        items = [{"path": p, "mode": "100644", "type": "blob", "sha": b, "size": sizes.get(b, 0),
                  "url": f"{self.api}/git/blobs/{b}"} for p, b in sorted(entries.items())]
        return {"sha": sha, "url": f"{self.api}/git/trees/{sha}", "tree": items, "truncated": False}

    def branch(self, name: str, sha: str) -> dict[str, Any]:
        return {"label": f"{self.owner}:{name}", "ref": name, "sha": sha, "repo": self.repository(),
                "user": self.user(self.owner, 7, "Organization")}

    def label(self, name: str, lid: int) -> dict[str, Any]:
        return {"id": lid, "node_id": f"L_{lid}", "url": f"{self.api}/labels/{name}", "name": name,
                "description": None, "color": "ededed", "default": False}

    def pull(self, pr: dict[str, Any], head_sha: str, base_sha: str, simple: bool = False) -> dict[str, Any]:
        n = pr["number"]
        url = f"{self.api}/pulls/{n}"
        links = {k: {"href": v} for k, v in {"self": url, "html": f"{self.web}/pull/{n}",
                                              "issue": f"{self.api}/issues/{n}", "comments": f"{self.api}/issues/{n}/comments",
                                              "review_comments": f"{url}/comments", "commits": f"{url}/commits",
                                              "statuses": f"{self.api}/statuses/{head_sha}"}.items()}
        shape = {
            "url": url, "id": 9000 + n, "node_id": f"PR_{n}", "html_url": f"{self.web}/pull/{n}",
            "diff_url": f"{self.web}/pull/{n}.diff", "patch_url": f"{self.web}/pull/{n}.patch",
            "issue_url": f"{self.api}/issues/{n}", "commits_url": f"{url}/commits",
            "review_comments_url": f"{url}/comments", "review_comment_url": f"{self.api}/pulls/comments{{/number}}",
            "comments_url": f"{self.api}/issues/{n}/comments", "statuses_url": f"{self.api}/statuses/{head_sha}",
            "number": n, "state": pr["state"], "locked": False, "title": pr["title"], "user": self.user("mcp-cloud[bot]", 99, "Bot"),
            "body": pr["body"], "labels": [self.label(name, i + 1) for i, name in enumerate(pr["labels"])],
            "milestone": None, "created_at": pr["created_at"], "updated_at": pr["updated_at"],
            "closed_at": pr.get("closed_at"), "merged_at": pr.get("merged_at"), "merge_commit_sha": pr.get("merge_commit_sha"),
            "assignee": None, "requested_reviewers": [self.user(u, 100 + i) for i, u in enumerate(pr["reviewers"])],
            "requested_teams": [self.team(t, 200 + i) for i, t in enumerate(pr["teams"])],
            "head": self.branch(pr["head"], head_sha), "base": self.branch(pr["base"], base_sha),
            "_links": links, "author_association": "NONE", "auto_merge": None, "draft": False,
        }
        if simple:
            return shape
        shape.update({"merged": bool(pr.get("merged_at")), "mergeable": True, "rebaseable": True,
                      "mergeable_state": "clean", "merged_by": None, "comments": 0,
                      "review_comments": pr["review_comments"], "maintainer_can_modify": False, "commits": 1,
                      "additions": 1, "deletions": 0, "changed_files": pr["changed_files"]})
        return shape

    def review(self, n: int, review: dict[str, Any]) -> dict[str, Any]:
        return {"id": review["id"], "node_id": f"PRR_{review['id']}", "user": self.user("mcp-cloud[bot]", 99, "Bot"),
                "body": review["body"], "state": "COMMENTED", "html_url": f"{self.web}/pull/{n}#review-{review['id']}",
                "pull_request_url": f"{self.api}/pulls/{n}", "_links": {"html": {"href": f"{self.web}/pull/{n}"}},
                "submitted_at": review["submitted_at"], "commit_id": review["commit_id"], "author_association": "NONE"}

    def status(self, sid: int, sha: str, body: dict[str, Any]) -> dict[str, Any]:
        stamp = now()
        return {"url": f"{self.api}/statuses/{sha}", "avatar_url": None, "id": sid, "node_id": f"S_{sid}",
                "state": body["state"], "description": body.get("description"), "target_url": body.get("target_url"),
                "context": body.get("context", "default"), "created_at": stamp, "updated_at": stamp,
                "creator": self.user("mcp-cloud[bot]", 99, "Bot")}

    def workflow(self, wid: int, path: str, name: str) -> dict[str, Any]:
        return {"id": wid, "node_id": f"W_{wid}", "name": name, "path": path, "state": "active",
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
                "url": f"{self.api}/actions/workflows/{wid}", "html_url": f"{self.web}/blob/main/{path}",
                "badge_url": f"{self.web}/workflows/{name}/badge.svg"}

    def run(self, run: dict[str, Any]) -> dict[str, Any]:
        rid = run["id"]
        url = f"{self.api}/actions/runs/{rid}"
        repo = self.repository()
        return {
            "id": rid, "name": run["name"], "node_id": f"WFR_{rid}", "check_suite_id": rid + 1,
            "check_suite_node_id": f"CS_{rid}", "head_branch": run["ref"], "head_sha": run["head_sha"],
            "path": run["path"], "run_number": run["number"], "run_attempt": 1, "display_title": run["name"],
            "event": "workflow_dispatch", "status": run["status"], "conclusion": run["conclusion"],
            "workflow_id": run["workflow_id"], "url": url, "html_url": f"{self.web}/actions/runs/{rid}",
            "created_at": run["created_at"], "updated_at": run["updated_at"], "run_started_at": run["created_at"],
            "jobs_url": f"{url}/jobs", "logs_url": f"{url}/logs", "check_suite_url": f"{self.api}/check-suites/{rid + 1}",
            "artifacts_url": f"{url}/artifacts", "cancel_url": f"{url}/cancel", "rerun_url": f"{url}/rerun",
            "previous_attempt_url": None, "workflow_url": f"{self.api}/actions/workflows/{run['workflow_id']}",
            "pull_requests": [], "actor": self.user("mcp-cloud[bot]", 99, "Bot"),
            "triggering_actor": self.user("mcp-cloud[bot]", 99, "Bot"),
            "head_commit": {"id": run["head_sha"], "tree_id": "0" * 40, "message": "approved change",
                            "timestamp": run["created_at"], "author": None, "committer": None},
            "repository": repo, "head_repository": repo,
        }

    def job(self, run: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.api}/actions/jobs/{job['id']}"
        done = run["status"] == "completed"
        return {
            "id": job["id"], "run_id": run["id"], "run_url": f"{self.api}/actions/runs/{run['id']}", "run_attempt": 1,
            "node_id": f"J_{job['id']}", "head_sha": run["head_sha"], "url": url,
            "html_url": f"{self.web}/actions/runs/{run['id']}/job/{job['id']}",
            "status": "completed" if done else run["status"], "conclusion": job["conclusion"] if done else None,
            "created_at": run["created_at"], "started_at": run["created_at"], "completed_at": run["updated_at"] if done else None,
            "name": job["name"], "check_run_url": f"{self.api}/check-runs/{job['id']}", "labels": ["ubuntu-latest"],
            "runner_id": 1, "runner_name": "contract-runner", "runner_group_id": 1, "runner_group_name": "Default",
            "workflow_name": run["workflow_name"], "head_branch": run["ref"],
            "steps": [{"name": s["name"], "status": "completed" if done else "queued",
                       "conclusion": s["conclusion"] if done else None, "number": s["number"],
                       "started_at": run["created_at"], "completed_at": run["updated_at"] if done else None}
                      for s in job["steps"]],
        }
