"""The guardrail pack: which checks block a run, how bad they are, what to tell the user.

checkov answers "which check failed on which resource"; a guardrail answers "may
this change go out, and what must be fixed". Each guardrail is one YAML file in this
folder named after its stable id (``GR-S3-PUBLIC.yaml``): a title, a severity, a
blocking flag, the checkov ids behind it, our own check ids where checkov has none
(``services/policy/checks``), a message and a fix hint. ``plain-severity.yaml`` gives a
severity to checkov findings outside every guardrail (checkov's own severity is empty
offline).

Operators extend the pack with a folder given at start (the service settings pass
it)::

    <extra>/guardrails.yaml   # optional: new guardrails, more checks for built-ins, plain severities
    <extra>/checks/           # optional: checkov custom checks (.py needs __init__.py; .yaml graph checks)

Extensions may add but never weaken: a built-in guardrail cannot be redefined and a
check belongs to at most one guardrail, so a policy folder cannot turn "no public S3"
into a warning.

Every id in the pack must exist once checkov and the check folders are loaded:
``GuardrailPack.verify`` fails loudly, because a mistyped id is a guardrail that
silently never fires.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.contracts.artifacts import Severity

PACK_DIR = Path(__file__).resolve().parent
OWN_CHECKS_DIR = PACK_DIR.parent / "checks"
PLAIN_SEVERITY_FILE = "plain-severity.yaml"
EXTRA_MAPPING_FILE = "guardrails.yaml"
EXTRA_CHECKS_DIR = "checks"

_GUARDRAIL_ID = re.compile(r"^GR-[A-Z0-9]+(-[A-Z0-9]+)*$")
_CHECK_ID = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


class PackError(ValueError):
    """The guardrail pack or an extra policy folder is inconsistent; the service must not start."""


class Guardrail(BaseModel):
    """One guardrail: a named rule of the organisation, enforced through one or more checks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    severity: Severity
    blocking: bool
    checkov_ids: tuple[str, ...] = Field(default=(), description="checkov check ids behind the guardrail")
    own_ids: tuple[str, ...] = Field(default=(), description="our own check ids where checkov has none")
    message: str
    fix: str

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _GUARDRAIL_ID.match(value):
            raise ValueError(f"guardrail id {value!r} must look like GR-S3-PUBLIC")
        return value

    @field_validator("checkov_ids", "own_ids")
    @classmethod
    def _check_ids(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not _CHECK_ID.match(value):
                raise ValueError(f"check id {value!r} must look like CKV_AWS_20 or MCP_K8S_1")
        if len(set(values)) != len(values):
            raise ValueError(f"duplicate check ids in {list(values)}")
        return values

    @property
    def check_ids(self) -> tuple[str, ...]:
        return self.checkov_ids + self.own_ids


@dataclass(frozen=True)
class GuardrailPack:
    """The loaded pack: guardrails, the check → guardrail index and the plain severities."""

    guardrails: dict[str, Guardrail]
    plain_severity: dict[str, Severity]
    check_dirs: tuple[Path, ...]
    version: str
    _by_check: dict[str, Guardrail] = field(repr=False, default_factory=dict)

    def guardrail_for(self, check_id: str) -> Guardrail | None:
        return self._by_check.get(check_id)

    def severity_for_plain(self, check_id: str) -> Severity:
        return self.plain_severity.get(check_id, Severity.low)

    def verify(self, known_check_ids: set[str]) -> None:
        """Refuse ids that no loaded check carries: they would never fire."""
        missing = sorted(
            f"{g.id}: {cid}" for g in self.guardrails.values() for cid in g.check_ids if cid not in known_check_ids
        )
        missing += sorted(f"{PLAIN_SEVERITY_FILE}: {cid}" for cid in self.plain_severity if cid not in known_check_ids)
        if missing:
            raise PackError("unknown check ids (no loaded check has them, so they would never fire): " + ", ".join(missing))


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PackError(f"{path}: cannot read: {exc}") from exc


def _guardrail(data: Any, source: Path) -> Guardrail:
    try:
        return Guardrail.model_validate(data)
    except ValidationError as exc:
        raise PackError(f"{source}: invalid guardrail: {exc}") from exc


def _severities(data: Any, source: Path) -> dict[str, Severity]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PackError(f"{source}: expected a mapping of severity -> [check ids]")
    table: dict[str, Severity] = {}
    for level, ids in data.items():
        try:
            severity = Severity(str(level).upper())
        except ValueError as exc:
            raise PackError(f"{source}: unknown severity {level!r}") from exc
        for cid in ids or []:
            if cid in table:
                raise PackError(f"{source}: {cid} is listed twice")
            table[cid] = severity
    return table


def _check_dir(path: Path) -> Path:
    """checkov silently skips Python checks in a folder without __init__.py: refuse it instead."""
    for folder in [path, *(p for p in path.rglob("*") if p.is_dir() and p.name != "__pycache__")]:
        if any(folder.glob("*.py")) and not (folder / "__init__.py").exists():
            raise PackError(f"{folder}: has Python checks but no __init__.py, so checkov would ignore them")
    return path


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def load_pack(extra_dir: str | Path | None = None) -> GuardrailPack:
    """Load the built-in pack plus an optional operator folder (see the module docstring)."""
    sources = sorted(PACK_DIR.glob("GR-*.yaml"))
    guardrails: dict[str, Guardrail] = {}
    for path in sources:
        guardrail = _guardrail(_read_yaml(path), path)
        if guardrail.id != path.stem:
            raise PackError(f"{path}: file name must be the guardrail id {guardrail.id!r}")
        guardrails[guardrail.id] = guardrail
    plain = _severities(_read_yaml(PACK_DIR / PLAIN_SEVERITY_FILE), PACK_DIR / PLAIN_SEVERITY_FILE)
    fingerprinted = [*sources, PACK_DIR / PLAIN_SEVERITY_FILE, *sorted(_check_dir(OWN_CHECKS_DIR).rglob("*.py"))]
    check_dirs = [OWN_CHECKS_DIR]

    if extra_dir is not None:
        extra = Path(extra_dir).resolve()
        if not extra.is_dir():
            raise PackError(f"extra policy folder {extra} does not exist")
        mapping_file = extra / EXTRA_MAPPING_FILE
        if mapping_file.exists():
            fingerprinted.append(mapping_file)
            mapping = _read_yaml(mapping_file) or {}
            if not isinstance(mapping, dict) or set(mapping) - {"guardrails", "extend", "severity"}:
                raise PackError(f"{mapping_file}: expected keys guardrails, extend, severity")
            for data in mapping.get("guardrails") or []:
                guardrail = _guardrail(data, mapping_file)
                if guardrail.id in guardrails:
                    raise PackError(f"{mapping_file}: {guardrail.id} is already defined; use 'extend' to add checks")
                guardrails[guardrail.id] = guardrail
            for gid, ids in (mapping.get("extend") or {}).items():
                if gid not in guardrails:
                    raise PackError(f"{mapping_file}: extend names unknown guardrail {gid}")
                base = guardrails[gid]
                guardrails[gid] = _guardrail(
                    {**base.model_dump(), "own_ids": [*base.own_ids, *(ids or [])]}, mapping_file
                )
            for cid, severity in _severities(mapping.get("severity"), mapping_file).items():
                plain[cid] = severity
        checks = extra / EXTRA_CHECKS_DIR
        if checks.is_dir():
            check_dirs.append(_check_dir(checks))
            fingerprinted += sorted(p for p in checks.rglob("*") if p.suffix in {".py", ".yaml", ".yml", ".json"})

    by_check: dict[str, Guardrail] = {}
    for guardrail in guardrails.values():
        for cid in guardrail.check_ids:
            if cid in by_check:
                raise PackError(f"{cid} is mapped to both {by_check[cid].id} and {guardrail.id}")
            by_check[cid] = guardrail
    overlap = sorted(set(plain) & set(by_check))
    if overlap:
        raise PackError(f"plain severities name guardrail checks (their guardrail sets the severity): {overlap}")

    return GuardrailPack(
        guardrails=guardrails,
        plain_severity=plain,
        check_dirs=tuple(check_dirs),
        version=f"pack-{_fingerprint(fingerprinted)}",
        _by_check=by_check,
    )
