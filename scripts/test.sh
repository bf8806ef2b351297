#!/usr/bin/env bash
# The README's second command: every check. Type check, lint, unit and
# integration tests (the sandbox, PostgreSQL and Redis on loopback), then the
# browser tests in e2e/ (Playwright driving Debian's Chromium against a portal
# the harness starts and stops itself). With CI=true a missing browser fails.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

bash scripts/install.sh || exit 1

passed=0; failed=0; failures=()
check() { # check <name> <command...>
  local name=$1; shift
  local start=$(date +%s)
  lp_step "▶ $name"
  if "$@"; then
    passed=$((passed + 1)); lp_step "✔ $name ($(( $(date +%s) - start ))s)"
  else
    failed=$((failed + 1)); failures+=("$name"); lp_step "✘ $name ($(( $(date +%s) - start ))s)"
  fi
}

check "type check" yarn tsc
check "lint" yarn backstage-cli repo lint
check "formatting (prettier)" yarn prettier --check --loglevel warn .
# Jest watches by default outside CI; --watchAll=false makes it a single run.
check "unit and integration tests" yarn backstage-cli repo test --watchAll=false

chromium="${LAUNCHPAD_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  check "browser tests (e2e/)" yarn playwright test
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium not found at $chromium: with CI=true the browser tests are required" >&2
  failed=$((failed + 1)); failures+=("browser tests (no Chromium)")
else
  lp_step "⚠ SKIPPED browser tests: no Chromium at $chromium (apt-get install -y chromium)"
fi

[ ${#failures[@]} -eq 0 ] || printf '  failed: %s\n' "${failures[@]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
