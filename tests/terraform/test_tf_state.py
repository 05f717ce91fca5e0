"""Terraform state in a real backend, with the real terraform binary and the real Postgres:
state survives between work directories, a second writer meets the lock, a saved plan is
applied as saved and refused by terraform once the state moved, and destroy plans work.

The configurations need no provider download (`terraform_data` and `local-exec` are built in).
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.contracts.artifacts import ArtifactBundle, FileKind, GeneratedFile
from shared.db.session import session_scope

from services.terraform.runner import StalePlan, StateLocked, TerraformRunner
from services.terraform.state import OVERRIDE_FILE, pg_backend, pg_conn_str, schema_for

pytestmark = pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform is not on PATH")


def _bundle(size: str, *, hold_until: Path | None = None) -> ArtifactBundle:
    """``hold_until``: the apply keeps creating (and holds the state lock) until that file exists (60 s at most)."""
    provisioner = ""
    if hold_until is not None:
        wait = f"for i in $(seq 600); do [ -e {hold_until} ] && exit 0; sleep 0.1; done"
        provisioner = f'provisioner "local-exec" {{\n    command = "{wait}"\n  }}\n'
    main = (
        'terraform {\n  backend "local" {}\n}\n\n'
        f'resource "terraform_data" "bucket" {{\n  input = "{size}"\n  {provisioner}}}\n\n'
        'output "size" {\n  value = terraform_data.bucket.output\n}\n'
    )
    return ArtifactBundle(files=[GeneratedFile(path="terraform/main.tf", kind=FileKind.terraform, content=main)])


@pytest.fixture
def stack(database):
    target = f"aws/ap-northeast-2/dev/tfstate-{uuid.uuid4().hex[:8]}"
    yield target
    with session_scope() as session:
        session.execute(text(f'DROP SCHEMA IF EXISTS "{schema_for(target)}" CASCADE'))


@pytest.fixture
def runner(tmp_path) -> TerraformRunner:
    return TerraformRunner(shutil.which("terraform"), work_root=tmp_path / "work", plugin_cache_dir=tmp_path / "plugins",
                           lock_timeout_s=0, timeout_s=120)


def test_state_lives_in_the_stacks_postgres_schema_and_survives_work_directories(runner, stack):
    backend = pg_backend(stack)
    lines: list[str] = []
    first = runner.plan(_bundle("1"), on_line=lines.append, backend=backend)
    assert first.summary.to_add == 1 and len(first.plan_sha256) == 64
    override = (first.workdir / OVERRIDE_FILE).read_text()
    assert '"pg"' in override and schema_for(stack) in override and "conn_str" not in override
    runner.apply(_bundle("1"), first.plan_bytes, on_line=lines.append, backend=backend)

    with session_scope() as session:
        names = session.execute(text(f'SELECT name FROM "{schema_for(stack)}".states')).scalars().all()
    assert names == ["default"]
    again = runner.plan(_bundle("1"), backend=backend)  # a fresh work directory reads the applied state
    assert again.summary.no_changes
    assert pg_conn_str() not in "\n".join(lines)


def test_a_saved_plan_is_refused_as_stale_after_the_state_moved(runner, stack):
    backend = pg_backend(stack)
    approved = runner.plan(_bundle("2"), backend=backend)
    other = runner.plan(_bundle("3"), backend=backend)
    runner.apply(_bundle("3"), other.plan_bytes, backend=backend)  # another change lands first

    with pytest.raises(StalePlan, match="Saved plan is stale"):
        runner.apply(_bundle("2"), approved.plan_bytes, backend=backend)
    assert runner.plan(_bundle("3"), backend=backend).summary.no_changes  # the stale plan changed nothing


def test_a_second_writer_meets_the_state_lock(runner, stack, tmp_path):
    backend = pg_backend(stack)
    release = tmp_path / "release"
    slow = runner.plan(_bundle("4", hold_until=release), backend=backend)
    failures: list[BaseException] = []
    creating = threading.Event()  # terraform creates resources only while it holds the state lock

    def apply_slowly() -> None:
        try:
            runner.apply(_bundle("4", hold_until=release), slow.plan_bytes, backend=backend,
                         on_line=lambda line: "Creating..." in line and creating.set())
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    applying = threading.Thread(target=apply_slowly)
    applying.start()
    try:
        assert creating.wait(30), "the slow apply never started creating"
        with pytest.raises(StateLocked, match="Error acquiring the state lock"):
            runner.plan(_bundle("5"), backend=backend)
    finally:
        release.touch()  # the apply holds the lock until the refused plan is seen, however slow the machine
        applying.join()
    assert failures == []


def test_destroy_plans_and_applies_the_removal(runner, stack):
    backend = pg_backend(stack)
    created = runner.plan(_bundle("6"), backend=backend)
    runner.apply(_bundle("6"), created.plan_bytes, backend=backend)
    removal = runner.plan(_bundle("6"), backend=backend, destroy=True)
    assert (removal.summary.to_add, removal.summary.to_destroy, removal.destroy) == (0, 1, True)
    runner.apply(_bundle("6"), removal.plan_bytes, backend=backend)
    assert runner.plan(_bundle("6"), backend=backend).summary.to_add == 1  # nothing left in state


def test_production_backends_come_from_the_config_service(database, stack):
    from shared.config.client import get_client
    from shared.config.resolve import Scope

    from services.gateway import config_service
    from services.terraform.state import backend_for

    assert backend_for(stack).kind == "pg"  # nothing configured: the project's Postgres
    s3 = {"kind": "s3", "bucket": "acme-tfstate", "region": "ap-northeast-2", "dynamodb_table": "tfstate-lock"}
    with session_scope() as session:
        item = config_service.create_item(session, key="terraform.backend", scope=Scope(env="test", service="terraform"),
                                          value=s3, actor="tests")
        item_id, version = item.id, item.version
    try:
        get_client().wait_listening()
        deadline = time.monotonic() + 10
        while backend_for(stack).kind != "s3" and time.monotonic() < deadline:
            time.sleep(0.1)
        backend = backend_for(stack)
        assert (backend.kind, backend.env) == ("s3", {})
        assert backend.settings == {"bucket": "acme-tfstate", "key": f"{stack}/terraform.tfstate",
                                    "region": "ap-northeast-2", "encrypt": True, "dynamodb_table": "tfstate-lock"}
    finally:
        with session_scope() as session:
            config_service.update_item(session, item_id, version=version, actor="tests", enabled=False)
