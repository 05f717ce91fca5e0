"""Plan and apply a bundle with a `terraform` or `tofu` binary, and read what the plan says.

Each plan and each apply gets its own work directory (the bundle's `terraform/` files,
the stack's state backend as an override file, its own `.terraform/`); provider
downloads go to a shared plugin cache, and every output line is passed to a callback as
it arrives so the run can stream progress. The state is not in the work directory but
in the stack's backend (services/terraform/state.py), so a work directory is disposable:
`apply` re-initialises a fresh one and applies the saved plan file's bytes, and
terraform itself refuses a plan made against state that has moved since ("Saved plan is
stale"), raised here as `StalePlan`. A state lock held by another run is `StateLocked`.
Without a usable binary the runner raises `TerraformUnavailable` (the terraform tasks
skip the step when no binary is configured, and fail it when a configured one is missing).

The plan is summarised twice from terraform's own outputs: the human summary line
("Plan: 3 to add, 0 to change, 0 to destroy." / "No changes.") and the machine
readable `terraform show -json` plan (format_version 1.x, `resource_changes`).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from shared.contracts.artifacts import ArtifactBundle, FileKind

if TYPE_CHECKING:
    from services.terraform.state import StateBackend

LineCallback = Callable[[str], None]
PLAN_FILE = "tfplan"
DEFAULT_PLUGIN_CACHE = Path(tempfile.gettempdir()) / "mcp-cloud-terraform-plugin-cache"

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PLAN_LINE = re.compile(
    r"^Plan: (?:(?P<import>\d+) to import, )?(?P<add>\d+) to add, (?P<change>\d+) to change, "
    r"(?P<destroy>\d+) to destroy(?:, \d+ to forget)?\.",
    re.M,
)
_NO_CHANGES = re.compile(r"^No changes\.", re.M)


class TerraformUnavailable(RuntimeError):
    """No terraform/tofu binary to run: nothing was planned or applied."""


class TerraformError(RuntimeError):
    """A terraform command failed; the message ends with the last lines it printed."""

    def __init__(self, command: list[str], exit_code: int, output: str) -> None:
        tail = "\n".join(output.rstrip().splitlines()[-20:])
        super().__init__(f"{' '.join(command)} exited with {exit_code}:\n{tail}")
        self.command = command
        self.exit_code = exit_code
        self.output = output


class StalePlan(TerraformError):
    """terraform refused the saved plan: the state moved after the plan was made."""


class StateLocked(TerraformError):
    """Another plan or apply holds the stack's state lock."""


_STALE = re.compile(r"Saved plan is stale")
_LOCKED = re.compile(r"Error acquiring the state lock")


class ResourceChange(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str
    module_address: str | None = None
    mode: str = "managed"
    type: str
    name: str
    actions: list[str]
    importing: bool = False

    @property
    def action(self) -> str:
        """create, update, delete, replace, read or no-op."""
        if set(self.actions) == {"create", "delete"}:
            return "replace"
        return self.actions[0] if len(self.actions) == 1 else "+".join(self.actions)


class PlanSummary(BaseModel):
    to_add: int = 0
    to_change: int = 0
    to_destroy: int = 0
    to_import: int = 0
    no_changes: bool = False
    resource_changes: list[ResourceChange] = []
    terraform_version: str = ""
    format_version: str = ""

    @property
    def headline(self) -> str:
        if self.no_changes:
            return "No changes."
        imports = f"{self.to_import} to import, " if self.to_import else ""
        return f"Plan: {imports}{self.to_add} to add, {self.to_change} to change, {self.to_destroy} to destroy."


def parse_plan_output(output: str) -> PlanSummary | None:
    """Read the summary line of `terraform plan` output (a local run, or a CI log);
    None if it has none, e.g. because the plan failed."""
    text = _ANSI.sub("", output)
    plan_lines = list(_PLAN_LINE.finditer(text))
    if plan_lines:
        last = plan_lines[-1]
        return PlanSummary(
            to_add=int(last["add"]),
            to_change=int(last["change"]),
            to_destroy=int(last["destroy"]),
            to_import=int(last["import"] or 0),
        )
    if _NO_CHANGES.search(text):
        return PlanSummary(no_changes=True)
    return None


def parse_plan_json(plan: str | Mapping[str, Any]) -> PlanSummary:
    """Summarise a `terraform show -json <planfile>` document.

    Counts follow terraform's own summary line: a replacement is one add and one
    destroy, data source reads and no-ops are not counted.
    """
    document = json.loads(plan) if isinstance(plan, str) else plan
    if not str(document.get("format_version", "")).startswith("1."):
        raise ValueError(f"unsupported plan format_version {document.get('format_version')!r} (expected 1.x)")
    changes = [
        ResourceChange(
            address=rc["address"],
            module_address=rc.get("module_address"),
            mode=rc.get("mode", "managed"),
            type=rc["type"],
            name=rc["name"],
            actions=list(rc["change"]["actions"]),
            importing=bool(rc["change"].get("importing")),
        )
        for rc in document.get("resource_changes", [])
    ]
    managed = [c for c in changes if c.mode == "managed"]
    counts = {
        "to_add": sum("create" in c.actions for c in managed),
        "to_change": sum(c.actions == ["update"] for c in managed),
        "to_destroy": sum("delete" in c.actions for c in managed),
        "to_import": sum(c.importing for c in managed),
    }
    outputs_change = any(o.get("actions", ["no-op"]) != ["no-op"] for o in document.get("output_changes", {}).values())
    return PlanSummary(
        **counts,
        no_changes=not (any(counts.values()) or outputs_change),
        resource_changes=changes,
        terraform_version=document.get("terraform_version", ""),
        format_version=document["format_version"],
    )


@dataclass(frozen=True)
class PlanResult:
    workdir: Path
    plan_file: Path
    summary: PlanSummary
    output: str
    plan_bytes: bytes = b""
    destroy: bool = False

    @property
    def plan_sha256(self) -> str:
        return hashlib.sha256(self.plan_bytes).hexdigest()


class TerraformRunner:
    """Runs init/plan/show/apply for a bundle, each in a fresh work directory."""

    def __init__(
        self,
        binary: str | os.PathLike[str] | None,
        *,
        work_root: Path | None = None,
        plugin_cache_dir: Path = DEFAULT_PLUGIN_CACHE,
        timeout_s: float = 1800.0,
        lock_timeout_s: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`binary` is the path of terraform or tofu; None looks for tofu, then terraform, on PATH."""
        self.binary = _resolve_binary(binary)
        self.work_root = work_root
        self.plugin_cache_dir = plugin_cache_dir
        self.timeout_s = timeout_s
        self.lock_timeout_s = lock_timeout_s
        self._env = {
            **(env if env is not None else os.environ),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "TF_PLUGIN_CACHE_DIR": str(plugin_cache_dir),
        }

    def prepare(self, bundle: ArtifactBundle, backend: StateBackend | None = None) -> Path:
        """Write the bundle's Terraform files (and the backend override) into a fresh work directory."""
        files = [f for f in bundle.files if f.kind is FileKind.terraform and f.path.startswith("terraform/")]
        if not files:
            raise ValueError("the bundle has no Terraform files to plan")
        if self.work_root is not None:
            self.work_root.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="mcp-tf-", dir=self.work_root))
        for generated in files:
            target = workdir / generated.path.removeprefix("terraform/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(generated.content, encoding="utf-8")
        if backend is not None:
            backend.write_override(workdir)
        return workdir

    def _init(self, workdir: Path, backend: StateBackend | None, on_line: LineCallback | None) -> str:
        self.plugin_cache_dir.mkdir(parents=True, exist_ok=True)
        return self._stream(["init", "-input=false", "-no-color"], workdir, on_line, backend=backend)

    def plan(
        self, bundle: ArtifactBundle, on_line: LineCallback | None = None, *,
        backend: StateBackend | None = None, destroy: bool = False,
    ) -> PlanResult:
        """init + plan -out (-destroy) + show -json. The summary comes from the JSON plan;
        the plan file's bytes are returned for durable keeping."""
        workdir = self.prepare(bundle, backend)
        plan_args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={PLAN_FILE}"]
        if backend is not None:
            plan_args.insert(-1, f"-lock-timeout={self.lock_timeout_s:.0f}s")
        if destroy:
            plan_args.insert(-1, "-destroy")
        try:
            init_output = self._init(workdir, backend, on_line)
            plan_output = self._stream(plan_args, workdir, on_line, ok_codes=(0, 2), backend=backend)
            shown = self._capture(["show", "-json", PLAN_FILE], workdir, backend=backend)
            summary = parse_plan_json(shown)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
        plan_file = workdir / PLAN_FILE
        return PlanResult(workdir, plan_file, summary, init_output + plan_output, plan_file.read_bytes(), destroy)

    def apply(
        self, bundle: ArtifactBundle, plan_bytes: bytes, on_line: LineCallback | None = None, *,
        backend: StateBackend | None = None,
    ) -> str:
        """Apply exactly the saved plan file (no new plan, no prompt) in a fresh work directory
        initialised on the same backend. Raises StalePlan when the state moved since the plan."""
        workdir = self.prepare(bundle, backend)
        try:
            self._init(workdir, backend, on_line)
            (workdir / PLAN_FILE).write_bytes(plan_bytes)
            args = ["apply", "-input=false", "-no-color", PLAN_FILE]
            if backend is not None:
                args.insert(-1, f"-lock-timeout={self.lock_timeout_s:.0f}s")
            return self._stream(args, workdir, on_line, backend=backend)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _environment(self, backend: StateBackend | None) -> dict[str, str]:
        return {**self._env, **(backend.env if backend is not None else {})}

    def _stream(
        self, args: list[str], cwd: Path, on_line: LineCallback | None, ok_codes: tuple[int, ...] = (0,),
        backend: StateBackend | None = None,
    ) -> str:
        command = [self.binary, *args]
        process = subprocess.Popen(
            command, cwd=cwd, env=self._environment(backend), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, text=True, bufsize=1,
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            process.kill()

        watchdog = threading.Timer(self.timeout_s, kill)
        watchdog.start()
        lines = []
        try:
            assert process.stdout is not None
            for line in process.stdout:
                line = line.rstrip("\n")
                lines.append(line)
                if on_line:
                    on_line(line)
            exit_code = process.wait()
        finally:
            watchdog.cancel()
        output = "\n".join(lines) + "\n"
        if timed_out.is_set():
            raise TerraformError(command, exit_code, output + f"killed after {self.timeout_s:.0f}s\n")
        if exit_code not in ok_codes:
            if _STALE.search(output):
                raise StalePlan(command, exit_code, output)
            if _LOCKED.search(output):
                raise StateLocked(command, exit_code, output)
            raise TerraformError(command, exit_code, output)
        return output

    def _capture(self, args: list[str], cwd: Path, backend: StateBackend | None = None) -> str:
        command = [self.binary, *args]
        try:
            done = subprocess.run(
                command, cwd=cwd, env=self._environment(backend), capture_output=True, text=True,
                stdin=subprocess.DEVNULL, timeout=self.timeout_s,
            )
        except subprocess.TimeoutExpired as error:
            raise TerraformError(command, -1, f"timed out after {self.timeout_s:.0f}s") from error
        if done.returncode != 0:
            raise TerraformError(command, done.returncode, done.stdout + done.stderr)
        return done.stdout


def _resolve_binary(binary: str | os.PathLike[str] | None) -> str:
    if binary is None:
        found = shutil.which("tofu") or shutil.which("terraform")
        if not found:
            raise TerraformUnavailable("no terraform or tofu binary on PATH: the plan was not run")
        return found
    path = Path(binary)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise TerraformUnavailable(f"terraform binary {path} does not exist or is not executable: the plan was not run")
    return str(path)
