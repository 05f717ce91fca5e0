"""Static validation of Terraform files, without a terraform binary.

Checks, each reported as `file:line: message`:
- HCL syntax (python-hcl2 parse errors, with the line the parser stopped at);
- references resolve: `var.x`, `local.x`, `module.x` are declared in the same
  directory, and `module.x.y` names an output of that module;
- module calls: a local source exists, every input without a default is given, and no
  argument names an input the module does not declare;
- regions: the region of an aws/google provider, and the location of azurerm
  resources and module calls, is a region the intent contract knows.

Line numbers come from a masked copy of the source in which comments and literal
string text are blanked out (interpolations stay visible), so a `${` escaped as
`$${` or a `var.x` inside a comment is never taken for a reference.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken, VisitError
from pydantic import BaseModel, ConfigDict

from services.terraform import hcl
from shared.contracts.artifacts import ArtifactBundle
from shared.contracts.intent import REGIONS


class ValidationIssue(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


MODULE_META_ARGUMENTS = frozenset({"source", "version", "providers", "count", "for_each", "depends_on"})
_PROVIDER_REGION_CLOUD = {"aws": "aws", "google": "gcp"}
_REFERENCE = re.compile(r"(?<![\w.])(var|local|module)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
_BLOCK_HEADER = re.compile(r'^[ \t]*([A-Za-z_][\w-]*)((?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))*)[ \t]*\{', re.M)
_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][\w-]*)\r?\n")


def validate_bundle(bundle: ArtifactBundle) -> list[ValidationIssue]:
    return validate_files({f.path: f.content for f in bundle.files if f.path.endswith(".tf")})


def validate_directory(root: Path) -> list[ValidationIssue]:
    """Validate every .tf file under `root` (paths in issues are relative to it)."""
    files = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.tf"))}
    return validate_files(files)


def validate_files(files: Mapping[str, str]) -> list[ValidationIssue]:
    """Validate .tf files given as relative path -> content; directories are modules."""
    issues: list[ValidationIssue] = []
    sources: dict[str, _Source] = {}
    for path in sorted(files):
        try:
            sources[path] = _parsed_source(path, files[path])
        except UnexpectedInput as error:
            issues.append(ValidationIssue(file=path, line=max(error.line, 1), message=_syntax_message(error)))
        except VisitError as error:  # python-hcl2 transformer errors, e.g. an unclosed %{ if }
            meta = getattr(error.obj, "meta", None)
            line = getattr(meta, "line", 1) if meta is not None and not meta.empty else 1
            issues.append(ValidationIssue(file=path, line=line, message=f"HCL syntax error: {error.orig_exc}"))
    modules = _collect_modules(sources.values())
    for directory in sorted(modules):
        issues += _check_module(modules[directory], modules)
    return sorted(issues, key=lambda i: (i.file, i.line, i.message))


# --- source text with positions ---------------------------------------------------------


@lru_cache(maxsize=512)
def _parsed_source(path: str, text: str) -> _Source:
    """Parsing dominates validation; catalog modules repeat in every bundle, so parse each
    (path, text) once per process. A `_Source` is only read after construction."""
    return _Source(path, text, hcl.loads(text))


@dataclass
class _Block:
    type: str
    labels: list[str]
    start: int  # offset of the header
    body_start: int  # offset just after `{`
    body_end: int  # offset of the matching `}`


class _Source:
    """One parsed file, plus a masked copy of its text for locating things by line."""

    def __init__(self, path: str, text: str, parsed: dict[str, Any]) -> None:
        self.path = path
        self.text = text
        self.parsed = parsed
        self.masked = _mask(text)
        self.depth = _brace_depths(self.masked)
        self.blocks = list(self._top_level_blocks())

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + 1

    def issue(self, offset: int, message: str) -> ValidationIssue:
        return ValidationIssue(file=self.path, line=self.line_of(offset), message=message)

    def find_block(self, type_: str, *labels: str) -> _Block | None:
        return next((b for b in self.blocks if b.type == type_ and b.labels[: len(labels)] == list(labels)), None)

    def attribute_offset(self, block: _Block, name: str) -> int:
        """Offset of `name =` directly inside `block` (the block header if absent)."""
        pattern = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*=(?!=)", re.M)
        inner = self.depth[block.body_start]
        for match in pattern.finditer(self.masked, block.body_start, block.body_end):
            if self.depth[match.start()] == inner:
                return match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        return block.start

    def references(self) -> Iterator[tuple[str, str, str | None, int]]:
        for match in _REFERENCE.finditer(self.masked):
            yield match.group(1), match.group(2), match.group(3), match.start()

    def _top_level_blocks(self) -> Iterator[_Block]:
        for match in _BLOCK_HEADER.finditer(self.masked):
            if self.depth[match.start()] != 0:
                continue
            labels = re.findall(r'"([^"\n]*)"|([A-Za-z_][\w-]*)', self.text[match.start(2) : match.end(2)])
            body_start = match.end()
            yield _Block(
                type=match.group(1),
                labels=[quoted or bare for quoted, bare in labels],
                start=match.start() + len(match.group(0)) - len(match.group(0).lstrip()),
                body_start=body_start,
                body_end=_matching_brace(self.masked, body_start),
            )


def _mask(text: str) -> str:
    """Blank out comments and literal template text, keeping offsets and newlines.

    Interpolation and directive bodies stay as code; their `${`/`%{` opener and
    closing `}` are blanked too, so braces left in the masked text are code braces.
    """
    out = list(text)
    stack: list[list[Any]] = []  # ["str"] | ["heredoc", marker] | ["interp", depth]
    i, n = 0, len(text)

    def blank(start: int, end: int) -> None:
        for k in range(start, min(end, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        top = stack[-1] if stack else None
        if top is None or top[0] == "interp":
            if text[i] == "#" or text.startswith("//", i):
                end = text.find("\n", i)
                end = n if end < 0 else end
                blank(i, end)
                i = end
            elif text.startswith("/*", i):
                end = text.find("*/", i + 2)
                end = n if end < 0 else end + 2
                blank(i, end)
                i = end
            elif text[i] == '"':
                stack.append(["str"])
                i += 1
            elif (heredoc := _HEREDOC_START.match(text, i)) is not None:
                stack.append(["heredoc", heredoc.group(1)])
                i = heredoc.end()
            elif top is not None and text[i] == "{":
                top[1] += 1
                i += 1
            elif top is not None and text[i] == "}":
                if top[1] == 0:
                    stack.pop()
                    blank(i, i + 1)
                else:
                    top[1] -= 1
                i += 1
            else:
                i += 1
            continue
        if top[0] == "heredoc" and (i == 0 or text[i - 1] == "\n"):
            end = text.find("\n", i)
            end = n if end < 0 else end
            if text[i:end].strip() == top[1]:
                stack.pop()
                i = end
                continue
        if top[0] == "str" and text[i] == "\\":
            blank(i, i + 2)
            i += 2
        elif top[0] == "str" and text[i] == '"':
            stack.pop()
            i += 1
        elif text.startswith(("$${", "%%{"), i):
            blank(i, i + 3)
            i += 3
        elif text.startswith(("${", "%{"), i):
            blank(i, i + 2)
            stack.append(["interp", 0])
            i += 2
        else:
            blank(i, i + 1)
            i += 1
    return "".join(out)


def _brace_depths(masked: str) -> list[int]:
    """depth[i] = number of code braces open before offset i."""
    depths, depth = [], 0
    for char in masked:
        depths.append(depth)
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
    depths.append(depth)
    return depths


def _matching_brace(masked: str, body_start: int) -> int:
    depth = 1
    for offset in range(body_start, len(masked)):
        if masked[offset] == "{":
            depth += 1
        elif masked[offset] == "}":
            depth -= 1
            if depth == 0:
                return offset
    return len(masked)


def _syntax_message(error: UnexpectedInput) -> str:
    if isinstance(error, UnexpectedCharacters):
        found = f"unexpected character {error.char!r}"
    elif isinstance(error, UnexpectedToken) and str(error.token.value).strip():
        found = f"unexpected {str(error.token.value).strip()[:30]!r}"
    else:
        found = "unexpected end of input (an unclosed block, string or bracket?)"
    return f"HCL syntax error at column {error.column}: {found}"


# --- declarations per module directory ---------------------------------------------------


@dataclass
class _Declaration:
    source: _Source
    offset: int
    body: dict[str, Any]


@dataclass
class _Module:
    directory: str
    sources: list[_Source] = field(default_factory=list)
    variables: dict[str, _Declaration] = field(default_factory=dict)
    locals: dict[str, _Declaration] = field(default_factory=dict)
    calls: dict[str, _Declaration] = field(default_factory=dict)
    outputs: dict[str, _Declaration] = field(default_factory=dict)
    duplicates: list[ValidationIssue] = field(default_factory=list)


def _collect_modules(sources: Iterable[_Source]) -> dict[str, _Module]:
    modules: dict[str, _Module] = {}
    for source in sources:
        directory = posixpath.dirname(source.path)
        module = modules.setdefault(directory, _Module(directory))
        module.sources.append(source)
        for kind, table in (("variable", module.variables), ("module", module.calls), ("output", module.outputs)):
            for entry in source.parsed.get(kind, []):
                for label, body in entry.items():
                    name = _unquote(label)
                    block = source.find_block(kind, name)
                    _declare(module, table, kind, name, _Declaration(source, block.start if block else 0, body))
        local_blocks = iter(b for b in source.blocks if b.type == "locals")
        for entry in source.parsed.get("locals", []):
            block = next(local_blocks, None)
            for name in entry:
                if not name.startswith("__"):
                    offset = source.attribute_offset(block, name) if block else 0
                    _declare(module, module.locals, "local", name, _Declaration(source, offset, {}))
    return modules


def _declare(module: _Module, table: dict[str, _Declaration], kind: str, name: str, new: _Declaration) -> None:
    if name in table:
        first = table[name]
        where = f"{first.source.path}:{first.source.line_of(first.offset)}"
        module.duplicates.append(new.source.issue(new.offset, f"{kind} {name!r} is declared twice (first at {where})"))
    else:
        table[name] = new


def _check_module(module: _Module, modules: dict[str, _Module]) -> list[ValidationIssue]:
    issues = list(module.duplicates)
    for source in module.sources:
        for kind, name, attribute, offset in source.references():
            issues += _check_reference(module, modules, source, kind, name, attribute, offset)
    for name, call in module.calls.items():
        issues += _check_call(module, modules, name, call)
    for source in module.sources:
        issues += _check_regions(module, source)
    return issues


def _check_reference(
    module: _Module, modules: dict[str, _Module], source: _Source, kind: str, name: str, attribute: str | None, offset: int
) -> list[ValidationIssue]:
    if kind == "var" and name not in module.variables:
        return [source.issue(offset, f"reference to undeclared variable var.{name}")]
    if kind == "local" and name not in module.locals:
        return [source.issue(offset, f"reference to undeclared local value local.{name}")]
    if kind == "module":
        if name not in module.calls:
            return [source.issue(offset, f"reference to undeclared module module.{name}")]
        child = modules.get(_child_directory(module, module.calls[name]) or "")
        if child is not None and attribute is not None and attribute not in child.outputs:
            return [source.issue(offset, f"module {name!r} has no output {attribute!r}")]
    return []


def _child_directory(module: _Module, call: _Declaration) -> str | None:
    """Directory of a local module source (./ or ../), or None for registry/remote sources."""
    raw = call.body.get("source")
    source = _unquote(raw) if isinstance(raw, str) and raw.startswith('"') else None
    if source is None or not source.startswith(("./", "../")):
        return None
    return posixpath.normpath(posixpath.join(module.directory, source))


def _check_call(module: _Module, modules: dict[str, _Module], name: str, call: _Declaration) -> list[ValidationIssue]:
    source, block = call.source, call.source.find_block("module", name)
    offset = block.start if block else call.offset
    if "source" not in call.body:
        return [source.issue(offset, f"module {name!r} has no source")]
    directory = _child_directory(module, call)
    if directory is None:
        return []
    child = modules.get(directory)
    if child is None:
        return [source.issue(offset, f"module {name!r}: source {_unquote(call.body['source'])} has no .tf files")]
    given = {arg for arg in call.body if not arg.startswith("__")} - MODULE_META_ARGUMENTS
    issues = []
    missing = sorted(v for v, d in child.variables.items() if "default" not in d.body and v not in given)
    if missing:
        issues.append(source.issue(offset, f"module {name!r} is missing required input(s): {', '.join(missing)}"))
    for arg in sorted(given - set(child.variables)):
        where = source.attribute_offset(block, arg) if block else offset
        issues.append(source.issue(where, f"module {name!r} has no input {arg!r} (module {directory})"))
    return issues


def _check_regions(module: _Module, source: _Source) -> list[ValidationIssue]:
    issues = []
    for entry in source.parsed.get("provider", []):
        for label, body in entry.items():
            provider = _unquote(label)
            if provider not in _PROVIDER_REGION_CLOUD:
                continue
            block = source.find_block("provider", provider)
            if "region" not in body:
                issues.append(source.issue(block.start if block else 0, f"provider {provider!r} sets no region"))
                continue
            issue = _region_issue(module, source, block, "region", body["region"], _PROVIDER_REGION_CLOUD[provider])
            issues += [issue] if issue else []
    locations: list[tuple[_Block | None, Any]] = []
    for entry in source.parsed.get("resource", []):
        for type_label, named in entry.items():
            if _unquote(type_label).startswith("azurerm_"):
                for name_label, body in named.items():
                    block = source.find_block("resource", _unquote(type_label), _unquote(name_label))
                    locations.append((block, body.get("location")))
    # A module's `location` is an Azure region only where azurerm is the provider
    # (a GCS bucket location may be a multi-region such as ASIA).
    if _uses_provider(module, "azurerm"):
        for name, call in module.calls.items():
            if call.source is source:
                locations.append((source.find_block("module", name), call.body.get("location")))
    for block, value in locations:
        if value is not None:
            issue = _region_issue(module, source, block, "location", value, "azure")
            issues += [issue] if issue else []
    return issues


def _uses_provider(module: _Module, provider: str) -> bool:
    return any(f'"{provider}"' in entry for source in module.sources for entry in source.parsed.get("provider", []))


def _region_issue(
    module: _Module, source: _Source, block: _Block | None, attribute: str, value: Any, cloud: str
) -> ValidationIssue | None:
    region, origin = _resolve_literal(module, value)
    if region is None or region in REGIONS[cloud]:
        return None
    offset = source.attribute_offset(block, attribute) if block else 0
    known = ", ".join(sorted(REGIONS[cloud]))
    return source.issue(offset, f"{attribute} {region!r}{origin} is not a known {cloud} region (one of: {known})")


def _resolve_literal(module: _Module, value: Any) -> tuple[str | None, str]:
    """(value, where it came from) for a string literal or a `var.x` with a literal
    default; (None, "") when the value cannot be known statically."""
    if isinstance(value, str) and value.startswith('"') and "${" not in value.replace("$${", ""):
        return _unquote(value), ""
    match = re.fullmatch(r"\$\{var\.([A-Za-z_][\w-]*)\}", value) if isinstance(value, str) else None
    if match and match.group(1) in module.variables:
        declaration = module.variables[match.group(1)]
        default = declaration.body.get("default")
        if isinstance(default, str) and default.startswith('"'):
            where = f"{declaration.source.path}:{declaration.source.line_of(declaration.offset)}"
            return _unquote(default), f" (default of var.{match.group(1)}, {where})"
    return None, ""


def _unquote(label: str) -> str:
    if len(label) >= 2 and label[0] == '"' and label[-1] == '"':
        return label[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return label
