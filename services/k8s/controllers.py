"""GitOps controllers: ask for a reconcile now, then read what the controller itself reports.

Argo CD: the `argocd.argoproj.io/refresh` annotation makes the application controller
compare at once (instead of its poll); success is `status.sync.status == Synced` at the
revision main points at, and `status.health.status == Healthy`. A failed automated sync
stays `operationState.phase: Running` while Argo CD retries it (the Application's
`syncPolicy.retry`; Argo CD's default is 5 retries waiting 10 s doubling to 160 s, ~5 min,
longer than our watch; the Application we generate declares a shorter one), and only then
turns Failed; the error itself is in
`operationState.message` and `operationState.syncResult.resources[].message`. Flux: the
`reconcile.fluxcd.io/requestedAt` annotation on the GitRepository and Kustomization;
success is the Kustomization's Ready=True with `lastAppliedRevision` at that revision.
A controller's own error (sync failed, build failed, health check failed) ends the
wait with its message. An object no controller touches within the observe window is
"applied, not synced: no controller observed".
"""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.rest import ApiException

from shared.contracts import ControllerStatus

from services.k8s.cluster import ClusterTarget

POLL_SECONDS = 0.3
NO_CONTROLLER = "applied, not synced: no controller observed"
FLUX_FAILED = {"BuildFailed", "ReconciliationFailed", "HealthCheckFailed", "ArtifactFailed", "DependencyNotReady",
               "GitOperationFailed", "StorageOperationFailed", "URLInvalid", "AuthenticationFailed"}


def main_head(repo_url: str, branch: str = "main", timeout: float = 30) -> str:
    """The commit `branch` points at, read over the same URL the controller clones."""
    result = subprocess.run(["git", "ls-remote", repo_url, f"refs/heads/{branch}"], capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0 or not result.stdout.strip():
        raise RuntimeError(f"git ls-remote {repo_url} {branch} failed: {result.stderr.strip() or 'no such branch'}")
    return result.stdout.split()[0]


def _resource(target: ClusterTarget, api_version: str, kind: str):
    return target.dynamic.resources.get(api_version=api_version, kind=kind)


def _annotate(target: ClusterTarget, obj: dict[str, Any], key: str, value: str) -> None:
    resource = _resource(target, obj["apiVersion"], obj["kind"])
    patch = {"metadata": {"annotations": {key: value}}}
    resource.patch(body=patch, name=obj["metadata"]["name"], namespace=obj["metadata"]["namespace"],
                   content_type="application/merge-patch+json")


def request_reconcile(target: ClusterTarget, objects: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC).isoformat()
    for obj in objects:
        if obj["kind"] == "Application":
            _annotate(target, obj, "argocd.argoproj.io/refresh", "normal")
        elif obj["kind"] in ("GitRepository", "Kustomization"):
            _annotate(target, obj, "reconcile.fluxcd.io/requestedAt", now)


def _read(target: ClusterTarget, obj: dict[str, Any]) -> dict[str, Any]:
    resource = _resource(target, obj["apiVersion"], obj["kind"])
    return resource.get(name=obj["metadata"]["name"], namespace=obj["metadata"]["namespace"]).to_dict()


def _ref(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['namespace']}/{obj['metadata']['name']}"


def _quote(field: str, text: str) -> str:
    return f"{field}: {text.strip()}"


def _distinct(quotes: list[str]) -> list[str]:
    """Drop a quote whose text repeats one already kept (Argo CD copies the same rejection into
    the operation message, the failed resource's message and the SyncError condition)."""
    kept: list[str] = []
    for quote in quotes:
        text = quote.split(": ", 1)[-1].rstrip(".")
        if not any(text in k or k.split(": ", 1)[-1].rstrip(".") in text for k in kept):
            kept.append(quote)
    return kept


def _argo_sync_errors(operation: dict[str, Any], *, retrying: bool = False) -> list[str]:
    """Argo CD's own words about a failed sync attempt, each with the status field it came from.

    The operation message names the first rejection; each resource Argo CD could not apply
    has its own message (the API server's rejection) in syncResult.resources[].
    """
    errors = []
    message = operation.get("message") or ""
    # while retrying, the message is the failed attempt's only until the next attempt starts
    # ("Retrying operation. Attempt #n", then "one or more tasks are running")
    if message and (not retrying or "Retrying attempt #" in message):
        errors.append(_quote("status.operationState.message", message))
    for resource in (operation.get("syncResult") or {}).get("resources") or []:
        if resource.get("status") == "SyncFailed" or resource.get("hookPhase") in ("Failed", "Error"):
            ref = f"{resource.get('kind')}/{resource.get('namespace') or '-'}/{resource.get('name')}"
            errors.append(_quote(f"status.operationState.syncResult.resources[{ref}].message",
                                 resource.get("message") or resource.get("status", "")))
    return errors


def _argo(live: dict[str, Any], expected: str) -> tuple[ControllerStatus, bool]:
    """(status, finished).

    Finished with an error when the Application has an error condition, or when Argo CD
    ended its sync operation for the expected revision as Failed/Error (after the
    retries its syncPolicy allows). While Argo CD is still retrying a failed attempt
    (operationState.phase stays Running, retryCount > 0), the attempt's error is kept
    in the message, so a timeout still reports Argo CD's own words.
    """
    status = live.get("status") or {}
    sync, health = status.get("sync") or {}, status.get("health") or {}
    observed = bool(status.get("reconciledAt") or sync.get("status"))
    revision = sync.get("revision") or ""
    result = ControllerStatus(kind="argocd", object=_ref(live), observed=observed, revision=revision,
                              expected_revision=expected, sync_status=sync.get("status", ""),
                              health_status=health.get("status", ""))
    operation = status.get("operationState") or {}
    phase = operation.get("phase", "")
    attempted = ((operation.get("syncResult") or {}).get("revision")
                 or ((operation.get("operation") or {}).get("sync") or {}).get("revision") or revision)
    errors = []
    if phase in ("Failed", "Error") and attempted == expected:
        errors = [f"Argo CD sync {phase} at {expected[:10]}", *_argo_sync_errors(operation)]
    errors += [_quote(f"status.conditions[{c.get('type')}].message", c.get("message") or "")
               for c in status.get("conditions") or [] if c.get("type", "").endswith("Error")]
    result.synced = sync.get("status") == "Synced" and revision == expected
    result.healthy = health.get("status") == "Healthy"
    if errors:
        result.message = "; ".join(_distinct(errors))
        return result, True
    if result.synced and result.healthy:
        result.message = f"Argo CD: Synced at {revision[:10]}, Healthy"
        return result, True
    if result.synced and health.get("status") == "Degraded":
        result.message = f"Argo CD: Synced at {revision[:10]}, Degraded: {health.get('message', '')}"
        return result, True
    failed_attempt = _argo_sync_errors(operation, retrying=True) if phase == "Running" and attempted == expected else []
    if operation.get("retryCount") and any(".resources[" in e for e in failed_attempt):
        result.message = (f"Argo CD is retrying (attempt {operation['retryCount']}) a sync at {expected[:10]} that "
                          "failed: " + "; ".join(_distinct(failed_attempt)))
    return result, False


def _ready(obj: dict[str, Any]) -> dict[str, Any]:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"), {})


def _flux(kustomization: dict[str, Any], source: dict[str, Any] | None, expected: str) -> tuple[ControllerStatus, bool]:
    status = kustomization.get("status") or {}
    ready = _ready(kustomization)
    observed = bool(status.get("observedGeneration") or ready)
    applied = status.get("lastAppliedRevision") or ""
    revision = applied.rsplit(":", 1)[-1] if applied else ""
    result = ControllerStatus(kind="flux", object=_ref(kustomization), observed=observed, revision=revision,
                              expected_revision=expected, sync_status=ready.get("reason", ""),
                              health_status=ready.get("status", ""))
    attempted = (status.get("lastAttemptedRevision") or "").rsplit(":", 1)[-1]
    source_ready = _ready(source) if source else {}
    if source_ready.get("status") == "False" and source_ready.get("reason") in FLUX_FAILED:
        result.message = f"GitRepository {source_ready.get('reason')}: {source_ready.get('message', '')}"
        return result, True
    if ready.get("status") == "False" and ready.get("reason") in FLUX_FAILED and attempted == expected:
        result.message = f"Kustomization {ready.get('reason')}: {ready.get('message', '').strip()}"
        return result, True
    result.synced = revision == expected
    result.healthy = ready.get("status") == "True" and result.synced
    if result.healthy:
        result.message = f"Flux: Kustomization Ready at {revision[:10]}: {ready.get('message', '')}"
        return result, True
    return result, False


def watch(target: ClusterTarget, objects: list[dict[str, Any]], expected: str, *, observe: float,
          timeout: float) -> ControllerStatus:
    """Poll the controller's status until it succeeded, failed, never showed up, or timed out."""
    started = time.monotonic()
    app = next((o for o in objects if o["kind"] == "Application"), None)
    kustomization = next((o for o in objects if o["kind"] == "Kustomization"), None)
    source = next((o for o in objects if o["kind"] == "GitRepository"), None)
    while True:
        elapsed = time.monotonic() - started
        try:
            if app:
                result, finished = _argo(_read(target, app), expected)
            else:
                result, finished = _flux(_read(target, kustomization), _read(target, source) if source else None, expected)
        except ApiException as exc:
            raise RuntimeError(f"reading the GitOps object failed: {exc.status} {exc.reason}") from exc
        result.seconds = round(elapsed, 3)
        if finished:
            return result
        if not result.observed and elapsed >= observe:
            result.message = f"{NO_CONTROLLER} ({result.object} has no status after {observe:.0f}s)"
            return result
        if elapsed >= timeout:
            last = f"; last seen: {result.message}" if result.message else ""
            result.message = (f"{result.object} not in sync after {timeout:.0f}s: sync {result.sync_status or '-'}, "
                              f"health {result.health_status or '-'}, revision {result.revision[:10] or '-'} "
                              f"(expected {expected[:10]}){last}")
            return result
        time.sleep(POLL_SECONDS)
