"""The labelled requests (labelled.yaml) and how a parse is compared with its label.

One reader for the table-driven test and bench/intent.py, so both score the same way.
A label lists what the text says; every field it does not list is expected at the
parser's built-in default (`expected_fields`), so a parse that invents a value fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from shared.contracts.parse import ParsedRequest

from services.gateway.intents.defaults import BUILTIN
from services.gateway.intents.lexicon import APPS_BY_NAME, PLATFORM_CLOUD

HERE = Path(__file__).resolve().parent
LABELLED = HERE / "labelled.yaml"
SCENARIOS = HERE / "scenario_requests.yaml"


def load_cases(path: Path = LABELLED) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    return cases


def expected_fields(case: dict[str, Any]) -> dict[str, Any]:
    expect = dict(case["expect"])
    kind = expect.pop("kind", "change")
    persona = expect.pop("persona", None) or case.get("persona") or ("sre" if kind == "query" else "devops")
    out: dict[str, Any] = {"kind": kind, "persona": persona, "ignored": expect.pop("ignored", 0)}
    if kind == "query":
        out.update({k: v for k, v in expect.items() if k.startswith("query.")})
        return out
    if "missing" in expect:
        out["missing"] = sorted(expect["missing"])
        return out
    out["missing"] = []
    cloud = expect.get("cloud") or PLATFORM_CLOUD.get(expect.get("platform", "")) or BUILTIN.cloud.value
    out.update({
        "action": expect["action"], "cloud": cloud, "platform": expect.get("platform"),
        "region": expect.get("region", BUILTIN.regions[cloud].value), "environment": expect.get("environment", "dev"),
        "gitops": expect.get("gitops", "none"), "cluster": expect.get("cluster", False),
    })
    out.update({k: v for k, v in expect.items() if k.startswith("cluster.") or k == "stack"})
    out["app"] = "app.name" in expect
    if out["app"]:
        known = APPS_BY_NAME.get(expect["app.name"])
        explicit_image = "app.image" in expect
        kind_ = expect.get("app.kind", known.kind if known else "Deployment")
        out.update({
            "app.name": expect["app.name"],
            "app.image": expect.get("app.image", known.image if known else None),
            "app.tag": expect.get("app.tag", known.tag if known else None),
            "app.port": expect.get("app.port", known.port if known and not explicit_image else 80),
            "app.kind": kind_,
            "app.replicas": expect.get("app.replicas", None if kind_ == "DaemonSet" else 2),
            "app.namespace": expect.get("app.namespace", BUILTIN.namespace.value),
            "app.expose": expect.get("app.expose", False),
            "app.run_as_root": expect.get("app.run_as_root", False),
            "app.privileged": expect.get("app.privileged", False),
        })
    out["bucket"] = bool(expect.get("bucket")) or any(k.startswith("buckets.0.") for k in expect)
    if out["bucket"]:
        out.update({
            "buckets.0.purpose": expect.get("buckets.0.purpose", ""),
            "buckets.0.versioning": expect.get("buckets.0.versioning", True),
            "buckets.0.public_read": expect.get("buckets.0.public_read", False),
        })
        if "buckets.0.name" in expect:
            out["buckets.0.name"] = expect["buckets.0.name"]
    return out


def _app_kind(parsed: ParsedRequest) -> str:
    app = parsed.intent.app
    if hasattr(app, "kind"):
        return app.kind
    found = parsed.understood.get("app.kind") or next((d.value for d in parsed.defaulted if d.field == "app.kind"), None)
    return found or "Deployment"


def actual_fields(parsed: ParsedRequest) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": parsed.kind, "persona": parsed.persona.value, "ignored": len(parsed.ignored)}
    if parsed.kind == "query":
        out.update({f"query.{k}": v for k, v in (parsed.query or {}).items()})
        return out
    out["missing"] = sorted(m.field for m in parsed.missing)
    intent = parsed.intent
    if intent is None:
        return out
    out.update({"action": intent.action.value, "cloud": intent.cloud, "platform": intent.platform, "region": intent.region,
                "environment": intent.environment, "gitops": intent.gitops, "stack": intent.stack,
                "cluster": intent.cluster is not None, "app": intent.app is not None, "bucket": bool(intent.buckets)})
    if intent.cluster:
        out.update({f"cluster.{k}": v for k, v in intent.cluster.model_dump().items()})
    if intent.app:
        app = intent.app
        kind = _app_kind(parsed)
        out.update({f"app.{k}": v for k, v in app.model_dump().items()})
        out["app.kind"] = kind
        if kind == "DaemonSet":
            out["app.replicas"] = None
    if intent.buckets:
        out.update({f"buckets.0.{k}": v for k, v in intent.buckets[0].model_dump().items()})
    return out


def differences(expected: dict[str, Any], actual: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """field -> (expected, actual) for every expected field the parse got wrong."""
    return {k: (v, actual.get(k)) for k, v in expected.items() if actual.get(k) != v}
