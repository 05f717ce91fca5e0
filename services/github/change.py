"""A run's change on GitHub: one commit on a branch, a pull request, its review and status.

Why the Git Data API (blobs, one tree, one commit, a ref) and not the contents API: one
commit holds every file, files the bundle no longer has are deleted in that same commit,
and unchanged files cost no call (their blob sha is computed here and compared with the
base tree). Every step is safe to run twice: the same files give the same tree, an
existing branch whose tree already matches is reused, an open pull request for the
branch is reused, and its review is posted once (found again by its marker).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from github import GithubException, InputGitTreeElement
from github.Repository import Repository

from shared.contracts import ChangeProposal, GeneratedFile, RunMessage

from services.github.pr_body import MARKER, pull_request_body, run_link

log = logging.getLogger(__name__)

STATUS_CONTEXT = "mcp-cloud/guardrails"
REVIEW_MARKER = "<!-- mcp-cloud-review:{run_id} -->"
MAX_REVIEW_COMMENTS = 50


class NothingToPropose(Exception):
    """The bundle equals the base branch: GitHub refuses a pull request with no commits."""


@dataclass
class ReviewPlan:
    users: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)


def git_blob_sha(content: str) -> str:
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()  # noqa: S324 - git's object id


def managed_roots(files: list[GeneratedFile]) -> set[str]:
    """Top-level folders the bundle owns: a file under one of them that the bundle no longer
    has is deleted. Files elsewhere (README, .github/) are left alone."""
    return {f.path.split("/", 1)[0] for f in files if "/" in f.path}


def _tree_changes(base: dict[str, str], files: list[GeneratedFile],
                  extra: list[GeneratedFile] = ()) -> tuple[list[GeneratedFile], list[str]]:
    """Files to write and paths to delete. `extra` files (the workflow) are written when they
    differ but own no folder: nothing beside them is deleted."""
    wanted = {f.path: f for f in [*files, *extra]}
    changed = [f for f in wanted.values() if base.get(f.path) != git_blob_sha(f.content)]
    roots = managed_roots(files)
    removed = sorted(p for p in base if p not in wanted and p.split("/", 1)[0] in roots)
    return changed, removed


def _branch_head(repo: Repository, branch: str):
    """The branch's ref and head commit, or (None, None) when it does not exist."""
    try:
        ref = repo.get_git_ref(f"heads/{branch}")
        sha = ref.object.sha  # the read (PyGithub objects are lazy)
    except GithubException as exc:
        if exc.status != 404:
            raise
        return None, None
    return ref, repo.get_git_commit(sha)


def commit_files(repo: Repository, branch: str, base_branch: str, files: list[GeneratedFile], title: str,
                 extra_for: Callable[[dict[str, str]], list[GeneratedFile]] | None = None):
    """Commit `files` on `branch` from `base_branch`; returns (commit sha, changed files, removed paths).

    `extra_for(base blob ids by path)` names files to commit beside the bundle, decided
    from what the base branch holds (the workflow, when the repository needs it)."""
    base_sha = repo.get_git_ref(f"heads/{base_branch}").object.sha
    base_commit = repo.get_git_commit(base_sha)
    base_tree = repo.get_git_tree(base_commit.tree.sha, recursive=True)
    blobs = {e.path: e.sha for e in base_tree.tree if e.type == "blob"}
    changed, removed = _tree_changes(blobs, files, extra_for(blobs) if extra_for else [])
    if not changed and not removed:
        raise NothingToPropose(f"the files equal {base_branch} at {base_sha[:10]}: nothing to propose")
    existing, head = _branch_head(repo, branch)
    known = set(blobs.values())
    if head is not None and [p.sha for p in head.parents] == [base_sha]:  # a redelivery: its blobs are stored
        known |= {e.sha for e in repo.get_git_tree(head.tree.sha, recursive=True).tree if e.type == "blob"}
    elements = []
    for file in changed:
        sha = git_blob_sha(file.content)
        if sha not in known:
            sha = repo.create_git_blob(file.content, "utf-8").sha
        elements.append(InputGitTreeElement(file.path, "100644", "blob", sha=sha))
    elements += [InputGitTreeElement(path, "100644", "blob", sha=None) for path in removed]
    tree = repo.create_git_tree(elements, base_tree)
    if head is not None and head.tree.sha == tree.sha and [p.sha for p in head.parents] == [base_sha]:
        return head.sha, changed, removed  # this very commit is already there
    commit = repo.create_git_commit(title, tree, [base_commit])
    if existing is None:
        repo.create_git_ref(f"refs/heads/{branch}", commit.sha)
    else:
        existing.edit(commit.sha, force=True)
    return commit.sha, changed, removed


def _review_comments(message: RunMessage, changed: list[GeneratedFile]) -> list[dict]:
    """Findings on lines of files this commit changes (GitHub accepts comments on diff lines only)."""
    lengths = {f.path: f.content.count("\n") + 1 for f in changed}
    comments = []
    for finding in (message.verdict.findings if message.verdict else []):
        if finding.file in lengths and 0 < finding.line_start <= lengths[finding.file]:
            where = f"{finding.guardrail_id} " if finding.guardrail_id else ""
            body = f"**{where}`{finding.check_id}`** ({finding.severity.value}): {finding.message}"
            if finding.fix_hint:
                body += f"\n\nFix: {finding.fix_hint}"
            comments.append({"path": finding.file, "line": finding.line_start, "side": "RIGHT", "body": body})
    return comments[:MAX_REVIEW_COMMENTS]


def open_pull_request(repo: Repository, full_name: str, message: RunMessage, branch: str, base: str, title: str,
                      commit_sha: str, changed: list[GeneratedFile], reviewers: ReviewPlan,
                      labels: list[str]) -> tuple[ChangeProposal, list[str]]:
    """The pull request with its review comments, reviewers, labels and guardrail status."""
    notes: list[str] = []
    owner = full_name.split("/", 1)[0]
    body = pull_request_body(message)
    open_prs = list(repo.get_pulls(state="open", head=f"{owner}:{branch}", base=base))
    created = not open_prs
    if open_prs:
        pull = open_prs[0]
        if pull.body != body:
            pull.edit(body=body)
    else:
        pull = repo.create_pull(base=base, head=branch, title=title, body=body, maintainer_can_modify=False)
    marker = REVIEW_MARKER.format(run_id=message.run_id)
    comments = _review_comments(message, changed)
    reviewed = (not created) and any(marker in (r.body or "") for r in pull.get_reviews())
    posted = 0
    if not reviewed:
        review_body = f"{marker}\nGuardrail findings on the changed lines ({len(comments)} comments). Run: {run_link(message)}"
        try:
            pull.create_review(commit=repo.get_commit(commit_sha), body=review_body, event="COMMENT", comments=comments)
            posted = len(comments)
        except GithubException as exc:
            if exc.status != 422 or not comments:
                raise
            notes.append(f"inline comments refused ({exc.status}: {_message(exc)}); findings are in the PR body")
            pull.create_review(commit=repo.get_commit(commit_sha), body=review_body, event="COMMENT")
    if reviewers.users or reviewers.teams:
        pull.create_review_request(reviewers=reviewers.users, team_reviewers=reviewers.teams)
    if labels:
        pull.add_to_labels(*labels)
    verdict = message.verdict
    findings = len(verdict.findings) if verdict else 0
    blocking = sum(1 for f in verdict.findings if f.blocking) if verdict else 0
    state = "success" if verdict is not None and verdict.passed else "failure"
    description = f"{verdict.status if verdict else 'no verdict'}: {findings} findings, {blocking} blocking"
    repo.get_commit(commit_sha).create_status(state=state, target_url=run_link(message),
                                              description=description[:140], context=STATUS_CONTEXT)
    proposal = ChangeProposal(
        provider="github", repository=full_name, branch=branch, base=base, commit_sha=commit_sha,
        number=pull.number, url=pull.html_url, files=sorted(f.path for f in (message.bundle.files if message.bundle else [])),
        review_comments=posted, reviewers=[*reviewers.users, *(f"team:{t}" for t in reviewers.teams)],
        labels=labels, status_context=STATUS_CONTEXT,
    )
    return proposal, notes


def _message(exc: GithubException) -> str:
    data = exc.data if isinstance(exc.data, dict) else {}
    return str(data.get("message") or exc)


__all__ = ["MARKER", "NothingToPropose", "ReviewPlan", "STATUS_CONTEXT", "commit_files", "open_pull_request"]
