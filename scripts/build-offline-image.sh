#!/usr/bin/env bash
# Builds a PostgreSQL 17 image from Debian packages, with no container registry:
# for air-gapped Docker hosts, and for this project's tests where nothing can be
# pulled. The result looks like the official postgres:17 image in what the
# program relies on: PostgreSQL binaries on PATH, a `postgres` user, PGDATA at
# /var/lib/postgresql/data owned by it, and a VOLUME there.
#
# Usage: scripts/build-offline-image.sh [IMAGE]   (default pg-replication/postgres:17)
# Env:   DEBIAN_MIRROR  mirror to debootstrap from (default: the first Debian
#                       mirror in this machine's apt sources)
#        REBUILD=1      build even when the image already exists
set -euo pipefail

image=${1:-pg-replication/postgres:17}
suite=trixie

log() { printf '[offline-image] %s\n' "$*" >&2; }

if [ "${REBUILD:-0}" != 1 ] && docker image inspect "$image" >/dev/null 2>&1; then
  log "$image already exists (REBUILD=1 to rebuild)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root: debootstrap and chroot need it (sudo npm run build:offline-image)"
  exit 1
fi

apt_mirror() {
  # deb822 sources first, then one-line sources; the first URI serving Debian's
  # main archive (not -security) is the mirror this machine already trusts.
  local uri
  uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n 1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' | grep -v security | head -n 1 || true)
  fi
  printf '%s' "$uri"
}

if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
rootfs=$(mktemp -d /tmp/pg-offline-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

log "debootstrap $suite with postgresql-17 (mirror: ${mirror:-debootstrap default})"
start=$(date +%s)
# shellcheck disable=SC2086
debootstrap --variant=minbase --include=postgresql-17 "$suite" "$rootfs" $mirror >"$rootfs.log" 2>&1 || {
  log "debootstrap failed; last lines:"; tail -n 20 "$rootfs.log" >&2; rm -f "$rootfs.log"; exit 1; }
rm -f "$rootfs.log"

# The package creates and starts a default cluster; the image must hold no data.
chroot "$rootfs" /bin/sh -c '
  set -e
  pg_dropcluster --stop 17 main 2>/dev/null || rm -rf /var/lib/postgresql/17 /etc/postgresql/17
  mkdir -p /var/lib/postgresql/data /var/run/postgresql
  chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
  chmod 0700 /var/lib/postgresql/data
  chmod 2775 /var/run/postgresql
  apt-get clean
  rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* /usr/share/info/*
  find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name "en*" -exec rm -rf {} +
'

log "importing into docker as $image"
tar -C "$rootfs" -c . | docker import \
  --change 'ENV PATH=/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV PGDATA=/var/lib/postgresql/data' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'VOLUME /var/lib/postgresql/data' \
  --change 'EXPOSE 5432' \
  --change 'CMD ["postgres"]' \
  --change 'LABEL org.opencontainers.image.title=pg-replication-offline-postgres-17' \
  - "$image" >/dev/null
log "built $image in $(( $(date +%s) - start ))s ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
