"""A local bare git repository standing in for GitHub when no token is configured.

It behaves like the pull-request flow it replaces: a change is a branch with one commit
on top of `main`; approval merges it into `main`, which is what a GitOps controller
would follow. A change holds the whole bundle: a file under one of the bundle's
top-level folders (terraform/, kubernetes/) that the bundle no longer has is deleted, so
main never keeps a manifest a later run dropped.

Single writer: the repository is a folder on one disk, serialised by a file lock. In
deploy/k8s the github worker is a one-replica StatefulSet with its own volume, so every
branch and main live in one place and survive restarts. Every operation is idempotent (same files → same branch head, merging a
merged branch is a no-op) and serialised by a file lock, so a redelivered task or two
workers never corrupt the repository.
"""

from __future__ import annotations

import fcntl
from io import BytesIO
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from git import Actor, Repo
from gitdb import IStream

from shared.contracts import ChangeProposal, GeneratedFile

AUTHOR = Actor("MCP Cloud", "mcpcloud@localhost")
_IDENTITY = {
    "GIT_AUTHOR_NAME": AUTHOR.name, "GIT_AUTHOR_EMAIL": AUTHOR.email,
    "GIT_COMMITTER_NAME": AUTHOR.name, "GIT_COMMITTER_EMAIL": AUTHOR.email,
}
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
        """The repository, with `main` created if it is missing: on first use, or when the
        worker creating it was killed between `git init` and the first commit (the folder
        exists, `main` does not, and every later proposal would fail on it)."""
        exists = (self.path / "HEAD").exists()
        bare = Repo(self.path) if exists else Repo.init(self.path, bare=True, initial_branch=MAIN)
        if f"refs/heads/{MAIN}" not in {ref.path for ref in bare.references}:
            self._initialise(bare)
        return bare

    def _initialise(self, bare: Repo) -> None:
        """Main's first commit, written with plumbing: `main` appears in one ref update, or not at all."""
        data = f"# {self.name}\n\nGitOps repository managed by MCP Cloud.\n".encode()
        blob = bare.odb.store(IStream("blob", len(data), BytesIO(data)))
        with tempfile.TemporaryDirectory() as scratch:
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            bare.git.update_index("--add", "--cacheinfo", f"100644,{blob.hexsha.decode()},README.md", env=index)
            tree = bare.git.write_tree(env=index)
        commit = bare.git.commit_tree(tree, "-m", "Initialise GitOps repository", env=_IDENTITY)
        bare.git.update_ref(f"refs/heads/{MAIN}", commit)
        bare.git.symbolic_ref("HEAD", f"refs/heads/{MAIN}")

    def propose(self, branch: str, files: list[GeneratedFile], title: str) -> ChangeProposal:
        """Commit `files` on `branch` (from main); the same files give the same head.

        Written with git plumbing on the bare repository (blobs, a temporary index, one
        tree, one commit): no clone and no work tree, a few milliseconds per change.
        """
        with self._locked() as bare, tempfile.TemporaryDirectory() as scratch:
            exists = f"refs/heads/{branch}" in {ref.path for ref in bare.references}
            base = bare.commit(branch if exists else MAIN)
            index = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            bare.git.read_tree(base.hexsha, env=index)
            wanted = {f.path for f in files}
            roots = {f.path.split("/", 1)[0] for f in files if "/" in f.path}
            present = bare.git.ls_tree("-r", "--name-only", base.hexsha).splitlines()
            removed = sorted(p for p in present if p not in wanted and p.split("/", 1)[0] in roots)
            entries = [f"0 {'0' * 40}\t{path}" for path in removed]  # mode 0: drop from the index
            for file in files:
                data = file.content.encode()
                blob = bare.odb.store(IStream("blob", len(data), BytesIO(data)))
                entries.append(f"100644 blob {blob.hexsha.decode()}\t{file.path}")
            listing = Path(scratch) / "entries"
            listing.write_text("\n".join(entries) + "\n")
            with listing.open("rb") as stdin:
                bare.git.update_index("--index-info", istream=stdin, env=index)
            tree = bare.git.write_tree(env=index)
            if tree != base.tree.hexsha or not exists:
                commit = bare.git.commit_tree(tree, "-p", base.hexsha, "-m", title, env=_IDENTITY)
                bare.git.update_ref(f"refs/heads/{branch}", commit)
            sha = bare.commit(branch).hexsha
        return ChangeProposal(
            provider="local-git",
            repository=str(self.path),
            branch=branch,
            base=MAIN,
            commit_sha=sha,
            url=f"file://{self.path}#{branch}",
            files=sorted(f.path for f in files),
            removed=removed,
        )

    def merge(self, branch: str, title: str) -> str:
        """Merge `branch` into main with a merge commit (no-op when merged); return main's head."""
        with self._locked() as bare:
            head, main = bare.commit(branch), bare.commit(MAIN)
            if bare.is_ancestor(head, main):
                return main.hexsha
            if bare.is_ancestor(main, head):  # main has not moved: the merge is the branch's tree
                commit = bare.git.commit_tree(head.tree.hexsha, "-p", main.hexsha, "-p", head.hexsha, "-m", title,
                                              env=_IDENTITY)
                bare.git.update_ref(f"refs/heads/{MAIN}", commit, main.hexsha)
                return commit
            with tempfile.TemporaryDirectory() as work:  # main moved on: a real three-way merge
                clone = Repo.clone_from(str(self.path), work)
                clone.git.merge(f"origin/{branch}", "--no-ff", "-m", title, env=_IDENTITY)
                clone.git.push("origin", f"HEAD:refs/heads/{MAIN}")
            return bare.commit(MAIN).hexsha

    def read(self, ref: str, path: str) -> str:
        return self._bare().git.show(f"{ref}:{path}")
