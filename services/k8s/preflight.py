"""Preflight: ask the API server whether this identity may do every call the deploy will make.

One SelfSubjectAccessReview per (verb, resource, namespace) before the first write, so an
identity that cannot do everything is refused clearly up front, instead of leaving half
a change applied when the fifth call is forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes import client

from services.k8s.cluster import ClusterTarget

# What apply + watch use: get (dry run, read back), create/patch (server-side apply), list/watch (rollout).
APPLY_VERBS = ("get", "create", "patch")
WATCH_VERBS = ("list", "watch")


@dataclass(frozen=True)
class Access:
    verb: str
    group: str
    resource: str
    namespace: str | None

    def __str__(self) -> str:
        kind = f"{self.resource}.{self.group}" if self.group else self.resource
        return f"{self.verb} {kind}" + (f" in namespace {self.namespace}" if self.namespace else " (cluster-wide)")


class AccessRefused(RuntimeError):
    def __init__(self, identity: str, denied: list[tuple[Access, str]]) -> None:
        self.denied = denied
        lines = "; ".join(f"{access}{f' ({reason})' if reason else ''}" for access, reason in denied)
        super().__init__(f"{identity} may not: {lines}")


def check(target: ClusterTarget, needed: list[Access]) -> int:
    """Raise AccessRefused listing every denied access; return how many reviews were asked."""
    api = client.AuthorizationV1Api(target.api)
    denied: list[tuple[Access, str]] = []
    unique = list(dict.fromkeys(needed))
    for access in unique:
        review = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(
                resource_attributes=client.V1ResourceAttributes(
                    verb=access.verb, group=access.group, resource=access.resource, namespace=access.namespace
                )
            )
        )
        status = api.create_self_subject_access_review(review).status
        if not status.allowed:
            denied.append((access, status.reason or status.evaluation_error or ""))
    if denied:
        raise AccessRefused(f"the identity of {target.describe()}", denied)
    return len(unique)
