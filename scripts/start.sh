#!/usr/bin/env bash
# The README's first command: installs what is missing, then starts the sandbox
# (local GitHub, Kubernetes, ArgoCD, Argo Workflows with sample clusters and
# instances), the backend (SQLite in memory, guest sign-in) and the frontend.
#   bash scripts/start.sh            # app on http://localhost:3000
#   SANDBOX=0 bash scripts/start.sh  # no sandbox: point app-config.local.yaml at real systems
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

bash scripts/install.sh

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

wait_for() { # wait_for <url> <what> <seconds>
  local deadline=$(( $(date +%s) + $3 ))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    if [ "$(date +%s)" -gt "$deadline" ]; then echo "$2 did not come up at $1" >&2; exit 1; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "$2 exited" >&2; exit 1; }; done
    sleep 1
  done
}

config_args=(--config "$ROOT/app-config.yaml")
[ -f app-config.local.yaml ] && config_args+=(--config "$ROOT/app-config.local.yaml")

if [ "${SANDBOX:-1}" != "0" ]; then
  lp_step "starting the sandbox (GitHub :7100, clusters :7101 and :7102)"
  setsid bash -c 'source scripts/env.sh; exec node "$LP_YARN" workspace @internal/sandbox start' &
  pids+=($!)
  wait_for http://127.0.0.1:7100/_sandbox/state "the sandbox" 60
  lp_step "sandbox ready"
fi

lp_step "starting the backend (:7007) and the frontend (:3000); first compile takes a minute or two"
export BROWSER=none
setsid bash -c "source scripts/env.sh; exec node \"\$LP_YARN\" backstage-cli repo start ${config_args[*]}" &
pids+=($!)
wait_for http://127.0.0.1:7007/.backstage/health/v1/readiness "the backend" 300
lp_step "backend ready"
wait_for http://localhost:3000 "the frontend" 600
lp_step "portal ready: open http://localhost:3000 and sign in as guest (Ctrl-C stops everything)"
wait -n "${pids[@]}"
