#!/usr/bin/env bash
# Installs what is missing: Node 22 (when the system Node is older), then the
# dependencies with `yarn install --immutable`. Idempotent: skipped when the
# lockfile and every package.json are unchanged since the last install.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

stamp_file="node_modules/.launchpad-install-stamp"
stamp=$( { node -v; cat yarn.lock package.json packages/*/package.json plugins/*/package.json; } | sha256sum | cut -d' ' -f1)
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
  lp_step "dependencies up to date (Node $(node -v), yarn $(yarn -v))"
  exit 0
fi

lp_step "installing dependencies with yarn $(yarn -v) on Node $(node -v) (cold: about 4 minutes)"
start=$(date +%s)
# The log is long: show yarn's step headers and warnings, keep the rest in a file.
mkdir -p node_modules
if ! yarn install --immutable >node_modules/.launchpad-install.log 2>&1; then
  tail -40 node_modules/.launchpad-install.log
  echo "yarn install failed; full log: node_modules/.launchpad-install.log" >&2
  echo "If it says 'No candidates found', run: bash scripts/pin-missing.sh" >&2
  exit 1
fi
grep -E 'YN0000: (┌|└)|Done' node_modules/.launchpad-install.log | sed 's/^/    /' || true
echo "$stamp" >"$stamp_file"
lp_step "dependencies installed in $(( $(date +%s) - start ))s"
