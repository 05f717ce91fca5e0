"""Deploy an approved bundle to a cluster, directly or through its GitOps controller.

Order, so nothing is written unless every check passed:
1. the k8s service's own pod guardrail on every manifest (no API call before it passes);
2. discovery (each kind must be served), then a SelfSubjectAccessReview for every verb
   and resource the deploy and the watch will use;
3. missing namespaces created; a server-side dry run of every object (the API server's
   OpenAPI validation, defaulting and admission), all rejections collected;
4. server-side apply with field manager `mcp-cloud`.

GitOps: the approved change is already merged into the repository's main (the github
service did it). Before applying the Argo CD Application or Flux objects, the files on
main (cloned over the URL the controller uses) must equal the approved bundle's, so the
controller deploys what the guardrails passed; then a reconcile is requested.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass

from shared.contracts import ArtifactBundle, ClusterObserved, ControllerStatus, DeployResult, DeploymentIntent, FileKind
from shared.gitops import reachable_by_cluster

from services.k8s import apply as k8s_apply
from services.k8s import controllers, ownership, preflight
from services.k8s.cluster import ClusterTarget
from services.k8s.manifests import Manifest, load_manifests, refuse_unsafe_pods
from services.k8s.rollout import WORKLOAD_KINDS

GITOPS_DIR = "kubernetes/gitops/"
GITOPS_KINDS = {"Application", "GitRepository", "Kustomization"}
VALIDATED_BY_DRY_RUN = (
    "{n} objects accepted by the API server's server-side dry run (OpenAPI schema, strict field validation, "
    "defaulting, admission) on {cluster}"
)


class DeployRefused(RuntimeError):
    """A check refused the deploy before any write."""


@dataclass(frozen=True)
class Split:
    app: list[Manifest]
    gitops: list[Manifest]


def split(bundle: ArtifactBundle) -> Split:
    manifests = load_manifests(bundle)
    refuse_unsafe_pods(manifests)
    gitops = [m for m in manifests if m.file.startswith(GITOPS_DIR) and m.kind in GITOPS_KINDS]
    return Split([m for m in manifests if m not in gitops], gitops)


def observed_cluster(target: ClusterTarget) -> ClusterObserved:
    return ClusterObserved(context=target.context, name=target.cluster_name, server=target.server,
                           simulated_nodes=target.simulated_nodes())


def workloads(manifests: list[Manifest], default_namespace: str) -> list[str]:
    return [f"{m.kind}/{m.namespace or default_namespace}/{m.name}" for m in manifests if m.kind in WORKLOAD_KINDS]


def _checked_apply(target: ClusterTarget, manifests: list[Manifest], namespace: str, extra_namespaces: list[str],
                   extra_access: list[preflight.Access], app: list[Manifest]) -> tuple[list, list[str], int]:
    """`app`: the objects the deploy puts on the cluster (itself or through a controller),
    checked to belong to this stack after the preflight and before any write."""
    rendered = k8s_apply.render(target, manifests, namespace)
    preflight.check(target, k8s_apply.needed_access(rendered, watch=True) + extra_access)
    _refuse_foreign(target, rendered if app is manifests else k8s_apply.render(target, app, namespace))
    # extra_namespaces: where a controller will put the workloads (Flux does not create them)
    created = k8s_apply.ensure_namespaces(target, {r.namespace for r in rendered if r.namespace} | set(extra_namespaces))
    accepted = k8s_apply.dry_run(rendered)
    k8s_apply.apply(rendered)
    return rendered, created, accepted


def _refuse_foreign(target: ClusterTarget, objects: list[k8s_apply.Rendered]) -> None:
    try:
        ownership.refuse_foreign(target, objects)
    except ownership.ForeignObjects as exc:
        raise DeployRefused(str(exc)) from exc


def _watch_access(namespace: str) -> list[preflight.Access]:
    return [preflight.Access(verb, group, resource, namespace) for verb in ("get", "list", "watch")
            for group, resource in (("apps", "deployments"), ("apps", "replicasets"), ("", "pods"), ("", "events"))]


def deploy_direct(target: ClusterTarget, bundle: ArtifactBundle, intent: DeploymentIntent) -> DeployResult:
    parts = split(bundle)
    namespace = intent.app.namespace if intent.app else "default"
    cluster = observed_cluster(target)
    rendered, created, accepted = _checked_apply(target, parts.app, namespace, [], _watch_access(namespace),
                                                 parts.app)
    refs = [r.ref for r in rendered]
    validated = VALIDATED_BY_DRY_RUN.format(n=accepted, cluster=target.describe())
    return DeployResult(
        mode="direct", applied=True, objects=refs, cluster=cluster, validated=validated, namespaces_created=created,
        workloads=workloads(parts.app, namespace),
        message=f"Applied {len(refs)} objects server-side (field manager {k8s_apply.FIELD_MANAGER}) to "
                f"{target.describe()}; {validated}.",
    )


def repository_files(repo_url: str, revision: str, prefix: str = "kubernetes/") -> dict[str, str]:
    """The files under `prefix` at `revision`, cloned over the URL the controller uses."""
    with tempfile.TemporaryDirectory() as work:
        for command in (["git", "init", "-q", work], ["git", "-C", work, "fetch", "-q", "--depth", "1", repo_url, revision]):
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            if result.returncode:
                raise DeployRefused(f"cannot read {repo_url} at {revision[:10]}: {result.stderr.strip()}")
        listing = subprocess.run(["git", "-C", work, "ls-tree", "-r", "--name-only", "FETCH_HEAD", prefix],
                                 capture_output=True, text=True, check=True).stdout.split()
        return {path: subprocess.run(["git", "-C", work, "show", f"FETCH_HEAD:{path}"], capture_output=True,
                                     text=True, check=True).stdout for path in listing}


def _require_main_is_approved(bundle: ArtifactBundle, repo_url: str, head: str) -> list[str]:
    """Refuse unless main holds the approved manifests; return paths main has beyond them."""
    on_main = repository_files(repo_url, head)
    approved = {f.path: f.content for f in bundle.of_kind(FileKind.kubernetes)}
    differ = [p for p, content in approved.items() if on_main.get(p) != content]
    if differ:
        raise DeployRefused(f"main of {repo_url} at {head[:10]} differs from the approved files: {', '.join(differ)}")
    return sorted(set(on_main) - set(approved))


def deploy_gitops(target: ClusterTarget, bundle: ArtifactBundle, intent: DeploymentIntent) -> DeployResult:
    parts = split(bundle)
    if not parts.gitops:
        raise DeployRefused(f"intent asks for {intent.gitops}, but the bundle has no GitOps object under {GITOPS_DIR}")
    namespace = intent.app.namespace if intent.app else "default"
    urls = {_repo_url(m) for m in parts.gitops} - {""}
    if len(urls) != 1:
        raise DeployRefused(f"the GitOps objects name {len(urls)} repositories; expected one")
    repo_url = urls.pop()
    if not reachable_by_cluster(repo_url):
        raise DeployRefused(f"repoURL {repo_url} cannot be cloned by a cluster (http/https/ssh only): "
                            "set MCP_GITOPS_REPO_BASE_URL (scripts/cluster.sh prints it) or MCP_GITHUB_REPOSITORY")
    try:
        head = controllers.main_head(repo_url)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        raise DeployRefused(str(exc)) from exc
    extra = _require_main_is_approved(bundle, repo_url, head)
    cluster = observed_cluster(target)
    rendered, created, accepted = _checked_apply(target, parts.gitops, namespace, [namespace], _watch_access(namespace),
                                                 parts.app)
    controllers.request_reconcile(target, [r.body for r in rendered])
    refs = [r.ref for r in rendered]
    kind = "argocd" if any(m.kind == "Application" for m in parts.gitops) else "flux"
    validated = (VALIDATED_BY_DRY_RUN.format(n=accepted, cluster=target.describe())
                 + f"; the {len(parts.app)} app manifests are applied by {kind}, which reports its own errors")
    note = f" (main also has {len(extra)} files not in this bundle: {', '.join(extra[:5])})" if extra else ""
    return DeployResult(
        mode="gitops", applied=True, objects=refs, cluster=cluster, validated=validated, namespaces_created=created,
        workloads=workloads(parts.app, namespace), gitops_path=f"kubernetes/{intent.app.name}" if intent.app else "",
        controller=ControllerStatus(kind=kind, object=refs[-1], observed=False, expected_revision=head,
                                    message="reconcile requested"),
        message=f"Applied {', '.join(refs)} to {target.describe()}; main of {repo_url} is at {head[:10]} and holds "
                f"the approved files{note}; reconcile requested from {kind}.",
    )


def gitops_bodies(bundle: ArtifactBundle, namespace: str) -> list[dict]:
    """The GitOps objects as applied (namespace set), for the rollout step to watch."""
    bodies = []
    for manifest in split(bundle).gitops:
        body = dict(manifest.body)
        body["metadata"] = {**manifest.body["metadata"], "namespace": manifest.namespace or namespace}
        bodies.append(body)
    return bodies


def _repo_url(manifest: Manifest) -> str:
    spec = manifest.body.get("spec") or {}
    if manifest.kind == "Application":
        return (spec.get("source") or {}).get("repoURL", "")
    if manifest.kind == "GitRepository":
        return spec.get("url", "")
    return ""
