"""Another stack's objects are never taken over.

The generator labels every object `app.kubernetes.io/part-of=<stack>`. Two stacks that
deploy the same app into the same namespace render objects with the same kind, namespace
and name: applied directly (server-side apply forces conflicts), the second would take
the first one's objects over; through Argo CD or Flux the two controllers would fight,
and a changed selector fails only after the controller's retries, with "field is
immutable". So before any write, each app object that already exists must belong to the
stack being deployed (or, for objects without the label, to no stack); anything else is
refused, naming the object and the stack that holds it.
"""

from __future__ import annotations

from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import DynamicApiError, NotFoundError

from services.k8s.apply import Rendered
from services.k8s.cluster import ClusterTarget

PART_OF = "app.kubernetes.io/part-of"


class ForeignObjects(RuntimeError):
    """Objects of this deploy exist on the cluster and belong to another stack (named)."""


def _part_of(body: dict) -> str | None:
    return ((body.get("metadata") or {}).get("labels") or {}).get(PART_OF)


def refuse_foreign(target: ClusterTarget, objects: list[Rendered]) -> None:
    taken = []
    for obj in objects:
        try:
            live = obj.resource.get(name=obj.manifest.name, namespace=obj.namespace).to_dict()
        except NotFoundError:
            continue
        except (DynamicApiError, ApiException) as exc:
            raise ForeignObjects(f"cannot read {obj.ref} on {target.describe()} to check which stack holds it: "
                                 f"{getattr(exc, 'status', '')} {getattr(exc, 'reason', exc)}") from exc
        wanted, holder = _part_of(obj.body), _part_of(live)
        if holder != wanted:
            taken.append(f"{obj.ref} belongs to {f'stack {holder}' if holder else 'no stack (unlabelled)'}")
    if taken:
        raise ForeignObjects(f"refused before any write: {'; '.join(taken)} on {target.describe()}, not to this "
                             "stack; deploy the app under another name or namespace, or remove the other stack first")
