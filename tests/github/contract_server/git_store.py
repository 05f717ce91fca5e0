"""Git objects and refs held in memory, with git's own blob ids.

Blob ids are git's (sha1 of `blob <len>\\0<data>`), so a client that computes them
locally agrees with this server, as with GitHub. Trees are kept flat (path -> blob id)
and their ids are a sha1 over the sorted entries: deterministic, which is what a client
can observe (same content, same tree id).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime


def blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def tree_id(entries: dict[str, str]) -> str:
    listing = "".join(f"100644 {path}\0{sha}\n" for path, sha in sorted(entries.items()))
    return hashlib.sha1(b"tree " + listing.encode()).hexdigest()


@dataclass
class Commit:
    sha: str
    tree: str
    parents: list[str]
    message: str
    date: str


@dataclass
class GitStore:
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, str]] = field(default_factory=dict)
    commits: dict[str, Commit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # "heads/main" -> commit sha

    def put_blob(self, data: bytes) -> str:
        sha = blob_id(data)
        self.blobs[sha] = data
        return sha

    def put_tree(self, entries: dict[str, str]) -> str:
        sha = tree_id(entries)
        self.trees[sha] = dict(entries)
        return sha

    def put_commit(self, tree: str, parents: list[str], message: str) -> str:
        date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents) + f"date {date}\n\n{message}"
        sha = hashlib.sha1(b"commit " + body.encode()).hexdigest()
        self.commits[sha] = Commit(sha, tree, list(parents), message, date)
        return sha

    def files_at(self, commit_sha: str) -> dict[str, str]:
        return self.trees[self.commits[commit_sha].tree]

    def read(self, commit_sha: str, path: str) -> str | None:
        blob = self.files_at(commit_sha).get(path)
        return self.blobs[blob].decode() if blob else None

    def seed(self, files: dict[str, str], branch: str = "main") -> str:
        tree = self.put_tree({path: self.put_blob(text.encode()) for path, text in files.items()})
        sha = self.put_commit(tree, [], "Initial commit")
        self.refs[f"heads/{branch}"] = sha
        return sha

    def is_ancestor(self, ancestor: str, commit: str) -> bool:
        seen, stack = set(), [commit]
        while stack:
            current = stack.pop()
            if current == ancestor:
                return True
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            stack.extend(self.commits[current].parents)
        return False

    def merge(self, base_branch: str, head_sha: str, message: str) -> str:
        """A merge commit on `base_branch`: the head's changes (against its first parent) over the base."""
        base_sha = self.refs[f"heads/{base_branch}"]
        head = self.commits[head_sha]
        before = self.files_at(head.parents[0]) if head.parents else {}
        after = self.trees[head.tree]
        merged = dict(self.files_at(base_sha))
        for path in set(before) | set(after):
            if before.get(path) != after.get(path):
                if path in after:
                    merged[path] = after[path]
                else:
                    merged.pop(path, None)
        sha = self.put_commit(self.put_tree(merged), [base_sha, head_sha], message)
        self.refs[f"heads/{base_branch}"] = sha
        return sha
