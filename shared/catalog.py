"""The vetted module catalog: the only Terraform modules the generator may use.

Shared because three services read it: terraform generates from it, policy vets
bundles against it (an unmodified module copy gets its label inputs and accepted
checks), rag indexes it. The modules live in `services/terraform/catalog/`.
Each folder there holds one module (`main.tf`, `variables.tf`, `outputs.tf`)
and its `module.yaml`: purpose, inputs, outputs, the guardrails it meets and the
checkov findings accepted on purpose. The generator copies the `.tf` files into every
bundle; the RAG service indexes `describe()`; the guardrail service reads the
metadata. Tests keep `module.yaml` in step with the HCL.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CATALOG_DIR = Path(__file__).resolve().parents[1] / "services" / "terraform" / "catalog"
TERRAFORM_FILES = ("main.tf", "variables.tf", "outputs.tf")
GUARDRAIL_IDS = frozenset({"GR-S3-PUBLIC", "GR-ENCRYPTION-AT-REST", "GR-IAM-WILDCARD", "GR-NET-OPEN-ADMIN-PORTS"})


class CatalogError(ValueError):
    """The catalog on disk is inconsistent, or a module was asked for that it lacks."""


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModuleInput(_Meta):
    name: str
    type: str
    description: str
    required: bool = False
    default: Any = None
    validation: str = ""
    label: str = Field(
        default="",
        description="A regular expression: values it matches only name things and change no guardrail finding "
        "(tests/policy/test_policy_labels.py proves it per module). The guardrail service scans configs that "
        "differ only in such values once (services/policy/canonical.py). Empty: the value matters.",
    )

    @field_validator("label")
    @classmethod
    def _label_compiles(cls, label: str) -> str:
        if label:
            try:
                re.compile(label)
            except re.error as exc:
                raise ValueError(f"label {label!r} is not a regular expression: {exc}") from None
            if not (label.startswith("^") and label.endswith("$")):
                raise ValueError(f"label {label!r} must be anchored (^...$): it vets whole values")
        return label

    @model_validator(mode="after")
    def _required_has_no_default(self) -> ModuleInput:
        if self.required and self.default is not None:
            raise ValueError(f"input {self.name} is required and cannot have a default")
        return self


class ModuleOutput(_Meta):
    name: str
    description: str


class AcceptedCheck(_Meta):
    id: str
    reason: str


class CatalogModule(_Meta):
    name: str
    cloud: Literal["aws", "gcp", "azure"]
    providers: list[str]
    purpose: str
    guardrails: list[str]
    inputs: list[ModuleInput]
    outputs: list[ModuleOutput]
    accepted_checks: list[AcceptedCheck] = Field(default_factory=list)
    files: dict[str, str] = Field(default_factory=dict, description="Terraform file name -> content (read only)")

    @field_validator("guardrails")
    @classmethod
    def _known_guardrails(cls, guardrails: list[str]) -> list[str]:
        unknown = sorted(set(guardrails) - GUARDRAIL_IDS)
        if unknown:
            raise ValueError(f"unknown guardrail ids {unknown}; known: {sorted(GUARDRAIL_IDS)}")
        return guardrails

    @property
    def required_inputs(self) -> list[str]:
        return [i.name for i in self.inputs if i.required]

    def input(self, name: str) -> ModuleInput:
        for item in self.inputs:
            if item.name == name:
                return item
        raise CatalogError(f"module {self.name} has no input {name!r}")

    def describe(self) -> str:
        """Plain-text card of the module, for retrieval and for humans."""
        lines = [
            f"Module {self.name} ({self.cloud}; providers: {', '.join(self.providers)})",
            f"Purpose: {self.purpose}",
            f"Guardrails met: {', '.join(self.guardrails)}",
            "Inputs:",
        ]
        for item in self.inputs:
            need = "required" if item.required else f"default {json.dumps(item.default)}"
            rule = f" Rule: {item.validation}" if item.validation else ""
            lines.append(f"  - {item.name} ({item.type}, {need}): {item.description}{rule}")
        lines.append("Outputs:")
        lines += [f"  - {item.name}: {item.description}" for item in self.outputs]
        if self.accepted_checks:
            lines.append("Accepted checkov findings:")
            lines += [f"  - {check.id}: {check.reason}" for check in self.accepted_checks]
        return "\n".join(lines) + "\n"


@functools.cache
def load_catalog() -> dict[str, CatalogModule]:
    """Read every module folder once; fails loudly on a folder that is not a complete module."""
    modules: dict[str, CatalogModule] = {}
    for folder in sorted(p for p in CATALOG_DIR.iterdir() if p.is_dir()):
        missing = [f for f in (*TERRAFORM_FILES, "module.yaml") if not (folder / f).is_file()]
        if missing:
            raise CatalogError(f"catalog module {folder.name} lacks {', '.join(missing)}")
        meta = yaml.safe_load((folder / "module.yaml").read_text(encoding="utf-8"))
        files = {f: (folder / f).read_text(encoding="utf-8") for f in TERRAFORM_FILES}
        module = CatalogModule(**meta, files=files)
        if module.name != folder.name:
            raise CatalogError(f"{folder / 'module.yaml'} names the module {module.name!r}, not {folder.name!r}")
        modules[module.name] = module
    return modules


def get_module(name: str) -> CatalogModule:
    try:
        return load_catalog()[name]
    except KeyError:
        raise CatalogError(f"no catalog module {name!r}; the catalog has {', '.join(load_catalog())}") from None


def descriptions() -> dict[str, str]:
    """Module name -> `describe()` text for every catalog module."""
    return {name: module.describe() for name, module in load_catalog().items()}
