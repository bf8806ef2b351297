#!/usr/bin/env bash
# The README's second command: every check. Type check, lint, unit and
# integration tests (the sandbox, PostgreSQL and Redis on loopback), and beside
# them the browser tests in e2e/ (Playwright driving Debian's Chromium against a
# portal the harness starts and stops itself). With CI=true a missing browser fails.
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

# The browser tests run beside the other checks: their portal, browser and
# the sandbox's clock mostly wait (task polling, page loads), which the CPU-bound
# type check, lint and Jest fill. Their output is kept in a file and printed
# when they end, so the two logs do not interleave. Measured on 2 cores: see
# the README's test-command paragraph.
chromium="${LAUNCHPAD_CHROMIUM:-/usr/bin/chromium}"
e2e_pid=""
e2e_log="$ROOT/e2e/.output/browser-tests.log"
if [ -x "$chromium" ]; then
  mkdir -p "$(dirname "$e2e_log")"
  e2e_start=$(date +%s)
  lp_step "▶ browser tests (e2e/), in the background: $e2e_log"
  ( yarn playwright test > "$e2e_log" 2>&1 ) &
  e2e_pid=$!
  # Interrupted: stop Playwright and the portal's process group (its PID file).
  trap 'kill "$e2e_pid" 2>/dev/null; [ -f e2e/.output/portal.pid ] && kill -- -"$(cat e2e/.output/portal.pid)" 2>/dev/null; exit 130' INT TERM
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium not found at $chromium: with CI=true the browser tests are required" >&2
  failed=$((failed + 1)); failures+=("browser tests (no Chromium)")
else
  lp_step "⚠ SKIPPED browser tests: no Chromium at $chromium (apt-get install -y chromium)"
fi

check "type check" yarn tsc
check "lint" yarn backstage-cli repo lint
check "formatting (prettier)" yarn prettier --check --loglevel warn .
# Jest watches by default outside CI; --watchAll=false makes it a single run.
check "unit and integration tests" yarn backstage-cli repo test --watchAll=false

if [ -n "$e2e_pid" ]; then
  # Playwright bounds itself (per-test timeouts, the harness's start timeout)
  # and its global teardown stops the portal by PID.
  wait "$e2e_pid"; e2e_rc=$?
  cat "$e2e_log"
  if [ "$e2e_rc" -eq 0 ]; then
    passed=$((passed + 1)); lp_step "✔ browser tests (e2e/) ($(( $(date +%s) - e2e_start ))s)"
  else
    failed=$((failed + 1)); failures+=("browser tests (e2e/)"); lp_step "✘ browser tests (e2e/) ($(( $(date +%s) - e2e_start ))s)"
  fi
fi

[ ${#failures[@]} -eq 0 ] || printf '  failed: %s\n' "${failures[@]}"
echo "checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
