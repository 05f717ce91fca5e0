"""Canonical form of a Terraform config: one scan for every config that differs only in names.

Two requests for "a private logs bucket" differ in the bucket name, the stack tag and
the module call's name, and nothing checkov looks at. Scanning each from scratch
costs a full checkov Terraform run (a few hundred milliseconds for EKS + VPC); the
verdict is the same. So before the scan, the guardrail engine rewrites the values
that only *name* things into placeholders and caches the Terraform findings by the
hash of that canonical text. A new request with new names then costs a cache lookup.

What is rewritten, and why each is safe:

* **Label inputs of vetted module calls.** A module call whose source folder holds
  exactly the ``.tf`` files of a catalog module (byte for byte: ``VettedCatalog``)
  gets its label inputs (``label:`` in the catalog's ``module.yaml``) replaced, but
  only when the value is a plain string literal the label's pattern accepts (the same
  pattern as the module's own variable validation, so nothing like ``*`` or an
  interpolation). ``tests/policy/test_policy_labels.py`` scans every module with
  different label values and proves the findings do not change.
* **Names of those module calls** (``module "bucket_logs"`` → ``module "canonical_0"``,
  and every ``module.bucket_logs`` reference in the same folder), mapped back on the
  findings' resource addresses.
* **Output block names** of that folder: outputs are never checked.
* **Provider default tags / labels values** (``default_tags { tags = {...} }``,
  ``default_labels = {...}``): checkov 3.3.30 never reads them.

Equal values get equal placeholders, so a config where two names coincide keeps that
property; a label value that also stands anywhere else (a root resource naming the
bucket, a literal in the module) leaves the folder as it is. Anything else unexpected (a label on two lines, a reference that cannot be
rewritten, placeholder text already present) leaves that folder as it was: the cost
of doubt is one uncached scan, never a wrong verdict. Line numbers never change, so
findings keep their file and line range.
"""

from __future__ import annotations

import hashlib
import logging
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import hcl2

from shared.catalog import load_catalog

log = logging.getLogger(__name__)

#: Placeholder stem; a folder that already contains it is left alone.
_PLACEHOLDER = "canonlabel"
_MODULE_PREFIX = "canonical_"
_OUTPUT_PREFIX = "canonical_output_"
_TAG_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/=+@-]{0,62}$")
_MODULE_CALL = re.compile(r'^(\s*module\s+")([^"]+)("\s*\{\s*)$')
_OUTPUT = re.compile(r'^(\s*output\s+")([^"]+)("\s*\{.*)$', re.MULTILINE)
_IDENTIFIER = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class VettedModule:
    """A catalog module as the guardrail service trusts it."""

    name: str
    labels: Mapping[str, re.Pattern[str]]
    accepted_checks: Mapping[str, str]  # checkov id -> why the catalog accepts it
    texts: tuple[str, ...] = ()  # its Terraform files


def files_digest(files: Mapping[str, str]) -> str:
    """sha256 over (name, content) pairs, length-prefixed so no two file sets collide."""
    digest = hashlib.sha256()
    for name in sorted(files):
        for part in (name, files[name]):
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
    return digest.hexdigest()


class VettedCatalog:
    """Recognises unmodified copies of catalog modules inside a bundle."""

    def __init__(self, modules: Iterable[Any]) -> None:
        self._by_digest: dict[str, VettedModule] = {}
        for module in modules:
            vetted = VettedModule(
                name=module.name,
                labels={i.name: re.compile(i.label) for i in module.inputs if i.label},
                accepted_checks={c.id: c.reason for c in module.accepted_checks},
                texts=tuple(module.files.values()),
            )
            self._by_digest[files_digest(module.files)] = vetted

    @classmethod
    def from_catalog(cls) -> VettedCatalog:
        return cls(load_catalog().values())

    def __len__(self) -> int:
        return len(self._by_digest)

    def identify(self, files: Mapping[str, str]) -> dict[str, VettedModule]:
        """Bundle folder -> vetted module, for every folder whose Terraform files are a catalog module's."""
        by_dir: dict[str, dict[str, str]] = {}
        for path, content in files.items():
            folder, name = posixpath.split(path)
            by_dir.setdefault(folder, {})[name] = content
        found = {}
        for folder, folder_files in by_dir.items():
            module = self._by_digest.get(files_digest(folder_files))
            if module is not None:
                found[folder] = module
        return found


@dataclass
class CanonicalFiles:
    """The files to scan (Terraform rewritten, anything else as sent), and how to read the findings back."""

    files: dict[str, str]
    vetted: dict[str, VettedModule] = field(default_factory=dict)
    module_names: dict[str, str] = field(default_factory=dict)  # canonical call name -> original

    def original_resource(self, resource: str) -> str:
        """``module.canonical_0.aws_s3_bucket.this`` -> ``module.bucket_logs.aws_s3_bucket.this``."""
        if _MODULE_PREFIX not in resource:
            return resource
        return re.sub(
            rf"(?<![\w.-])module\.({_MODULE_PREFIX}\d+)(?![\w-])",
            lambda m: f"module.{self.module_names.get(m.group(1), m.group(1))}",
            resource,
        )

    def vetted_module_of(self, file: str) -> VettedModule | None:
        return self.vetted.get(posixpath.dirname(file))


class _LeaveAlone(Exception):
    """This folder is not rewritten (see the module docstring)."""


@lru_cache(maxsize=256)
def _parse(text: str) -> dict[str, Any]:
    return hcl2.loads(text)


def canonicalize(files: Mapping[str, str], catalog: VettedCatalog) -> CanonicalFiles:
    """``files``: bundle path -> content of every Terraform file of a bundle."""
    vetted = catalog.identify(files)
    result = CanonicalFiles(files=dict(files), vetted=vetted)
    if not vetted:
        return result
    by_dir: dict[str, list[str]] = {}
    for path in sorted(files):
        by_dir.setdefault(posixpath.dirname(path), []).append(path)
    for folder, paths in by_dir.items():
        if folder in vetted or not all(p.endswith(".tf") for p in paths):
            continue
        try:
            rewritten, names = _canonical_folder(
                folder, {p: files[p] for p in paths}, vetted, first=len(result.module_names)
            )
        except _LeaveAlone:
            continue
        except Exception:  # noqa: BLE001 - odd but parseable HCL: scan it as sent, never fail here
            log.debug("canonical form of %s skipped", folder, exc_info=True)
            continue
        result.files.update(rewritten)
        result.module_names.update(names)
    return result


def _canonical_folder(
    folder: str, texts: dict[str, str], vetted: Mapping[str, VettedModule], first: int = 0
) -> tuple[dict[str, str], dict[str, str]]:
    """Rewrite one root folder; call names are numbered from ``first`` so that they stay
    unique across the bundle (findings name a resource, not its root folder)."""
    if any(_PLACEHOLDER in t or _MODULE_PREFIX in t for t in texts.values()):
        raise _LeaveAlone
    try:
        parsed = {path: _parse(text) for path, text in texts.items()}
    except Exception:  # noqa: BLE001 - the scan reports the syntax error with its line
        raise _LeaveAlone from None
    placeholders: dict[str, str] = {}

    def placeholder(value: str) -> str:
        return placeholders.setdefault(value, f"{_PLACEHOLDER}{len(placeholders)}")

    lines = {path: text.split("\n") for path, text in texts.items()}
    renames: dict[str, str] = {}  # original call name -> canonical
    called: dict[str, None] = {}  # texts of the vetted modules called, each once (a module called 8 times is one text)
    label_values: set[str] = set()
    for path in sorted(parsed):
        for call in parsed[path].get("module", []):
            for name, body in call.items():
                module = _vetted_source(folder, body, vetted)
                if module is None:
                    continue
                start, end = body["__start_line__"], body["__end_line__"]
                head = _MODULE_CALL.match(lines[path][start - 1])
                if head is None or head.group(2) != name:
                    raise _LeaveAlone
                called.update(dict.fromkeys(module.texts))
                canonical = f"{_MODULE_PREFIX}{first + len(renames)}"
                renames[name] = canonical
                lines[path][start - 1] = f"{head.group(1)}{canonical}{head.group(3)}"
                for argument, pattern in module.labels.items():
                    value = _single_string(body.get(argument))
                    if value is not None and pattern.match(value):
                        replacement = placeholder(value)
                        label_values.add(value)
                        if pattern.match(replacement):
                            _replace_value(lines[path], start, end, argument, value, replacement)
        for provider in parsed[path].get("provider", []):
            for body in provider.values():
                for tags in _provider_tag_maps(body):
                    for key, value in tags.items():
                        if isinstance(value, str) and _TAG_VALUE.match(value):
                            _replace_value(lines[path], body["__start_line__"], body["__end_line__"],
                                           key, value, placeholder(value), quoted_key=True)
    if not renames:
        raise _LeaveAlone
    rewritten = {}
    outputs = 0
    references = _ReferenceRenamer(renames)
    for path in sorted(lines):
        text = references.rename("\n".join(lines[path]))

        def output_name(match: re.Match[str]) -> str:
            nonlocal outputs
            outputs += 1
            return f"{match.group(1)}{_OUTPUT_PREFIX}{outputs - 1}{match.group(3)}"

        text = _OUTPUT.sub(output_name, text)
        if references.left_in(text):
            raise _LeaveAlone  # pragma: no cover - the substitution above removed them all
        rewritten[path] = text
    _check_no_value_left(label_values, rewritten.values(), called.keys())
    return rewritten, {canonical: original for original, canonical in renames.items()}


def _check_no_value_left(values: Iterable[str], *texts: Iterable[str]) -> None:
    """A replaced label value must not stand anywhere else, in the folder or in the
    modules it calls: otherwise the raw config links two places by an equal value and
    the canonical one would not (the cost is one uncached scan). Default tag values are
    exempt: checkov never reads them, so nothing can be linked through them."""
    values = sorted(set(values))
    if not values:
        return
    # one pattern for all values: a search finds a match exactly when one value's would
    token = re.compile(rf"(?<![\w.-])(?:{'|'.join(map(re.escape, values))})(?![\w.-])")
    if any(token.search(text) for group in texts for text in group):
        raise _LeaveAlone


def _vetted_source(folder: str, body: Mapping[str, Any], vetted: Mapping[str, VettedModule]) -> VettedModule | None:
    source = _single_string(body.get("source"))
    if source is None or not source.startswith(("./", "../")):
        return None
    return vetted.get(posixpath.normpath(posixpath.join(folder, source)))


def _single_string(value: Any) -> str | None:
    """A plain string literal (hcl2 wraps attribute values in a list); None for anything else."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and "${" not in value and "%{" not in value and '"' not in value and "\\" not in value:
        return value
    return None


def _provider_tag_maps(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    maps = []
    for block in body.get("default_tags", []) or []:
        for tags in block.get("tags", []) if isinstance(block, dict) else []:
            if isinstance(tags, dict):
                maps.append(tags)
    for labels in body.get("default_labels", []) or []:
        if isinstance(labels, dict):
            maps.append(labels)
    return maps


class _ReferenceRenamer:
    """Every ``module.<call name>`` reference of a folder renamed to its canonical name.

    One pattern for all names when every name is made of ``[A-Za-z0-9_-]`` (Terraform's
    own identifiers): then two names' matches can neither overlap nor meet at one
    position, and a canonical name cannot form an original one (the folder holds no
    ``canonical_`` text), so one pass equals renaming the names one after the other.
    Other names are renamed one after the other, as the names were called. A new
    stack's names are new to ``re``'s pattern cache: one compiled pattern instead of
    one per name is most of this function's cost.
    """

    def __init__(self, renames: Mapping[str, str]) -> None:
        self.renames = dict(renames)
        if all(_IDENTIFIER.fullmatch(name) for name in self.renames):
            names = "|".join(map(re.escape, self.renames))
            self.patterns = [re.compile(rf"(?<![\w.-])module\.({names})(?![\w-])")]
        else:
            self.patterns = [re.compile(rf"(?<![\w.-])module\.({re.escape(n)})(?![\w-])") for n in self.renames]

    def rename(self, text: str) -> str:
        for pattern in self.patterns:
            text = pattern.sub(lambda m: f"module.{self.renames[m.group(1)]}", text)
        return text

    def left_in(self, text: str) -> bool:
        return any(pattern.search(text) for pattern in self.patterns)


def _replace_value(
    lines: list[str], start: int, end: int, key: str, value: str, replacement: str, quoted_key: bool = False
) -> None:
    """Replace ``key = "value"`` on the one line of the block (1-based, inclusive) that holds it.

    The line must match ``^(\\s*NAME\\s*=\\s*")VALUE("\\s*,?\\s*)$`` with NAME the
    key (``"?key"?`` when ``quoted_key``); ``_value_at`` decides that with string
    operations (a new stack's values would each cost a regex compile), and
    ``tests/policy/test_policy_canonical_lines.py`` holds it equal to that pattern.
    """
    hits = [
        (i, at) for i in range(start - 1, min(end, len(lines)))
        if (at := _value_at(lines[i], key, value, quoted_key)) is not None
    ]
    if len(hits) != 1:
        raise _LeaveAlone
    index, at = hits[0]
    lines[index] = lines[index][:at] + replacement + lines[index][at + len(value):]


def _value_at(line: str, key: str, value: str, quoted_key: bool) -> int | None:
    """Where ``value`` starts when ``line`` is ``key = "value"`` (see ``_replace_value``), else None.

    ``value`` holds no ``"`` (``_single_string`` and ``_TAG_VALUE`` see to it), so the
    closing quote is the line's last one; ``str.strip`` and ``\\s`` agree on what is
    white space (both are ``str.isspace``).
    """
    close = line.rfind('"')
    at = close - len(value)
    if close < 1 or at < 1 or line[at:close] != value or line[at - 1] != '"':
        return None
    if line[close + 1:].strip() not in ("", ","):  # '"\s*,?\s*$': the one non-space left may be a comma
        return None
    head = line[:at - 1]  # "\s*NAME\s*=\s*"
    found = head.find(key)
    while found != -1:
        before, after = head[:found], head[found + len(key):]
        if quoted_key and before.endswith('"'):
            before = before[:-1]
        if quoted_key and after.startswith('"'):
            after = after[1:]
        if not before.strip() and after.strip() == "=":
            return at
        found = head.find(key, found + 1)
    return None
