#!/usr/bin/env bash
# Every test, each in the environment of the code it tests: the policy service's tests
# run in .venv-policy (checkov), the rest in .venv. Prints one combined closing line.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export MCP_TEST_LOG_DIR="$ROOT/.data/test-logs"
mkdir -p "$MCP_TEST_LOG_DIR"

summary() { # pytest output file -> "passed failed"
  local line; line="$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$1" | tail -n1)"
  local p f e
  p="$(grep -oE '[0-9]+ passed' <<<"$line" | cut -d' ' -f1)"; f="$(grep -oE '[0-9]+ failed' <<<"$line" | cut -d' ' -f1)"
  e="$(grep -oE '[0-9]+ error' <<<"$line" | cut -d' ' -f1)"
  echo "${p:-0} $(( ${f:-0} + ${e:-0} ))"
}

out_main="$(mktemp)"; out_policy="$(mktemp)"
.venv/bin/python -m pytest tests --ignore=tests/policy -p no:cacheprovider --durations=15 "$@" 2>&1 | tee "$out_main"
rc_main=${PIPESTATUS[0]}
.venv-policy/bin/python -m pytest tests/policy -p no:cacheprovider "$@" 2>&1 | tee "$out_policy"
rc_policy=${PIPESTATUS[0]}

read -r p1 f1 <<<"$(summary "$out_main")"
read -r p2 f2 <<<"$(summary "$out_policy")"
echo
echo "tests: $((p1 + p2)) passed, $((f1 + f2)) failed"
[ "$rc_main" -eq 0 ] && [ "$rc_policy" -eq 0 ]
