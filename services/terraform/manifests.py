"""Kubernetes manifests for the app of an intent, and the GitOps object that syncs them.

Secure defaults cover everything the user did not ask for: a non-root user with a
high UID, read-only root filesystem, no privilege escalation, all capabilities
dropped, RuntimeDefault seccomp, no service account token, requests and limits,
probes. What the user did ask for is written as asked: `run_as_root` and
`privileged` end up in the manifest, and the guardrail service blocks them. The
generator does not quietly "fix" a request, or a blocked request would look approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from shared.contracts.intent import AppSpec, DeploymentIntent

NON_ROOT_UID = 10001
MANAGED_BY = "mcp-cloud"
# Argo CD's retry of a failed automated sync: 3 more attempts, then the operation is Failed. Argo CD
# v3.2.11 waits duration*factor^n with n counting from 1 (10, 20, 40 s as observed), so ~70 s in all;
# its default (5 retries, 10 s doubling to 160 s) keeps a rejected manifest "Running" for ~5 min
# before the verdict services/k8s/controllers.py waits for.
ARGOCD_SYNC_RETRY = {"limit": 3, "backoff": {"duration": "5s", "factor": 2, "maxDuration": "1m"}}


@dataclass(frozen=True)
class ImageProfile:
    """What a known image needs to run under the defaults above."""

    port_name: str = "app"
    writable_paths: tuple[tuple[str, str], ...] = (("/tmp", "64Mi"),)  # (path, emptyDir size limit)
    http_probe_path: str | None = None  # None: TCP probe
    service_port: int | None = None  # None: same as the container port


# nginx-unprivileged listens on 8080 and writes only to its cache, /var/run and /tmp,
# which is what a read-only root filesystem needs as emptyDir mounts.
_NGINX = ImageProfile(
    port_name="http",
    writable_paths=(("/var/cache/nginx", "64Mi"), ("/var/run", "1Mi"), ("/tmp", "64Mi")),
    http_probe_path="/",
    service_port=80,
)
PROFILES = {
    "nginx": _NGINX,
    "nginx-unprivileged": _NGINX,
    "redis": ImageProfile(port_name="redis", writable_paths=(("/data", "1Gi"), ("/tmp", "64Mi"))),
}


def profile_for(image: str) -> ImageProfile:
    return PROFILES.get(image.rsplit("/", 1)[-1], ImageProfile())


def app_manifests(intent: DeploymentIntent, app: AppSpec) -> dict[str, dict[str, Any]]:
    """File name (inside `kubernetes/<app>/`) -> manifest."""
    profile = profile_for(app.image)
    docs = {
        f"{app.kind.lower()}.yaml": _workload(intent, app, profile),
        "service.yaml": _service(intent, app, profile),
    }
    if app.expose:
        docs["ingress.yaml"] = _ingress(intent, app, profile)
    return docs


def gitops_manifests(
    intent: DeploymentIntent, app: AppSpec, repo_url: str, revision: str
) -> list[tuple[str, dict[str, Any]]]:
    """(file name inside `kubernetes/gitops/`, manifest) per object; empty when gitops is off.

    Each object names the repository it syncs from (`repo_url`, which must be one the
    cluster can clone: see shared/gitops.py) and the branch the approved change is merged
    into, so the k8s service applies exactly these objects and then asks the controller
    to reconcile.
    """
    name = f"{intent.stack}-{app.name}"

    def metadata(namespace: str) -> dict[str, Any]:
        return {"name": name, "namespace": namespace, "labels": _labels(intent, app)}

    if intent.gitops == "argocd":
        return [("argocd-application.yaml", {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {**metadata("argocd"), "finalizers": ["resources-finalizer.argocd.argoproj.io"]},
            "spec": {
                "project": "default",
                # A plain directory of YAML: `include` makes Argo CD read it as such (not kustomize/helm).
                "source": {"repoURL": repo_url, "targetRevision": revision, "path": f"kubernetes/{app.name}",
                           "directory": {"include": "*.yaml"}},
                "destination": {"server": "https://kubernetes.default.svc", "namespace": app.namespace},
                "syncPolicy": {"automated": {"prune": True, "selfHeal": True}, "syncOptions": ["CreateNamespace=true"],
                               "retry": ARGOCD_SYNC_RETRY},
            },
        })]
    if intent.gitops == "flux":
        return [
            ("flux-gitrepository.yaml", {
                "apiVersion": "source.toolkit.fluxcd.io/v1",
                "kind": "GitRepository",
                "metadata": metadata("flux-system"),
                "spec": {"interval": "5m", "url": repo_url, "ref": {"branch": revision}},
            }),
            ("flux-kustomization.yaml", {
                "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
                "kind": "Kustomization",
                "metadata": metadata("flux-system"),
                "spec": {
                    "interval": "5m",
                    "path": f"./kubernetes/{app.name}",
                    "prune": True,
                    "wait": True,
                    "timeout": "3m",
                    "sourceRef": {"kind": "GitRepository", "name": name},
                    "targetNamespace": app.namespace,
                },
            }),
        ]
    return []


def notes(app: AppSpec) -> list[str]:
    """Plain remarks for the bundle summary about what the request asks for."""
    remarks = []
    if app.run_as_root or app.privileged:
        asked = " and ".join(x for x, on in (("run as root", app.run_as_root), ("privileged", app.privileged)) if on)
        remarks.append(f"{app.name}: generated as requested ({asked}); the guardrail service decides")
    if app.image.rsplit("/", 1)[-1] == "nginx" and not app.run_as_root:
        remarks.append(
            f"{app.name}: the official nginx image expects root (port 80, cache ownership); "
            "nginxinc/nginx-unprivileged on port 8080 runs as the non-root user this manifest sets"
        )
    return remarks


def dump(document: dict[str, Any]) -> str:
    """One YAML document, keys in the order Kubernetes users expect."""
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, allow_unicode=True)


def _labels(intent: DeploymentIntent, app: AppSpec) -> dict[str, str]:
    return {**_selector(intent, app), "app.kubernetes.io/managed-by": MANAGED_BY}


def _selector(intent: DeploymentIntent, app: AppSpec) -> dict[str, str]:
    return {"app.kubernetes.io/name": app.name, "app.kubernetes.io/part-of": intent.stack}


def _metadata(intent: DeploymentIntent, app: AppSpec) -> dict[str, Any]:
    return {"name": app.name, "namespace": app.namespace, "labels": _labels(intent, app)}


def _workload(intent: DeploymentIntent, app: AppSpec, profile: ImageProfile) -> dict[str, Any]:
    """The app's Deployment, DaemonSet or StatefulSet (app.kind), with the same pod template."""
    uid = 0 if app.run_as_root else NON_ROOT_UID
    pod_security: dict[str, Any] = {"runAsNonRoot": not app.run_as_root, "runAsUser": uid, "runAsGroup": uid}
    if not app.run_as_root:
        pod_security["fsGroup"] = NON_ROOT_UID
    pod_security["seccompProfile"] = {"type": "RuntimeDefault"}

    # Kubernetes rejects privileged: true together with allowPrivilegeEscalation: false,
    # and dropping capabilities of a privileged container would only mislead a reader.
    container_security: dict[str, Any] = {
        "allowPrivilegeEscalation": app.privileged,
        "privileged": app.privileged,
        "readOnlyRootFilesystem": True,
    }
    if not app.privileged:
        container_security["capabilities"] = {"drop": ["ALL"]}

    def probe(initial_delay: int, period: int) -> dict[str, Any]:
        # A fresh dict per probe: shared objects would be dumped as YAML anchors.
        if profile.http_probe_path:
            check: dict[str, Any] = {"httpGet": {"path": profile.http_probe_path, "port": profile.port_name}}
        else:
            check = {"tcpSocket": {"port": profile.port_name}}
        return {**check, "initialDelaySeconds": initial_delay, "periodSeconds": period}

    volumes = [(path.strip("/").replace("/", "-"), path, size) for path, size in profile.writable_paths]
    container = {
        "name": app.name,
        "image": f"{app.image}:{app.tag}",
        # Always: the kubelet re-checks registry credentials even when the node has the image.
        "imagePullPolicy": "Always",
        "ports": [{"name": profile.port_name, "containerPort": app.port, "protocol": "TCP"}],
        "securityContext": container_security,
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        },
        "readinessProbe": probe(initial_delay=5, period=10),
        "livenessProbe": probe(initial_delay=15, period=20),
        "volumeMounts": [{"name": name, "mountPath": path} for name, path, _ in volumes],
    }
    template = {
        "metadata": {"labels": _labels(intent, app)},
        "spec": {
            "automountServiceAccountToken": False,
            "securityContext": pod_security,
            "containers": [container],
            "volumes": [{"name": name, "emptyDir": {"sizeLimit": size}} for name, _, size in volumes],
        },
    }
    spec: dict[str, Any] = {}
    if app.kind != "DaemonSet":
        spec["replicas"] = app.replicas
    if app.kind == "StatefulSet":
        spec["serviceName"] = app.name
    spec["revisionHistoryLimit"] = 5
    spec["selector"] = {"matchLabels": _selector(intent, app)}
    if app.kind == "Deployment":
        spec["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    elif app.kind == "DaemonSet":
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}}
    else:
        spec["updateStrategy"] = {"type": "RollingUpdate"}
    spec["template"] = template
    return {"apiVersion": "apps/v1", "kind": app.kind, "metadata": _metadata(intent, app), "spec": spec}


def _service(intent: DeploymentIntent, app: AppSpec, profile: ImageProfile) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(intent, app),
        "spec": {
            "type": "ClusterIP",
            "selector": _selector(intent, app),
            "ports": [
                {
                    "name": profile.port_name,
                    "port": profile.service_port or app.port,
                    "targetPort": profile.port_name,
                    "protocol": "TCP",
                }
            ],
        },
    }


def _ingress(intent: DeploymentIntent, app: AppSpec, profile: ImageProfile) -> dict[str, Any]:
    # No host and no class: the cluster's default IngressClass serves it on every host.
    backend = {"service": {"name": app.name, "port": {"name": profile.port_name}}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": _metadata(intent, app),
        "spec": {"rules": [{"http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}}]},
    }
