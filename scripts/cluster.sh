#!/usr/bin/env bash
# The local Kubernetes cluster MCP Cloud deploys to by default, every listener on 127.0.0.1:
#   etcd, kube-apiserver (RBAC, audit log), kube-controller-manager, kube-scheduler,
#   kwok (one simulated node: pods are scheduled and reach Running, no container runs),
#   a read-only git smart-HTTP server for the local GitOps repositories,
#   Flux source-controller + kustomize-controller, Argo CD application-controller +
#   repo-server (+ its in-process redis), all as plain processes with the admin kubeconfig.
#
#   scripts/cluster.sh start     build once per machine (scripts/cluster-build.sh), then start
#   scripts/cluster.sh stop      stop what start started (by recorded pids)
#   scripts/cluster.sh status    one line each; exit 1 if any is down
#   scripts/cluster.sh env       print the env file (MCP_KUBECONFIG, MCP_GITOPS_REPO_BASE_URL, ...)
#
# Env: CLUSTER_RUN (default .data/cluster: certs, kubeconfig, logs, pids, cluster.env),
# MCP_LOCAL_GIT_ROOT (repositories served; default .data/gitops), CLUSTER_GITOPS=0|flux|argocd
# (no controllers / only one; default both), CLUSTER_BUILD=0 (use the cached binaries, build
# nothing), CLUSTER_<NAME>_PORT to pin a port (APISERVER, ETCD, ETCD_PEER, GIT, ...),
# CLUSTER_FRESH=1 (wipe etcd's data). Ports are otherwise reused from the last start when
# free, else picked free, and written to $CLUSTER_RUN/cluster.env for the stack and tests.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${CLUSTER_RUN:-$ROOT/.data/cluster}"
GIT_ROOT="${MCP_LOCAL_GIT_ROOT:-$ROOT/.data/gitops}"
PY="${CLUSTER_PYTHON:-$ROOT/.venv/bin/python}"
P="$RUN/pki"; L="$RUN/logs"; ENVFILE="$RUN/cluster.env"
GITOPS="${CLUSTER_GITOPS:-1}"  # 1: Flux and Argo CD; flux or argocd: that one; 0: none
PROCS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok git-http)
GITOPS_PROCS=(flux-source flux-kustomize argocd-redis argocd-repo-server argocd-application-controller)
log() { echo "[cluster $(date +%H:%M:%S)] $*" >&2; }

alive() { [ -s "$RUN/pids/$1" ] && kill -0 "$(cat "$RUN/pids/$1")" 2>/dev/null; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pick_port() { # NAME -> a port: CLUSTER_NAME_PORT, else last start's if free, else a free one
  local name=$1 pinned var previous=""
  var="CLUSTER_${name}_PORT"; pinned="${!var:-}"
  if [ -n "$pinned" ]; then echo "$pinned"; return; fi
  [ -f "$RUN/ports" ] && previous=$(awk -v n="$name" '$1==n {print $2}' "$RUN/ports")
  if [ -n "$previous" ] && port_free "$previous"; then echo "$previous"; else free_port; fi
}

certs() {
  [ -s "$P/admin.crt" ] && return
  log "certificates, service-account key pair -> $P"
  mkdir -p "$P"
  local o="openssl"
  ( cd "$P"
    $o req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=mcp-cloud-local-ca" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
    $o req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    $o x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile server.ext 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' > client.ext
    $o req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
    $o x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 -extfile client.ext 2>/dev/null
    $o genrsa -out sa.key 2048 2>/dev/null; $o rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext )
}

kubeconfig() { # the admin kubeconfig for this start's port
  cat > "$RUN/admin.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mcp-local
  cluster: {server: "https://127.0.0.1:$APISERVER_PORT", certificate-authority: "$P/ca.crt"}
users:
- name: mcp-local-admin
  user: {client-certificate: "$P/admin.crt", client-key: "$P/admin.key"}
contexts:
- name: mcp-local
  context: {cluster: mcp-local, user: mcp-local-admin}
current-context: mcp-local
EOF
}

launch() { # NAME CMD... (own process group, pid recorded, log in $L/NAME.log)
  local name=$1; shift
  if alive "$name"; then log "$name already running (pid $(cat "$RUN/pids/$name"))"; return; fi
  setsid "$@" >"$L/$name.log" 2>&1 </dev/null &
  echo $! > "$RUN/pids/$name"
}

wait_for() { # NAME SECONDS CHECK...
  local name=$1 seconds=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    alive "$name" || { log "$name exited; last lines of $L/$name.log:"; tail -n 20 "$L/$name.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { log "$name not ready after ${seconds}s; see $L/$name.log"; exit 1; }
    sleep 0.2
  done
}

start() {
  local t0=$SECONDS bins
  log "binaries (cached per machine; the first build takes ≈25 min and prints its progress)"
  if [ "${CLUSTER_BUILD:-1}" = 1 ]; then
    if [ "$GITOPS" = 0 ]; then bash "$ROOT/scripts/cluster-build.sh" k8s >/dev/null; else bash "$ROOT/scripts/cluster-build.sh" all >/dev/null; fi
  fi
  bins=$(bash "$ROOT/scripts/cluster-build.sh" bin-dirs); eval "$bins"
  mkdir -p "$RUN/pids" "$L" "$GIT_ROOT"
  certs
  [ "${CLUSTER_FRESH:-0}" = 1 ] && rm -rf "$RUN/etcd-data"
  : > "$RUN/ports.new"
  for name in APISERVER ETCD ETCD_PEER GIT FLUX_STORAGE FLUX_SOURCE_METRICS FLUX_SOURCE_HEALTH \
              FLUX_KUSTOMIZE_METRICS FLUX_KUSTOMIZE_HEALTH ARGOCD_REDIS ARGOCD_REPO ARGOCD_REPO_METRICS ARGOCD_CONTROLLER_METRICS; do
    local v="${name}_PORT"
    if [ -z "${!v:-}" ]; then
      if alive kube-apiserver && [ -f "$RUN/ports" ]; then eval "$v=$(awk -v n="$name" '$1==n {print $2}' "$RUN/ports")"
      else eval "$v=$(pick_port "$name")"; fi
    fi
    echo "$name ${!v}" >> "$RUN/ports.new"
  done
  mv "$RUN/ports.new" "$RUN/ports"
  kubeconfig
  local KC="$RUN/admin.kubeconfig"
  local CURL="curl -sf --cacert $P/ca.crt --cert $P/admin.crt --key $P/admin.key"

  log "etcd on 127.0.0.1:$ETCD_PORT"
  launch etcd "$K8S_BIN/etcd" --name default --data-dir "$RUN/etcd-data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "default=http://127.0.0.1:$ETCD_PEER_PORT" --listen-metrics-urls "" --unsafe-no-fsync=true
  wait_for etcd 30 curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  log "kube-apiserver on https://127.0.0.1:$APISERVER_PORT (RBAC, audit log $L/audit.log)"
  launch kube-apiserver "$K8S_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$APISERVER_PORT" \
    --tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$P/sa.pub" \
    --service-account-signing-key-file="$P/sa.key" --service-cluster-ip-range=10.0.0.0/24 \
    --authorization-mode=Node,RBAC --endpoint-reconciler-type=none --cert-dir="$RUN/apiserver-certs" \
    --audit-policy-file="$ROOT/deploy/local-k8s/audit-policy.yaml" --audit-log-path="$L/audit.log" \
    --audit-log-maxsize=100 --audit-log-maxbackup=1
  wait_for kube-apiserver 60 $CURL "https://127.0.0.1:$APISERVER_PORT/readyz"

  log "kube-controller-manager, kube-scheduler, kwok (simulated node kwok-node-0)"
  launch kube-controller-manager "$K8S_BIN/kube-controller-manager" --kubeconfig="$KC" --leader-elect=false \
    --secure-port=0 --service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
    --use-service-account-credentials=true
  launch kube-scheduler "$K8S_BIN/kube-scheduler" --kubeconfig="$KC" --leader-elect=false --secure-port=0
  launch kwok "$K8S_BIN/kwok" --kubeconfig="$KC" --config="$K8S_BIN/kwok-stages.yaml" \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake --cidr=10.244.0.1/24 --node-ip=127.0.0.1
  "$PY" "$ROOT/deploy/local-k8s/bootstrap.py" "$KC" node kwok-node-0
  wait_for kube-apiserver 60 $CURL "https://127.0.0.1:$APISERVER_PORT/api/v1/namespaces/default/serviceaccounts/default"

  log "git smart-HTTP server on http://127.0.0.1:$GIT_PORT/ serving $GIT_ROOT"
  launch git-http "$PY" "$ROOT/deploy/local-gitops/git_http.py" "$GIT_ROOT" "$GIT_PORT"
  wait_for git-http 20 curl -s -o /dev/null "http://127.0.0.1:$GIT_PORT/"

  if [ "$GITOPS" != 0 ]; then
    log "CRDs (Flux, Argo CD) and the controllers' bootstrap objects"
    "$PY" "$ROOT/deploy/local-k8s/bootstrap.py" "$KC" apply "${CLUSTER_CRDS:-$GITOPS_BIN/crds.yaml}" >/dev/null
    "$PY" "$ROOT/deploy/local-k8s/bootstrap.py" "$KC" wait-crds
    "$PY" "$ROOT/deploy/local-k8s/bootstrap.py" "$KC" apply "$ROOT/deploy/local-gitops/bootstrap-objects.yaml" >/dev/null
    mkdir -p "$RUN/flux-storage"
  fi
  if [ "$GITOPS" = 1 ] || [ "$GITOPS" = flux ]; then
    log "Flux source-controller + kustomize-controller"
    launch flux-source env KUBECONFIG="$KC" RUNTIME_NAMESPACE=flux-system "$GITOPS_BIN/source-controller" \
      --storage-path="$RUN/flux-storage" --storage-addr="127.0.0.1:$FLUX_STORAGE_PORT" \
      --storage-adv-addr="127.0.0.1:$FLUX_STORAGE_PORT" --metrics-addr="127.0.0.1:$FLUX_SOURCE_METRICS_PORT" \
      --health-addr="127.0.0.1:$FLUX_SOURCE_HEALTH_PORT" --enable-leader-election=false
    launch flux-kustomize env KUBECONFIG="$KC" RUNTIME_NAMESPACE=flux-system "$GITOPS_BIN/kustomize-controller" \
      --metrics-addr="127.0.0.1:$FLUX_KUSTOMIZE_METRICS_PORT" --health-addr="127.0.0.1:$FLUX_KUSTOMIZE_HEALTH_PORT" \
      --enable-leader-election=false
    wait_for flux-source 60 curl -sf "http://127.0.0.1:$FLUX_SOURCE_HEALTH_PORT/readyz"
    wait_for flux-kustomize 60 curl -sf "http://127.0.0.1:$FLUX_KUSTOMIZE_HEALTH_PORT/readyz"
  fi
  if [ "$GITOPS" = 1 ] || [ "$GITOPS" = argocd ]; then
    log "Argo CD redis, repo-server, application-controller"
    local ARGO_ENV=(env ARGOCD_FAKE_IN_CLUSTER=true ARGOCD_GPG_ENABLED=false KUBECONFIG="$KC" HOME="$RUN/argocd-home")
    mkdir -p "$RUN/argocd-home"
    launch argocd-redis "$GITOPS_BIN/argocd-local" redis "127.0.0.1:$ARGOCD_REDIS_PORT"
    wait_for argocd-redis 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ARGOCD_REDIS_PORT"
    launch argocd-repo-server "${ARGO_ENV[@]}" "$GITOPS_BIN/argocd-local" repo-server --address 127.0.0.1 \
      --port "$ARGOCD_REPO_PORT" --metrics-port "$ARGOCD_REPO_METRICS_PORT" --disable-tls \
      --redis "127.0.0.1:$ARGOCD_REDIS_PORT"
    launch argocd-application-controller "${ARGO_ENV[@]}" "$GITOPS_BIN/argocd-local" application-controller \
      --kubeconfig "$KC" --namespace argocd --repo-server "127.0.0.1:$ARGOCD_REPO_PORT" --repo-server-plaintext \
      --redis "127.0.0.1:$ARGOCD_REDIS_PORT" --metrics-port "$ARGOCD_CONTROLLER_METRICS_PORT"
    wait_for argocd-repo-server 60 bash -c "exec 3<>/dev/tcp/127.0.0.1/$ARGOCD_REPO_PORT"
    wait_for argocd-application-controller 60 curl -s -o /dev/null "http://127.0.0.1:$ARGOCD_CONTROLLER_METRICS_PORT/metrics"
  fi

  cat > "$ENVFILE" <<EOF
MCP_KUBECONFIG=$KC
MCP_KUBE_CONTEXT=mcp-local
MCP_GITOPS_REPO_BASE_URL=http://127.0.0.1:$GIT_PORT
MCP_LOCAL_GIT_ROOT=$GIT_ROOT
MCP_CLUSTER_AUDIT_LOG=$L/audit.log
MCP_CLUSTER_SIMULATED_NODES=true
MCP_CLUSTER_GITOPS_CONTROLLERS=$(case "$GITOPS" in 1) echo argocd,flux ;; 0) echo "" ;; *) echo "$GITOPS" ;; esac)
EOF
  log "up in $((SECONDS - t0)) s: KUBECONFIG=$KC (nodes simulated by KWOK: no container runs); env in $ENVFILE"
}

stop() {
  [ -d "$RUN/pids" ] || return 0
  local name pid
  for name in $(printf '%s\n' "${PROCS[@]}" "${GITOPS_PROCS[@]}" | tac); do
    [ -s "$RUN/pids/$name" ] || continue
    pid=$(cat "$RUN/pids/$name")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      log "stopped $name ($pid)"
    fi
    rm -f "$RUN/pids/$name"
  done
}

status() {
  local down=0 name
  for name in "${PROCS[@]}" "${GITOPS_PROCS[@]}"; do
    if alive "$name"; then echo "$name up (pid $(cat "$RUN/pids/$name"))"
    elif [[ " ${GITOPS_PROCS[*]} " == *" $name "* ]] && [ "$GITOPS" != 1 ] && [[ "$name" != "$GITOPS"* ]]; then echo "$name off"
    else echo "$name down"; down=1; fi
  done
  return "$down"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) cat "$ENVFILE" ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
