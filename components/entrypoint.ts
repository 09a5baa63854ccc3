/**
 * The container entrypoint the program uploads into every node. It depends on
 * no image's entrypoint: any image with the PostgreSQL binaries on PATH, a
 * `postgres` user and setpriv (util-linux) works. Pure rendering.
 */
import { CONFIG_DIR, DATA_DIR } from "./naming";
import { SETTINGS_FILE } from "./settings";
import { shellQuote } from "./shell";

export const ENTRYPOINT_PATH = `${CONFIG_DIR}/entrypoint.sh`;
export const INIT_SQL_PATH = `${CONFIG_DIR}/init.sql`;

export interface PrimaryEntrypointInput {
  readonly superuser: string;
  readonly replicationUser: string;
  readonly database: string;
  readonly hasInitSql: boolean;
}

const PREAMBLE = `set -eu
DATA=${DATA_DIR}
CONFIG=${CONFIG_DIR}

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

/**
 * Primary: on an empty data directory, initdb and create the replication role
 * and the database. The work is done by a temporary server that listens on a
 * private socket only, so the healthcheck cannot see it and no client can
 * reach it. The roles get no password here: `<prefix>-credentials` sets them
 * on the running server, so that a new password never means a new container.
 * Until then nobody can log in over TCP (scram-sha-256 without a password).
 */
export function renderPrimaryEntrypoint(input: PrimaryEntrypointInput): string {
  return `#!/bin/sh
# pg-replication primary entrypoint: bootstrap once, become PostgreSQL.
${PREAMBLE}
SUPERUSER=${shellQuote(input.superuser)}
REPLICATION_USER=${shellQuote(input.replicationUser)}
DATABASE=${shellQuote(input.database)}
WORK=/var/run/postgresql/pg-replication-bootstrap
HAS_INIT_SQL=${input.hasInitSql ? 1 : 0}

if [ ! -s "$DATA/PG_VERSION" ]; then
  rm -rf "$WORK"
  install -d -o postgres -g postgres -m 0700 "$WORK"
  # A half-made cluster must not look bootstrapped on the next start.
  trap 'as_postgres pg_ctl -D "$DATA" -s -m immediate stop 2>/dev/null || true; find "$DATA" -mindepth 1 -delete; rm -rf "$WORK"' EXIT
  log "empty data directory: running initdb"
  as_postgres initdb -D "$DATA" -U "$SUPERUSER" --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  as_postgres pg_ctl -D "$DATA" -w -t 300 -s start -o "-c listen_addresses='' -c unix_socket_directories='$WORK' -c hba_file=$CONFIG/pg_hba.conf -c ident_file=$CONFIG/pg_ident.conf"
  psql_local() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -U "$SUPERUSER" "$@"; }
  psql_local -d postgres -v repl="$REPLICATION_USER" -v db="$DATABASE" <<'SQL'
SELECT format('CREATE ROLE %I WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE', :'repl')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl') \\gexec
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
SQL
  if [ "$HAS_INIT_SQL" = 1 ]; then
    log "running init SQL in database $DATABASE"
    psql_local -d "$DATABASE" -f "$CONFIG/init.sql"
  fi
  as_postgres pg_ctl -D "$DATA" -w -t 300 -s -m fast stop
  trap - EXIT
  rm -rf "$WORK"
  log "bootstrap complete"
fi
${SETTINGS_FILE_GUARD}
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}

/** Standby: the base-backup command has already filled the data directory. */
export function renderStandbyEntrypoint(): string {
  return `#!/bin/sh
# pg-replication standby entrypoint: check the base backup is there, become PostgreSQL.
${PREAMBLE}
if [ ! -s "$DATA/PG_VERSION" ]; then
  log "the data directory is empty: this standby has no base backup; rebuild it with pulumi up --replace of its volume (docs/FAILURE-MODES.md, Rebuilding a standby)"
  exit 1
fi
${SETTINGS_FILE_GUARD}
exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}
