/**
 * The container entrypoint the program uploads into every node. It depends on
 * no image's entrypoint: any image with the PostgreSQL binaries on PATH, a
 * `postgres` user and setpriv (util-linux) works. Pure rendering.
 */
import { CONFIG_DIR, DATA_DIR } from "./naming";
import { SETTINGS_FILE } from "./settings";

export const ENTRYPOINT_PATH = `${CONFIG_DIR}/entrypoint.sh`;

/** Shared with the bootstrap (bootstrap.ts): the data directory as PostgreSQL needs it. */
export const PREAMBLE = `set -eu
DATA=${DATA_DIR}

log() { echo "pg-replication: $*" >&2; }
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

# A fresh named volume may be owned by root; PostgreSQL insists on 0700 and its own user.
mkdir -p "$DATA" /var/run/postgresql
chown postgres:postgres "$DATA" /var/run/postgresql
chmod 0700 "$DATA"
`;

/**
 * The server's config_file must exist before it starts. Until
 * `<prefix>-settings` writes the real one, initdb's defaults stand.
 */
const SETTINGS_FILE_GUARD = `if [ ! -e "${SETTINGS_FILE}" ]; then
  echo "include_if_exists = 'postgresql.conf'" > "${SETTINGS_FILE}"
  chown postgres:postgres "${SETTINGS_FILE}"
fi`;

/** Both entrypoints: refuse an empty data directory with what to do, else become PostgreSQL. */
function entrypoint(what: string, whenEmpty: string): string {
  return `#!/bin/sh
# pg-replication ${what} entrypoint: check the data directory is there, become PostgreSQL.
${PREAMBLE}
if [ ! -s "$DATA/PG_VERSION" ]; then
  log "the data directory is empty: ${whenEmpty}"
  exit 1
fi
${SETTINGS_FILE_GUARD}
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}

/** Primary: the `<primary>-bootstrap` command (bootstrap.ts) made the cluster in this volume before the container. */
export function renderPrimaryEntrypoint(): string {
  return entrypoint("primary", "this primary was never bootstrapped; start over with pulumi up --replace of its volume (every standby is copied again)");
}

/** Standby: the base-backup command has already filled the data directory. */
export function renderStandbyEntrypoint(): string {
  return entrypoint("standby", "this standby has no base backup; rebuild it with pulumi up --replace of its volume (docs/FAILURE-MODES.md, Rebuilding a standby)");
}
