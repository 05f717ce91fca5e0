"""The tools, in one mapping: name -> spec (handler, toolset, role, whether it writes, hints).

Few and lean on purpose: an agent pays for every tool's schema in its context. Each
module holds its tools beside their handlers; this module only collects them, and
`allowed()` decides which ones one caller sees (role, read-only, toolset filter).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from mcp_types import ToolAnnotations

from shared.db.models import Role


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: Callable[..., Any]
    toolset: str
    role: Role
    writes: bool
    title: str
    annotations: ToolAnnotations


def spec(fn: Callable[..., Any], *, toolset: str, role: Role, title: str, read_only: bool,
         destructive: bool = False, idempotent: bool, open_world: bool = False) -> ToolSpec:
    return ToolSpec(
        name=fn.__name__, fn=fn, toolset=toolset, role=role, writes=not read_only, title=title,
        annotations=ToolAnnotations(title=title, read_only_hint=read_only, destructive_hint=destructive,
                                    idempotent_hint=idempotent, open_world_hint=open_world),
    )


def _collect() -> dict[str, ToolSpec]:
    from services.gateway.mcp.tools import decisions, graph, guardrails, knowledge, runs, sre

    specs: dict[str, ToolSpec] = {}
    for module in (runs, decisions, guardrails, knowledge, sre, graph):
        for item in module.SPECS:
            specs[item.name] = item
    return specs


TOOLS: dict[str, ToolSpec] = _collect()


def allowed(role: Role | None, *, readonly: bool, toolsets: Iterable[str]) -> set[str]:
    """The tool names a caller with `role` may see and call under these filters."""
    if role is None:
        return set()
    wanted = set(toolsets)
    return {name for name, item in TOOLS.items()
            if role.allows(item.role) and item.toolset in wanted and not (readonly and item.writes)}
