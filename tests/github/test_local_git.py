"""The local git repository that stands in for GitHub: branch, idempotent commit, merge."""

from __future__ import annotations

import subprocess

from shared.contracts import FileKind, GeneratedFile

from services.github.local_git import LocalGitRepository


def _files(**contents: str) -> list[GeneratedFile]:
    return [GeneratedFile(path=path.replace("__", "/"), kind=FileKind.terraform, content=body)
            for path, body in contents.items()]


def _git(repo: LocalGitRepository, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo.path), *args], capture_output=True, text=True, check=True).stdout


def test_a_change_is_a_branch_on_main_and_proposing_it_again_changes_nothing(tmp_path):
    repo = LocalGitRepository(tmp_path, "stack")
    first = repo.propose("mcp/run-1", _files(terraform__main_tf="a = 1\n"), "run 1")
    again = repo.propose("mcp/run-1", _files(terraform__main_tf="a = 1\n"), "run 1")
    assert first.commit_sha == again.commit_sha
    assert repo.read("mcp/run-1", "terraform/main_tf") == "a = 1"
    assert _git(repo, "rev-list", "--count", "main..mcp/run-1").strip() == "1"

    changed = repo.propose("mcp/run-1", _files(terraform__main_tf="a = 2\n"), "run 1 again")
    assert changed.commit_sha != first.commit_sha


def test_merge_lands_the_branch_on_main_once(tmp_path):
    repo = LocalGitRepository(tmp_path, "stack")
    change = repo.propose("mcp/run-2", _files(kubernetes__app_yaml="kind: Service\n"), "run 2")
    head = repo.merge(change.branch, "merge run 2")
    assert repo.merge(change.branch, "merge run 2") == head
    assert "kubernetes/app_yaml" in _git(repo, "ls-tree", "-r", "--name-only", "main").split()
    assert len(_git(repo, "rev-list", "--parents", "-n", "1", "main").split()) == 3  # a merge commit


def test_merge_after_main_moved_is_a_real_merge(tmp_path):
    repo = LocalGitRepository(tmp_path, "stack")
    one = repo.propose("mcp/one", _files(a_tf="1\n"), "one")
    two = repo.propose("mcp/two", _files(b_tf="2\n"), "two")
    repo.merge(one.branch, "merge one")
    repo.merge(two.branch, "merge two")
    assert {"a_tf", "b_tf"} <= set(_git(repo, "ls-tree", "-r", "--name-only", "main").split())


def test_a_file_the_bundle_no_longer_has_is_removed_from_main_after_the_merge(tmp_path):
    repo = LocalGitRepository(tmp_path, "stack")
    first = repo.propose("mcp/run-a", _files(kubernetes__web__deployment_yaml="kind: Deployment\n",
                                             kubernetes__web__service_yaml="kind: Service\n"), "run a")
    repo.merge(first.branch, "merge run a")
    second = repo.propose("mcp/run-b", _files(kubernetes__web__deployment_yaml="kind: Deployment\n"), "run b")
    assert second.removed == ["kubernetes/web/service_yaml"]
    repo.merge(second.branch, "merge run b")
    on_main = set(_git(repo, "ls-tree", "-r", "--name-only", "main").split())
    assert "kubernetes/web/service_yaml" not in on_main
    assert {"kubernetes/web/deployment_yaml", "README.md"} <= on_main  # outside the bundle's folders: kept


def test_a_repository_whose_creation_was_cut_short_gets_its_main_and_takes_proposals(tmp_path):
    """A worker killed between `git init` and the first commit left a repository without main."""
    from git import Repo

    Repo.init(tmp_path / "stack.git", bare=True, initial_branch="main")  # what the killed worker left
    repo = LocalGitRepository(tmp_path, "stack")
    change = repo.propose("mcp/run-9", _files(terraform__main_tf="a = 9\n"), "run 9")
    assert _git(repo, "log", "--format=%s", "main").splitlines() == ["Initialise GitOps repository"]
    assert _git(repo, "rev-list", "--count", "main..mcp/run-9").strip() == "1"
    assert repo.read("main", "README.md").startswith("# stack")
    assert repo.merge(change.branch, "merge run 9") == _git(repo, "rev-parse", "main").strip()
