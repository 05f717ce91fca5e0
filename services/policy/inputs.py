"""What an upload must be before it reaches checkov, and the errors that say what to fix.

checkov silently skips files it cannot parse, which would turn a typo into a
"passed" verdict. The engine refuses them instead (``InvalidInput``): YAML is parsed
before the scan, HCL parse errors are taken from checkov's report after it.

Inline suppressions (``#checkov:skip=``, ``checkov.io/skip`` annotations) are not
honoured: guardrails are enforced server-side whatever the submitted files say.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic import ValidationError

from shared.contracts.artifacts import FileKind, GeneratedFile
from shared.contracts.intent import Persona

#: Input limits: a worker must not be tied up (or run out of memory) by one upload.
MAX_FILES = 300
MAX_FILE_BYTES = 1024 * 1024
MAX_TOTAL_BYTES = 5 * 1024 * 1024

#: Inline suppression markers, renamed in the scanned copy so checkov does not see
#: them (only a comment or an annotation key changes; line numbers stay).
_SUPPRESSIONS = ("checkov.io/skip", "bridgecrew.io/skip", "cortex.io/skip", "checkov:skip", "bridgecrew:skip")


class InvalidInput(ValueError):
    """The files cannot be scanned as sent; the message says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message



def check_path(path: str) -> str:
    if not isinstance(path, str) or not path.strip():
        raise InvalidInput("a file has an empty path: send paths such as terraform/main.tf")
    if "\\" in path or "\x00" in path:
        raise InvalidInput(f"{path!r}: use '/' as separator and no NUL characters")
    parts = path.split("/")
    if path.startswith("/") or (len(parts[0]) == 2 and parts[0][1] == ":"):
        raise InvalidInput(f"{path!r}: paths must be relative to the bundle root, e.g. terraform/main.tf")
    if ".." in parts:
        raise InvalidInput(f"{path!r}: '..' is not allowed in paths")
    if any(part in ("", ".") for part in parts):
        raise InvalidInput(f"{path!r}: empty or '.' path segments are not allowed")
    return path


#: Control characters no text config contains (tab, newlines, form feed are fine).
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def check_text(path: str, content: Any) -> str:
    if isinstance(content, (bytes, bytearray)):
        try:
            content = bytes(content).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{path}: binary data is not accepted; send UTF-8 text files only") from None
    if not isinstance(content, str):
        raise InvalidInput(f"{path}: content must be text")
    if _BINARY.search(content):
        raise InvalidInput(f"{path}: binary data (control characters) is not accepted; send UTF-8 text files only")
    return content


def _encoded_size(path: str, content: str) -> int:
    try:
        return len(content.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInput(f"{path}: not valid UTF-8 text (lone surrogate characters)") from None


def check_file_count(count: int) -> None:
    if count > MAX_FILES:
        raise InvalidInput(f"{count} files sent; at most {MAX_FILES} per scan")


def check_limits(files: list[GeneratedFile]) -> None:
    check_file_count(len(files))
    total = 0
    seen: set[str] = set()
    for file in files:
        check_path(file.path)
        check_text(file.path, file.content)
        if file.path in seen:
            raise InvalidInput(f"{file.path}: sent twice; every path must be unique")
        seen.add(file.path)
        size = _encoded_size(file.path, file.content)
        if size > MAX_FILE_BYTES:
            raise InvalidInput(f"{file.path}: {size} bytes; the limit is {MAX_FILE_BYTES} bytes per file")
        total += size
    if total > MAX_TOTAL_BYTES:
        raise InvalidInput(f"{total} bytes in total; the limit is {MAX_TOTAL_BYTES} bytes per scan")


TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars")

#: Why a Helm chart's files are left out (checkov's Helm runner needs the helm binary;
#: its templates are Go templates, not Kubernetes YAML, until rendered).
HELM_NOT_SCANNED = "Helm chart, render it first (helm template) and send the rendered manifests"


def helm_chart_roots(paths: Iterable[str]) -> set[str]:
    """Folders holding a ``Chart.yaml`` ("" for the upload's root): everything under one is a chart."""
    roots = set()
    for path in paths:
        folder, _, name = path.rpartition("/")
        if name in ("Chart.yaml", "Chart.yml"):
            roots.add(folder)
    return roots


def in_helm_chart(path: str, roots: set[str]) -> bool:
    return any(root == "" or path.startswith(root + "/") for root in roots)


def kind_for_path(path: str) -> FileKind:
    """Which scanner a raw upload goes to, from its path."""
    name = path.rsplit("/", 1)[-1]
    lower = name.lower()
    if lower.endswith(TERRAFORM_SUFFIXES):
        return FileKind.terraform
    if lower == "dockerfile" or lower.startswith("dockerfile.") or lower.endswith(".dockerfile"):
        return FileKind.dockerfile
    if lower.endswith((".yaml", ".yml")):
        if path.startswith(".github/workflows/") or "/.github/workflows/" in path:
            return FileKind.github_actions
        return FileKind.kubernetes
    raise InvalidInput(
        f"{path}: unsupported file type; send Terraform (.tf, .tf.json, .tfvars), Kubernetes YAML (.yaml/.yml), "
        "GitHub Actions workflows (.github/workflows/*.yml) or a Dockerfile"
    )


def _yaml_documents(path: str, content: str) -> list[Any]:
    try:
        return list(yaml.load_all(content, Loader=_YamlLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InvalidInput(f"{path}: invalid YAML{where}: {exc.problem or exc}; fix the indentation or quoting there") from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{path}: invalid YAML: {exc}") from None


_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_yaml(file: GeneratedFile) -> None:
    """checkov drops unparsable or non-Kubernetes YAML without a word: refuse it instead."""
    documents = [d for d in _yaml_documents(file.path, file.content) if d is not None]
    if file.kind is FileKind.kubernetes:
        objects = [d for d in documents if isinstance(d, dict) and d.get("apiVersion") and d.get("kind")]
        if not objects:
            raise InvalidInput(
                f"{file.path}: no Kubernetes object found; every document needs apiVersion, kind and metadata"
            )
    elif file.kind is FileKind.github_actions:
        if not any(isinstance(d, dict) and "jobs" in d for d in documents):
            raise InvalidInput(f"{file.path}: not a GitHub Actions workflow (no jobs)")


def hcl_error(path: str, content: str) -> str:
    """checkov's report lists the files it could not parse but not why: ask the parser."""
    if path.endswith(".json"):
        try:
            json.loads(content)
        except ValueError as exc:
            return f"{path}: invalid JSON: {exc}"
        return f"{path}: checkov could not read this Terraform JSON file"
    import hcl2

    try:
        hcl2.loads(content)
    except Exception as exc:  # noqa: BLE001 - lark raises many exception types
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"{path}: invalid HCL: {detail}; check for an unclosed block, bracket or quote there"
    return f"{path}: checkov could not parse this Terraform file"



def admit(files: Any) -> tuple[list[GeneratedFile], list[tuple[str, str]]]:
    """Raw uploads (path -> text) as typed files, and the (path, reason) of each left out (Helm).

    The first layer every upload passes; anything it cannot take is an ``InvalidInput``
    (tests/policy/test_policy_input_properties.py holds it to that for arbitrary input).
    """
    if not isinstance(files, Mapping) or not files:
        raise InvalidInput("send at least one file as {path: content}")
    check_file_count(len(files))
    charts = helm_chart_roots(path for path in files if isinstance(path, str))
    generated: list[GeneratedFile] = []
    not_scanned: list[tuple[str, str]] = []
    for path, content in files.items():
        path = check_path(path)
        text = check_text(path, content)
        if in_helm_chart(path, charts):  # any file of a chart: templates, helpers, NOTES.txt
            not_scanned.append((path, HELM_NOT_SCANNED))
            continue
        try:
            generated.append(GeneratedFile(path=path, kind=kind_for_path(path), content=text))
        except ValidationError as exc:
            raise InvalidInput(f"{path}: {exc.errors()[0]['msg']}") from None
    return generated, not_scanned


def parse_persona(persona: Persona | str) -> Persona:
    try:
        return Persona(persona)
    except ValueError:
        raise InvalidInput(f"unknown persona {persona!r}; use one of {', '.join(p.value for p in Persona)}") from None


def neutralise_suppressions(content: str) -> str:
    if "skip" not in content:
        return content
    for marker in _SUPPRESSIONS:
        content = content.replace(marker, marker.replace("skip", "ignored-skip"))
    return content

