"""checkov's report records, read: which files it skipped, and each failed check as a Finding.

checkov silently skips files it cannot parse, which would turn a typo into a
"passed" verdict: ``check_coverage`` refuses them. ``finding_from_record`` maps a
failed check to its guardrail (title, severity, blocking, fix) or to a plain finding.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services.policy.guardrails import GuardrailPack
from services.policy.inputs import InvalidInput, hcl_error
from shared.contracts.artifacts import FileKind, Finding


def check_coverage(kind: FileKind, root: Path, files: Mapping[str, str], runner: Any, reports: list) -> None:
    """Refuse files checkov skipped: an unscanned file must never yield "passed"."""
    content = {str((root / path).resolve()): path for path in files}
    if kind is FileKind.terraform:
        for report in reports:
            for bad in sorted(report.parsing_errors):
                path = content.get(str(Path(bad).resolve()))
                if path is not None:
                    raise InvalidInput(hcl_error(path, files[path]))
                raise InvalidInput(f"{bad}: checkov could not parse this file")
        return
    parsed = set()
    for key in getattr(runner, "definitions", None) or {}:
        path = Path(str(key))  # absolute, or relative to the root with a leading "/" (dockerfile)
        parsed.add(str((path if path.is_relative_to(root) else root / str(key).lstrip("/")).resolve()))
    skipped = sorted(path for absolute, path in content.items() if absolute not in parsed)
    if skipped:
        hint = {
            FileKind.kubernetes: "check that every document is a Kubernetes object",
            FileKind.github_actions: "workflows must live under .github/workflows/",
            FileKind.dockerfile: "name the file Dockerfile, Dockerfile.<name> or <name>.Dockerfile",
        }[kind]
        raise InvalidInput(f"checkov could not read {', '.join(skipped)}: {hint}")

def relative_path(record: Any, root: Path) -> str:
    """A record's file relative to the bundle root (checkov's own is relative to the runner root)."""
    absolute = record.file_abs_path or str(root / record.file_path.lstrip("/"))
    return os.path.relpath(absolute, root).replace(os.sep, "/")


class RelativePaths:
    """``relative_path`` for one scan's records, computed once per distinct file.

    A scan has hundreds of passed records and a handful of files; ``os.path.relpath``
    normalises both paths on every call. The answer depends only on the record's two
    path fields and the root, which is fixed here.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._known: dict[tuple[str | None, str | None], str] = {}

    def __call__(self, record: Any) -> str:
        key = (record.file_abs_path, record.file_path)
        path = self._known.get(key)
        if path is None:
            path = self._known[key] = relative_path(record, self.root)
        return path

def finding_from_record(record: Any, root: Path, pack: GuardrailPack) -> Finding:
    file = relative_path(record, root)
    lines = list(record.file_line_range or [0, 0]) + [0, 0]
    guardrail = pack.guardrail_for(record.check_id)
    details = "; ".join(d for d in (record.details or []) if d)
    caller = ""
    if getattr(record, "caller_file_path", None) and getattr(record, "caller_file_line_range", None):
        caller_path = os.path.relpath(os.path.join(str(root), record.caller_file_path.lstrip("/")), root)
        start, end = record.caller_file_line_range
        caller = f" (through the module call at {caller_path.replace(os.sep, '/')}:{start}-{end})"
    check = f"{record.check_id}: {record.check_name}"
    if guardrail is not None:
        message = f"{guardrail.id} {guardrail.title}: {guardrail.message} [{check}]"
        severity, blocking, fix = guardrail.severity, guardrail.blocking, guardrail.fix
    else:
        message = f"[{check}]"
        severity, blocking, fix = pack.severity_for_plain(record.check_id), False, record.guideline or ""
    if details:
        message += f" {details}"
    return Finding(
        guardrail_id=guardrail.id if guardrail else None,
        check_id=record.check_id,
        resource=record.resource,
        file=file,
        line_start=int(lines[0] or 0),
        line_end=int(lines[1] or 0),
        severity=severity,
        message=message + caller,
        fix_hint=fix,
        blocking=blocking,
    )
