"""A local bare git repository standing in for GitHub when no token is configured.

It behaves like the pull-request flow it replaces: a change is a branch with one commit
on top of `main`; approval merges it into `main`, which is what a GitOps controller
would follow. Every operation is idempotent (same files → same branch head, merging a
merged branch is a no-op) and serialised by a file lock, so a redelivered task or two
workers never corrupt the repository.
"""

from __future__ import annotations

import fcntl
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from git import Actor, Repo

from shared.contracts import ChangeProposal, GeneratedFile

AUTHOR = Actor("MCP Cloud", "mcpcloud@localhost")
MAIN = "main"


class LocalGitRepository:
    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.path = root / f"{name}.git"

    @contextmanager
    def _locked(self) -> Iterator[Repo]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.parent / f"{self.name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield self._bare()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _bare(self) -> Repo:
        if (self.path / "HEAD").exists():
            return Repo(self.path)
        bare = Repo.init(self.path, bare=True, initial_branch=MAIN)
        with tempfile.TemporaryDirectory() as work:
            clone = Repo.clone_from(str(self.path), work)
            readme = Path(work) / "README.md"
            readme.write_text(f"# {self.name}\n\nGitOps repository managed by MCP Cloud.\n")
            clone.index.add([str(readme)])
            clone.index.commit("Initialise GitOps repository", author=AUTHOR, committer=AUTHOR)
            clone.git.push("origin", f"HEAD:refs/heads/{MAIN}")
        return bare

    def propose(self, branch: str, files: list[GeneratedFile], title: str) -> ChangeProposal:
        """Commit `files` on `branch` (from main); the same files give the same head."""
        with self._locked() as bare, tempfile.TemporaryDirectory() as work:
            clone = Repo.clone_from(str(self.path), work)
            remote_branches = {ref.remote_head for ref in clone.remote().refs}
            if branch in remote_branches:
                clone.git.checkout("-B", branch, f"origin/{branch}")
            else:
                clone.git.checkout("-B", branch, f"origin/{MAIN}")
            for file in files:
                target = Path(work) / file.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(file.content)
            clone.git.add("--all")
            if clone.is_dirty(index=True, untracked_files=True) or branch not in remote_branches:
                if clone.is_dirty(index=True):
                    clone.index.commit(title, author=AUTHOR, committer=AUTHOR)
                clone.git.push("origin", f"HEAD:refs/heads/{branch}", "--force-with-lease")
            sha = bare.commit(branch).hexsha
        return ChangeProposal(
            provider="local-git",
            repository=str(self.path),
            branch=branch,
            base=MAIN,
            commit_sha=sha,
            url=f"file://{self.path}#{branch}",
            files=sorted(f.path for f in files),
        )

    def merge(self, branch: str, title: str) -> str:
        """Merge `branch` into main (no-op when already merged); return main's head."""
        with self._locked() as bare, tempfile.TemporaryDirectory() as work:
            if bare.is_ancestor(bare.commit(branch), bare.commit(MAIN)):
                return bare.commit(MAIN).hexsha
            clone = Repo.clone_from(str(self.path), work)
            clone.git.checkout(MAIN)
            clone.git.merge(f"origin/{branch}", "--no-ff", "-m", title)
            clone.git.push("origin", f"HEAD:refs/heads/{MAIN}")
            return bare.commit(MAIN).hexsha

    def read(self, ref: str, path: str) -> str:
        return self._bare().git.show(f"{ref}:{path}")
