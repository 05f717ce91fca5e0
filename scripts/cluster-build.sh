#!/usr/bin/env bash
# Builds the local cluster's binaries from the Go module proxy, once per machine, into a
# cache outside the repository keyed by the versions and build flags:
#   k8s:    etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (+ stages), kustomize
#   gitops: Flux source-controller + kustomize-controller, a small Argo CD binary
# Usage: cluster-build.sh k8s|gitops|all   (prints the BIN_DIR of each part it built)
# A complete BIN_DIR is reused; an interrupted build resumes (Go's build cache).
# Cold on 2 cores: k8s ≈12 min, Flux ≈9 min, Argo CD ≈6 min.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
K8S=v1.37.2; ETCD=v3.6.16; KWOK=v0.8.0; FLUX=v1.9.6; ARGOCD=v3.2.11; KUSTOMIZE=v5.8.0
LDFLAGS="-s -w"
CACHE=${MCP_CLUSTER_CACHE:-$HOME/.cache/mcpcloud}
key() { printf '%s' "$*" | sha256sum | cut -c1-10; }
K8S_BIN=$CACHE/k8s-$K8S-etcd-$ETCD-kwok-$KWOK-$(key "$LDFLAGS" "$(cat "$here"/deploy/local-k8s/*/go.sum)")/bin
GITOPS_BIN=$CACHE/flux-$FLUX-argocd-$ARGOCD-$(key "$LDFLAGS" "$(cat "$here"/deploy/local-gitops/*/go.sum "$here"/deploy/local-gitops/argocd-build/main.go)")/bin
command -v go >/dev/null || { echo "[cluster-build] go is not on PATH" >&2; exit 1; }
log() { echo "[cluster-build $(date +%H:%M:%S)] $*" >&2; }

build_k8s() {
  mkdir -p "$K8S_BIN"; local B=$K8S_BIN
  have() { for b in "$@"; do [ -x "$B/$b" ] || return 1; done; }
  if ! have etcd; then
    log "building etcd $ETCD"
    (cd "$here/deploy/local-k8s/etcd-build" && go build -ldflags "$LDFLAGS" -o "$B/etcd.tmp" go.etcd.io/etcd/server/v3 && mv "$B/etcd.tmp" "$B/etcd")
  fi
  if ! have kube-apiserver kube-controller-manager kube-scheduler; then
    log "building kube-apiserver, kube-controller-manager, kube-scheduler $K8S (the long step, ≈10 min cold)"
    local v=k8s.io/component-base/version tmp="$B/.k8s-tmp"
    mkdir -p "$tmp"
    (cd "$here/deploy/local-k8s/k8s-build" && go build \
       -ldflags "$LDFLAGS -X $v.gitVersion=$K8S -X $v.gitMajor=1 -X $v.gitMinor=37" -o "$tmp/" \
       k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
    mv "$tmp"/kube-* "$B/"; rmdir "$tmp"
  fi
  if ! have kwok; then
    log "building kwok $KWOK"
    GOBIN="$B" go install -ldflags "$LDFLAGS" "sigs.k8s.io/kwok/cmd/kwok@$KWOK"
  fi
  if ! have kustomize; then  # `kustomize build` of deploy/k8s (tests); v5.8.1+ needs Go 1.27
    log "building kustomize $KUSTOMIZE"
    GOBIN="$B" go install -ldflags "$LDFLAGS" "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE"
  fi
  if [ ! -s "$B/kwok-stages.yaml" ]; then
    local m; m=$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK/kustomize/stage
    [ -d "$m" ] || (cd "$here/deploy/local-k8s/k8s-build" && go mod download "sigs.k8s.io/kwok@$KWOK")
    for f in node/fast/node-initialize.yaml node/heartbeat/node-heartbeat.yaml pod/fast/pod-ready.yaml \
             pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      cat "$m/$f"; printf '\n---\n'
    done > "$B/kwok-stages.yaml.tmp"
    mv "$B/kwok-stages.yaml.tmp" "$B/kwok-stages.yaml"
  fi
  echo "$B"
}

build_gitops() {
  mkdir -p "$GITOPS_BIN"; local B=$GITOPS_BIN
  export GOFLAGS=-mod=mod
  for c in source kustomize; do
    [ -x "$B/$c-controller" ] && continue
    log "building Flux $c-controller $FLUX (≈4-5 min cold)"
    (cd "$here/deploy/local-gitops/flux-$c-build" && go build -ldflags "$LDFLAGS" -o "$B/$c-controller.tmp" "github.com/fluxcd/$c-controller" \
       && mv "$B/$c-controller.tmp" "$B/$c-controller")
  done
  if [ ! -x "$B/argocd-local" ]; then
    log "building Argo CD $ARGOCD (application-controller, repo-server, redis; ≈6 min cold)"
    (cd "$here/deploy/local-gitops/argocd-build" && go build -ldflags "$LDFLAGS" -o "$B/argocd-local.tmp" . && mv "$B/argocd-local.tmp" "$B/argocd-local")
  fi
  # CRDs ship in the modules; copy them beside the binaries so start-up needs no Go
  if [ ! -s "$B/crds.yaml" ]; then
    local mc; mc=$(go env GOMODCACHE)
    (cd "$here/deploy/local-gitops/flux-source-build" && go mod download github.com/fluxcd/source-controller@$FLUX)
    (cd "$here/deploy/local-gitops/flux-kustomize-build" && go mod download github.com/fluxcd/kustomize-controller@$FLUX)
    (cd "$here/deploy/local-gitops/argocd-build" && go mod download github.com/argoproj/argo-cd/v3@$ARGOCD)
    for f in "$mc"/github.com/fluxcd/source-controller@$FLUX/config/crd/bases/*.yaml \
             "$mc"/github.com/fluxcd/kustomize-controller@$FLUX/config/crd/bases/*.yaml \
             "$mc"/github.com/argoproj/argo-cd/v3@$ARGOCD/manifests/crds/*-crd.yaml; do
      cat "$f"; printf '\n---\n'
    done > "$B/crds.yaml.tmp"
    mv "$B/crds.yaml.tmp" "$B/crds.yaml"
  fi
  echo "$B"
}

case "${1:-all}" in
  k8s) build_k8s ;;
  gitops) build_gitops ;;
  all) build_k8s; build_gitops ;;
  bin-dirs) echo "K8S_BIN=$K8S_BIN"; echo "GITOPS_BIN=$GITOPS_BIN" ;;
  *) echo "usage: $0 k8s|gitops|all|bin-dirs" >&2; exit 2 ;;
esac
