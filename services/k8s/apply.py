"""Server-side apply (field manager `mcp-cloud`), after a server-side dry run of every object.

The dry run sends each final object to the real API server with `dryRun=All` and
`fieldValidation=Strict`: its OpenAPI schema validation, defaulting and admission run,
nothing is stored. Every rejection is collected (object, field, message) before anything
is written, so a bad bundle writes nothing. Namespaces the objects need are created first
(only the missing ones): a dry run in a namespace that does not exist cannot be checked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kubernetes import client
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError, ResourceNotFoundError

from services.k8s.cluster import ClusterTarget
from services.k8s.manifests import Manifest
from services.k8s.preflight import APPLY_VERBS, WATCH_VERBS, Access

FIELD_MANAGER = "mcp-cloud"


class ApplyRejected(RuntimeError):
    """The API server (or discovery) refused objects; `problems` names object and field."""

    def __init__(self, stage: str, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{stage}: " + "; ".join(problems))


@dataclass(frozen=True)
class Rendered:
    """A manifest as it will be sent: namespace filled in, with its API resource."""

    manifest: Manifest
    body: dict[str, Any]
    namespace: str | None
    resource: Any  # kubernetes.dynamic.Resource

    @property
    def ref(self) -> str:
        return f"{self.manifest.kind}/{self.namespace + '/' if self.namespace else ''}{self.manifest.name}"


def render(target: ClusterTarget, manifests: list[Manifest], default_namespace: str) -> list[Rendered]:
    """Resolve each kind through discovery and set the namespace of namespaced objects."""
    rendered, problems = [], []
    for manifest in manifests:
        try:
            resource = target.dynamic.resources.get(api_version=manifest.api_version, kind=manifest.kind)
        except ResourceNotFoundError:
            problems.append(f"{manifest.file}: {manifest.kind} ({manifest.api_version}) is not served by this cluster")
            continue
        body = json.loads(json.dumps(manifest.body))
        namespace = None
        if resource.namespaced:
            namespace = manifest.namespace or default_namespace
            body.setdefault("metadata", {})["namespace"] = namespace
        rendered.append(Rendered(manifest, body, namespace, resource))
    if problems:
        raise ApplyRejected("unknown kinds", problems)
    return rendered


def needed_access(objects: list[Rendered], *, watch: bool) -> list[Access]:
    needed = [Access(verb, "", "namespaces", None) for verb in ("get", "create")]
    for obj in objects:
        group = obj.resource.group or ""
        verbs = APPLY_VERBS + (WATCH_VERBS if watch else ())
        needed += [Access(verb, group, obj.resource.name, obj.namespace) for verb in verbs]
    return needed


def ensure_namespaces(target: ClusterTarget, namespaces: set[str]) -> list[str]:
    core = client.CoreV1Api(target.api)
    created = []
    for namespace in sorted(namespaces):
        try:
            core.read_namespace(namespace)
        except ApiException as exc:
            if exc.status != 404:
                raise
            body = {"metadata": {"name": namespace, "labels": {"app.kubernetes.io/managed-by": FIELD_MANAGER}}}
            try:
                core.create_namespace(body, field_manager=FIELD_MANAGER)
                created.append(namespace)
            except ApiException as race:
                if race.status != 409:
                    raise
    return created


def _send(obj: Rendered, *, dry_run: bool) -> dict[str, Any]:
    result = obj.resource.server_side_apply(
        body=obj.body, namespace=obj.namespace, field_manager=FIELD_MANAGER, force_conflicts=True,
        dry_run="All" if dry_run else None, query_params=[("fieldValidation", "Strict")],
    )
    return result.to_dict()


def rejection(obj: Rendered, exc: ApiException) -> str:
    """`file: Kind/ns/name: field: message` for each cause the API server gave."""
    try:
        status = json.loads(exc.body or "{}")
    except (TypeError, ValueError):
        status = {}
    causes = (status.get("details") or {}).get("causes") or []
    where = f"{obj.manifest.file}: {obj.ref}"
    if causes:
        return "; ".join(f"{where}: {c.get('field') or '(object)'}: {c.get('message', c.get('reason', ''))}" for c in causes)
    return f"{where}: {status.get('message') or f'{exc.status} {exc.reason}'}"


def dry_run(objects: list[Rendered]) -> int:
    """Raise ApplyRejected with every problem; return how many objects the server accepted."""
    problems = []
    for obj in objects:
        try:
            _send(obj, dry_run=True)
        except (DynamicApiError, ApiException) as exc:
            problems.append(rejection(obj, exc))
    if problems:
        raise ApplyRejected("the API server's dry run rejected", problems)
    return len(objects)


def apply(objects: list[Rendered]) -> list[dict[str, Any]]:
    """Server-side apply each object (already dry-run); return what the server stored."""
    stored = []
    for obj in objects:
        try:
            stored.append(_send(obj, dry_run=False))
        except (DynamicApiError, ApiException) as exc:
            raise ApplyRejected("the API server refused the apply", [rejection(obj, exc)]) from exc
    return stored
