"""Graph-aware guardrails: rules that need what the infrastructure graph knows.

An IaC scanner sees the files of a change; these rules also see what already exists
(read from Neo4j through `shared.graph`): the database behind a new public entry point,
the running workloads behind a security group, the other stacks that depend on what a
change drops. Each guardrail is a YAML file in `services/policy/guardrails/graph/`
(same id scheme and fields as the pack, plus `graph_check`, the function in `checks.py`),
with docs, a pass and a fail case in tests/rag.

Fail closed: a graph that cannot be read raises `GraphCheckUnavailable`, which the
policy task turns into a failed step naming the guardrails; it is never a pass.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from shared.contracts import DeploymentIntent, Finding, GuardrailVerdict, Severity

GRAPH_PACK_DIR = Path(__file__).resolve().parents[1] / "guardrails" / "graph"


class GraphCheckUnavailable(RuntimeError):
    """The graph could not be read, so the graph guardrails could not run."""


class GraphGuardrail(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    severity: Severity
    blocking: bool
    graph_check: str
    message: str
    fix: str


@lru_cache(maxsize=1)
def graph_pack() -> tuple[GraphGuardrail, ...]:
    from services.policy.graph_checks import checks

    pack = []
    for path in sorted(GRAPH_PACK_DIR.glob("GR-GRAPH-*.yaml")):
        guardrail = GraphGuardrail.model_validate(yaml.safe_load(path.read_text()))
        if guardrail.id != path.stem or not hasattr(checks, guardrail.graph_check):
            raise ValueError(f"{path}: id must match the file name and graph_check must name a function in checks.py")
        pack.append(guardrail)
    return tuple(pack)


def apply_graph_guardrails(verdict: GuardrailVerdict, files: dict[str, str],
                           intent: DeploymentIntent | None) -> GuardrailVerdict:
    """The verdict with the graph guardrails' findings added (blocked if one blocks)."""
    from neo4j import exceptions as neo4j_errors

    from services.policy.graph_checks import checks

    findings: list[Finding] = []
    passed = failed = 0
    change = checks.Change.read(files, intent)
    for guardrail in graph_pack():
        try:
            found = getattr(checks, guardrail.graph_check)(change, guardrail)
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as exc:
            ids = ", ".join(g.id for g in graph_pack())
            raise GraphCheckUnavailable(f"graph guardrails {ids} could not read the graph "
                                        f"({guardrail.id}: {type(exc).__name__}: {exc})") from exc
        if found is None:  # nothing in this change for it to check
            continue
        findings += found
        failed += bool(found)
        passed += not found
    if not findings and not passed:
        return verdict
    blocked = verdict.status == "blocked" or any(f.blocking for f in findings)
    return verdict.model_copy(update={
        "findings": [*verdict.findings, *findings], "checks_passed": verdict.checks_passed + passed,
        "checks_failed": verdict.checks_failed + failed, "status": "blocked" if blocked and verdict.status == "passed" else verdict.status,
        "scanner": f"{verdict.scanner} + graph guardrails".strip(" +"),
    })
