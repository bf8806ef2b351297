#!/usr/bin/env bash
# After a dependency bump: finds the versions the registry lacks (YN0082) and pins
# each to the newest version the registry has, in root `resolutions`, until
# `yarn install --mode=update-lockfile` succeeds.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
for round in $(seq 1 30); do
  if yarn install --mode=update-lockfile >/tmp/launchpad-pin.log 2>&1; then
    lp_step "lockfile resolves (round $round)"; exit 0
  fi
  missing=$(grep -oE 'YN0082: .*: No candidates found' /tmp/launchpad-pin.log | sed -E 's/.*│ //; s/^YN0082: //; s/: No candidates found//' | sed -E 's/\x1b\[[0-9;]*m//g' | sort -u)
  if [ -z "$missing" ]; then tail -30 /tmp/launchpad-pin.log; exit 1; fi
  for spec in $missing; do
    name="${spec%@npm:*}"
    latest=$(npm view "$name" version 2>/dev/null)
    lp_step "pinning $name to $latest (wanted $spec)"
    node -e '
      const fs = require("fs"); const [name, version] = process.argv.slice(1);
      const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
      pkg.resolutions = { ...pkg.resolutions, [name]: version };
      fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2) + "\n");
    ' "$name" "$latest"
  done
done
exit 1
