"""Limits on the *shape* of an upload, checked before any parser builds it.

Size limits alone do not protect a worker: 400 bytes of YAML aliases expand to
gigabytes when a loader builds them (each level of ``&a [*b, *b, ...]`` multiplies),
and a valid 254 KB file nested 500 levels deep makes checkov's recursive deep copies
raise ``RecursionError``. Both are measured here on a stream that builds nothing:

* YAML: libyaml's event stream (``yaml.parse``) names anchors and aliases without
  expanding them. The count of aliases, the number of nodes the document would have
  once every alias is expanded, and the nesting depth are computed from it.
* Terraform (HCL and JSON): the nesting of brackets and braces, outside strings,
  comments and heredocs.

Limits (per file; documented in the README's policy section):

* ``MAX_YAML_ALIASES`` aliases (Kubernetes manifests and workflows rarely use any);
* ``MAX_YAML_EXPANDED_NODES`` nodes after alias expansion (a 1 MB manifest has far
  fewer than this without aliases);
* ``MAX_NESTING`` levels of nesting: checkov's recursion (deep copies, the graph's
  attribute flattening) needs several frames per level, and Python's default limit is
  1000 frames; no real manifest or module needs more than a few dozen levels.

Each refusal is an ``InvalidInput`` naming the file and the line.
"""

from __future__ import annotations

import re

import yaml

from services.policy.inputs import TERRAFORM_SUFFIXES, InvalidInput, check_yaml
from shared.contracts.artifacts import FileKind, GeneratedFile

MAX_YAML_ALIASES = 100
MAX_YAML_EXPANDED_NODES = 200_000
MAX_NESTING = 64

try:  # PyYAML 6 keeps libyaml's parser in yaml.cyaml (``yaml.CParser`` does not exist)
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - libyaml is part of the pinned PyYAML wheels
    _Parser = None


def check_structure(file: GeneratedFile) -> None:
    """Everything checked of one typed file before checkov reads it (an ``InvalidInput`` otherwise)."""
    if file.kind in (FileKind.kubernetes, FileKind.github_actions):
        check_yaml_structure(file.path, file.content)  # before any loader builds it
        check_yaml(file)
    elif file.kind is FileKind.terraform:
        if not file.path.lower().endswith(TERRAFORM_SUFFIXES):
            raise InvalidInput(f"{file.path}: marked terraform but checkov only reads {', '.join(TERRAFORM_SUFFIXES)}")
        check_terraform_structure(file.path, file.content)


def check_yaml_structure(path: str, content: str) -> None:
    """Refuse alias bombs and deep nesting in a YAML file, from its events only."""
    aliases = 0
    anchors: dict[str, int] = {}  # anchor -> expanded node count of the node it names
    # One frame per open collection: [expanded node count so far, anchor or None].
    stack: list[list] = []
    expanded_total = 0

    def finished(size: int, anchor: str | None) -> None:
        nonlocal expanded_total
        if anchor:
            anchors[anchor] = size
        if stack:
            stack[-1][0] += size
        else:
            expanded_total += size

    try:
        events = yaml.parse(content, Loader=_loader())
        for event in events:
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    raise InvalidInput(
                        f"{path}: more than {MAX_YAML_ALIASES} YAML aliases (line {_line(event)}); "
                        "write the values out instead of repeating anchors"
                    )
                finished(anchors.get(event.anchor, 1), None)
            elif isinstance(event, yaml.ScalarEvent):
                finished(1, event.anchor)
            elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                stack.append([1, event.anchor])
                if len(stack) > MAX_NESTING:
                    raise InvalidInput(
                        f"{path}: nested more than {MAX_NESTING} levels deep at line {_line(event)}; "
                        "flatten the structure"
                    )
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                size, anchor = stack.pop()
                finished(size, anchor)
            else:
                continue
            current = expanded_total + sum(frame[0] for frame in stack)
            if current > MAX_YAML_EXPANDED_NODES:
                raise InvalidInput(
                    f"{path}: expands to more than {MAX_YAML_EXPANDED_NODES} YAML nodes once its aliases are resolved "
                    f"(line {_line(event)}, {aliases} aliases so far); write the values out instead of repeating anchors"
                )
    except yaml.YAMLError:
        return  # not YAML at all: the loader reports the error with its line and column


def _loader():
    if _Parser is not None:
        return _Parser
    return yaml.SafeLoader  # pragma: no cover - libyaml is part of the pinned PyYAML wheels


def _line(event: yaml.Event) -> int:
    return event.start_mark.line + 1 if event.start_mark else 0


#: Tokens of HCL/JSON that matter for nesting: strings, comments, heredoc openers, brackets.
_HCL_TOKEN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'  # a string (HCL templates inside are not nesting: ${...} is balanced text)
    r"|#[^\n]*|//[^\n]*|/\*.*?\*/"  # comments
    r"|<<-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*\n"  # a heredoc opener (its body is skipped below)
    r"|[\[{(]|[\]})]|\n",
    re.S,
)


def check_terraform_structure(path: str, content: str) -> None:
    """Refuse Terraform (HCL or JSON) nested deeper than ``MAX_NESTING`` levels."""
    depth = 0
    line = 1
    position = 0
    while True:
        match = _HCL_TOKEN.search(content, position)
        if match is None:
            return
        token = match.group(0)
        position = match.end()
        if token == "\n":
            line += 1
        elif token in "[{(":
            depth += 1
            if depth > MAX_NESTING:
                raise InvalidInput(f"{path}: nested more than {MAX_NESTING} levels deep at line {line}; flatten the structure")
        elif token in "]})":
            depth = max(depth - 1, 0)
        elif match.group(1):  # heredoc: skip to the line holding only its marker
            line += token.count("\n")
            end = re.compile(rf"^\s*{re.escape(match.group(1))}\s*$", re.M).search(content, position)
            if end is None:
                return  # unterminated: the parser reports it
            line += content.count("\n", position, end.end())
            position = end.end()
        else:
            line += token.count("\n")
