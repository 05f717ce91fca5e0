"""Bootstrap steps of scripts/cluster.sh that need the API: the KWOK node and YAML objects.

    bootstrap.py KUBECONFIG node NAME            create a KWOK-managed Node (idempotent)
    bootstrap.py KUBECONFIG apply FILE...        server-side apply every document (CRDs, seed objects)
    bootstrap.py KUBECONFIG wait-crds            until every CustomResourceDefinition is Established

Uses the official client, as the k8s service does; nothing here is specific to KWOK but the node.
"""

from __future__ import annotations

import sys
import time

import yaml
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException


def _node(api: client.ApiClient, name: str) -> None:
    body = {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"type": "kwok", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                       "kubernetes.io/arch": "amd64"},
        },
        "spec": {},
        "status": {"allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110"},
                   "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110"}},
    }
    try:
        client.CoreV1Api(api).create_node(body)
    except ApiException as exc:
        if exc.status != 409:
            raise


def _apply(api: client.ApiClient, paths: list[str]) -> int:
    dyn = dynamic.DynamicClient(api)
    count = 0
    for path in paths:
        with open(path) as handle:
            docs = [d for d in yaml.safe_load_all(handle) if d]
        for doc in docs:
            for attempt in range(30):  # a CR right after its CRD: discovery needs a moment
                try:
                    resource = dyn.resources.get(api_version=doc["apiVersion"], kind=doc["kind"])
                    resource.server_side_apply(body=doc, namespace=doc["metadata"].get("namespace"),
                                               field_manager="mcp-cloud-bootstrap", force_conflicts=True)
                    break
                except Exception:  # noqa: BLE001 - retried, then raised
                    if attempt == 29:
                        raise
                    dyn.resources.invalidate_cache()
                    time.sleep(0.3)
            count += 1
    return count


def _wait_crds(api: client.ApiClient, timeout: float = 60) -> None:
    ext = client.ApiextensionsV1Api(api)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        items = ext.list_custom_resource_definition().items
        pending = [c.metadata.name for c in items
                   if not any(x.type == "Established" and x.status == "True" for x in (c.status.conditions or []))]
        if not pending:
            return
        time.sleep(0.3)
    raise SystemExit(f"CRDs not established after {timeout}s: {pending}")


def main(argv: list[str]) -> None:
    kubeconfig, command, *rest = argv
    api = config.new_client_from_config(config_file=kubeconfig)
    if command == "node":
        _node(api, rest[0])
    elif command == "apply":
        print(f"applied {_apply(api, rest)} objects")
    elif command == "wait-crds":
        _wait_crds(api)
    else:
        raise SystemExit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv[1:])
