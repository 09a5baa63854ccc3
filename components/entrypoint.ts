/**
 * The container entrypoint the program uploads into every node. It depends on
 * no image's entrypoint: any image with the PostgreSQL binaries on PATH, a
 * `postgres` user and setpriv (util-linux) works. Pure rendering.
 *
 * It carries the node's pg_hba.conf and pg_ident.conf and writes them before
 * the server starts: one upload per container instead of three, because the
 * provider copies each upload into the container separately, on the way to
 * the server's start.
 */
import { CONFIG_DIR, DATA_DIR } from "./naming";
import { SETTINGS_FILE } from "./settings";
import { shellQuote } from "./shell";

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

/** A file the entrypoint writes, root-owned and world-readable, before the server starts. */
export interface ConfigFile {
  /** Absolute path in the container, under CONFIG_DIR. */
  readonly path: string;
  readonly content: string;
}

/** Shell lines writing each file, its text quoted as the bootstrap writes its own (printf, nothing expanded). */
function writeFiles(files: readonly ConfigFile[]): string {
  return files.map((f) => {
    const text = f.content.endsWith("\n") ? f.content : `${f.content}\n`;
    return `printf '%s' ${shellQuote(text)} > ${shellQuote(f.path)}`;
  }).join("\n");
}

/** Both entrypoints: write the config files, refuse an empty data directory with what to do, else become PostgreSQL. */
function entrypoint(what: string, whenEmpty: string, files: readonly ConfigFile[]): string {
  return `#!/bin/sh
# pg-replication ${what} entrypoint: write the config files, check the data directory is there, become PostgreSQL.
${PREAMBLE}
umask 022
mkdir -p ${CONFIG_DIR}
${writeFiles(files)}
if [ ! -s "$DATA/PG_VERSION" ]; then
  log "the data directory is empty: ${whenEmpty}"
  exit 1
fi
${SETTINGS_FILE_GUARD}
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}

/** Primary: the `<primary>-bootstrap` command (bootstrap.ts) made the cluster in this volume before the container. */
export function renderPrimaryEntrypoint(files: readonly ConfigFile[]): string {
  return entrypoint("primary", "this primary was never bootstrapped; start over with pulumi up --replace of its volume (every standby is copied again)", files);
}

/** Standby: the base-backup command has already filled the data directory. */
export function renderStandbyEntrypoint(files: readonly ConfigFile[]): string {
  return entrypoint("standby", "this standby has no base backup; rebuild it with pulumi up --replace of its volume (docs/FAILURE-MODES.md, Rebuilding a standby)", files);
}
