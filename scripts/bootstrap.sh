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

ensure_venv() { # venv requirement-files...
  local venv="$1"; shift
  local stamp="$venv/.requirements.sha256"
  local want
  want="$(cat "$@" shared/requirements.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  log "installing $venv ($*)"
  [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  local args=()
  for req in "$@"; do args+=(-r "$req"); done
  "$venv/bin/pip" install -q "${args[@]}"
  "$venv/bin/pip" install -q --no-deps -e .
  echo "$want" >"$stamp"
}

ensure_venv .venv services/gateway/requirements.txt services/rag/requirements.txt \
  services/terraform/requirements.txt services/github/requirements.txt services/k8s/requirements.txt \
  requirements-test.txt
ensure_venv .venv-policy services/policy/requirements.txt requirements-test.txt
missing=()
for tool in git curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
fi
# The MCP Inspector CLI (npm), a second MCP client for tests/mcp/test_mcp_inspector.py:
# installed from its lockfile into tools/mcp-inspector/node_modules, again only when it changed.
if ! command -v npm >/dev/null; then
  log "apt-get install nodejs npm"
  apt-get -o DPkg::Lock::Timeout=600 update -qq && apt-get -o DPkg::Lock::Timeout=600 install -y -qq nodejs npm >/dev/null
fi
inspector=tools/mcp-inspector
want="$(sha256sum "$inspector/package-lock.json" | cut -d' ' -f1)"
if [ ! -x "$inspector/node_modules/.bin/mcp-inspector" ] || [ "$(cat "$inspector/node_modules/.lock.sha256" 2>/dev/null)" != "$want" ]; then
  log "npm ci in $inspector"
  npm ci --prefix "$inspector" --no-audit --no-fund --loglevel=error >/dev/null
  echo "$want" >"$inspector/node_modules/.lock.sha256"
fi
log "python environments and the MCP Inspector ready"
