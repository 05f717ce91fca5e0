"""Watch workloads until their rollout is complete, failed, or out of time.

Complete means what `kubectl rollout status` means: the controller observed the latest
generation, every replica is updated, ready and available, and no old replica is left.
Failed means the controller said so (Progressing=False, ProgressDeadlineExceeded) or the
time ran out; then the report gets the workload's events and the first failing pod's
reason (unschedulable, image pull, crash, non-zero exit). Pods are read as the API
server reports them: on KWOK nodes their phase is simulated (no container runs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from kubernetes import client
from kubernetes.client.rest import ApiException

from services.k8s.cluster import ClusterTarget

WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}
POLL_SECONDS = 0.25


@dataclass
class PodState:
    name: str
    phase: str
    ready: bool
    node: str = ""
    reason: str = ""  # why it is not running/ready, from conditions or container states


@dataclass
class WorkloadRollout:
    ref: str
    complete: bool
    message: str
    desired: int = 0
    ready: int = 0
    updated: int = 0
    pods: list[PodState] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    failing_pod: str = ""
    seconds: float = 0.0


def _get(target: ClusterTarget, kind: str, namespace: str, name: str) -> Any:
    apps = client.AppsV1Api(target.api)
    read = {"Deployment": apps.read_namespaced_deployment, "StatefulSet": apps.read_namespaced_stateful_set,
            "DaemonSet": apps.read_namespaced_daemon_set}[kind]
    return read(name, namespace)


def _progress(kind: str, obj: Any) -> tuple[bool, int, int, int, str]:
    """(complete, desired, ready, updated, failure reason or '')."""
    spec, status = obj.spec, obj.status
    observed = (status.observed_generation or 0) >= (obj.metadata.generation or 0)
    if kind == "DaemonSet":
        desired = status.desired_number_scheduled or 0
        ready, updated = status.number_ready or 0, status.updated_number_scheduled or 0
        done = observed and updated == desired and (status.number_available or 0) == desired
        return done, desired, ready, updated, ""
    desired = spec.replicas if spec.replicas is not None else 1
    ready, updated = status.ready_replicas or 0, status.updated_replicas or 0
    total = status.replicas or 0
    if kind == "StatefulSet":
        done = observed and ready == desired and updated == desired and (
            status.update_revision is None or status.current_revision == status.update_revision)
        return done, desired, ready, updated, ""
    failure = ""
    for condition in status.conditions or []:
        if condition.type == "Progressing" and condition.reason == "ProgressDeadlineExceeded":
            failure = f"Progressing=False ProgressDeadlineExceeded: {condition.message}"
    done = observed and updated == desired and ready == desired and total == desired and (
        (status.available_replicas or 0) == desired)
    return done, desired, ready, updated, failure


def _pod_state(pod: Any) -> PodState:
    status = pod.status
    ready = any(c.type == "Ready" and c.status == "True" for c in status.conditions or [])
    reason = ""
    for condition in status.conditions or []:
        if condition.type == "PodScheduled" and condition.status == "False":
            reason = f"{condition.reason}: {condition.message}"
    for container in (status.init_container_statuses or []) + (status.container_statuses or []):
        state = container.state
        if state and state.waiting and state.waiting.reason not in (None, "ContainerCreating", "PodInitializing"):
            reason = reason or f"container {container.name} waiting: {state.waiting.reason} {state.waiting.message or ''}".strip()
        if state and state.terminated and state.terminated.exit_code:
            reason = reason or f"container {container.name} exited {state.terminated.exit_code}: {state.terminated.reason or ''}".strip()
    return PodState(pod.metadata.name, status.phase or "Unknown", ready, pod.spec.node_name or "", reason)


def pods_of(target: ClusterTarget, obj: Any) -> list[PodState]:
    labels = obj.spec.selector.match_labels or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    items = client.CoreV1Api(target.api).list_namespaced_pod(obj.metadata.namespace, label_selector=selector).items
    return sorted((_pod_state(p) for p in items if p.metadata.deletion_timestamp is None), key=lambda p: p.name)


def events_of(target: ClusterTarget, namespace: str, names: list[str], limit: int = 8) -> list[str]:
    """Warning events about the workload and its pods, newest last, bounded."""
    items = client.CoreV1Api(target.api).list_namespaced_event(namespace).items
    wanted = [e for e in items if e.involved_object.name in names or any(e.involved_object.name.startswith(n) for n in names)]
    wanted = [e for e in wanted if e.type == "Warning"] or wanted
    wanted.sort(key=lambda e: (e.last_timestamp or e.event_time or e.metadata.creation_timestamp))
    return [f"{e.involved_object.kind}/{e.involved_object.name}: {e.reason}: {e.message}" for e in wanted[-limit:]]


def watch(target: ClusterTarget, kind: str, namespace: str, name: str, timeout: float) -> WorkloadRollout:
    """Poll the workload and its pods until complete, failed, or `timeout` seconds."""
    ref = f"{kind}/{namespace}/{name}"
    started = time.monotonic()
    deadline = started + timeout
    while True:
        obj = _get(target, kind, namespace, name)
        done, desired, ready, updated, failure = _progress(kind, obj)
        if done or failure or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)
    pods = pods_of(target, obj)
    seconds = time.monotonic() - started
    if done:
        return WorkloadRollout(ref, True, f"{ref}: {ready}/{desired} ready, {updated} updated", desired, ready, updated,
                               pods, seconds=seconds)
    failing = next((p for p in pods if p.reason), next((p for p in pods if not p.ready), None))
    why = failure or f"not complete after {timeout:.0f}s ({ready}/{desired} ready, {updated} updated)"
    events = events_of(target, namespace, [name] + [p.name for p in pods])
    message = f"{ref}: {why}" + (f"; first failing pod {failing.name}: {failing.reason or failing.phase}" if failing else "")
    return WorkloadRollout(ref, False, message, desired, ready, updated, pods, events,
                           failing_pod=failing.name if failing else "", seconds=seconds)


def rollback_deployment(target: ClusterTarget, namespace: str, name: str, field_manager: str) -> str:
    """Put the previous revision's pod template back (what `kubectl rollout undo` does)."""
    apps = client.AppsV1Api(target.api)
    deployment = apps.read_namespaced_deployment(name, namespace)
    owned = [rs for rs in apps.list_namespaced_replica_set(namespace).items
             if any(o.uid == deployment.metadata.uid for o in rs.metadata.owner_references or [])]
    revisions = sorted(owned, key=lambda rs: int((rs.metadata.annotations or {}).get("deployment.kubernetes.io/revision", 0)))
    if len(revisions) < 2:
        return f"no earlier revision of Deployment/{namespace}/{name} to roll back to"
    previous = revisions[-2]
    template = target.api.sanitize_for_serialization(previous.spec.template)
    template["metadata"].get("labels", {}).pop("pod-template-hash", None)
    revision = previous.metadata.annotations["deployment.kubernetes.io/revision"]
    # Replace the whole template, as `kubectl rollout undo` does: an apply under another
    # field manager would leave the failed revision's fields, which `mcp-cloud` owns.
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    try:
        resource = target.dynamic.resources.get(api_version="apps/v1", kind="Deployment")
        resource.patch(body=patch, name=name, namespace=namespace, content_type="application/json-patch+json",
                       field_manager=f"{field_manager}-rollback")
    except ApiException as exc:
        return f"rollback of Deployment/{namespace}/{name} refused: {exc.status} {exc.reason}"
    return f"rolled Deployment/{namespace}/{name} back to revision {revision}"
