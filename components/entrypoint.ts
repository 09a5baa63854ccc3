/**
 * The container entrypoint the program uploads into every node. It depends on
 * no image's entrypoint: any image with the PostgreSQL binaries on PATH, a
 * `postgres` user and setpriv (util-linux) works. Pure rendering.
 */
import { CONFIG_DIR, DATA_DIR, SECRETS_DIR } from "./naming";
import { shellQuote } from "./shell";

export const ENTRYPOINT_PATH = `${CONFIG_DIR}/entrypoint.sh`;
export const INIT_SQL_PATH = `${CONFIG_DIR}/init.sql`;
export const SUPERUSER_PASSWORD_FILE = `${SECRETS_DIR}/superuser-password`;
export const REPLICATION_PASSWORD_FILE = `${SECRETS_DIR}/replication-password`;

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
 * Primary: on an empty data directory, initdb and create the replication role;
 * on every new container, apply the passwords delivered as root-only files
 * (so a password changed in config takes effect), then remove those files.
 * The work is done by a temporary server that listens on a private socket
 * only, so the healthcheck cannot see it and no client can reach it.
 */
export function renderPrimaryEntrypoint(input: PrimaryEntrypointInput): string {
  return `#!/bin/sh
# pg-replication primary entrypoint: bootstrap once, apply passwords, become PostgreSQL.
${PREAMBLE}
SUPERUSER=${shellQuote(input.superuser)}
REPLICATION_USER=${shellQuote(input.replicationUser)}
DATABASE=${shellQuote(input.database)}
SECRETS=${SECRETS_DIR}
WORK=/var/run/postgresql/pg-replication-bootstrap
HAS_INIT_SQL=${input.hasInitSql ? 1 : 0}

if [ -d "$SECRETS" ]; then
  fresh=0
  [ -s "$DATA/PG_VERSION" ] || fresh=1
  rm -rf "$WORK"
  mkdir -m 0700 "$WORK"
  # The server runs as postgres: give it private copies of the root-only files.
  install -o postgres -g postgres -m 0600 "$SECRETS/superuser-password" "$WORK/superuser-password"
  install -o postgres -g postgres -m 0600 "$SECRETS/replication-password" "$WORK/replication-password"
  chown postgres:postgres "$WORK"
  if [ "$fresh" = 1 ]; then
    # A half-made cluster must not look bootstrapped on the next start.
    trap 'as_postgres pg_ctl -D "$DATA" -s -m immediate stop 2>/dev/null || true; find "$DATA" -mindepth 1 -delete; rm -rf "$WORK"' EXIT
    log "empty data directory: running initdb"
    as_postgres initdb -D "$DATA" -U "$SUPERUSER" --pwfile="$WORK/superuser-password" \\
      --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_postgres pg_ctl -D "$DATA" -w -t 300 -s start -o "-c listen_addresses='' -c unix_socket_directories='$WORK' -c hba_file=$CONFIG/pg_hba.conf -c ident_file=$CONFIG/pg_ident.conf"
  psql_local() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -U "$SUPERUSER" "$@"; }
  # Passwords are read by psql itself from the files, never put on a command line;
  # statements that carry them are kept out of the server log even when they fail.
  psql_local -d postgres -v su="$SUPERUSER" -v repl="$REPLICATION_USER" -v db="$DATABASE" <<'SQL'
SET log_statement = 'none';
SET log_min_error_statement = 'panic';
\\set su_password \`cat /var/run/postgresql/pg-replication-bootstrap/superuser-password\`
\\set repl_password \`cat /var/run/postgresql/pg-replication-bootstrap/replication-password\`
SELECT format('ALTER ROLE %I WITH PASSWORD %L', :'su', :'su_password') \\gexec
SELECT format('%s ROLE %I WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
  CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl') THEN 'ALTER' ELSE 'CREATE' END,
  :'repl', :'repl_password') \\gexec
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
SQL
  if [ "$fresh" = 1 ] && [ "$HAS_INIT_SQL" = 1 ]; then
    log "running init SQL in database $DATABASE"
    psql_local -d "$DATABASE" -f "$CONFIG/init.sql"
  fi
  as_postgres pg_ctl -D "$DATA" -w -t 300 -s -m fast stop
  trap - EXIT
  rm -rf "$WORK" "$SECRETS"
  [ "$fresh" = 1 ] && log "bootstrap complete"
elif [ ! -s "$DATA/PG_VERSION" ]; then
  log "the data directory is empty and no passwords were delivered: recreate the container (pulumi up --replace)"
  exit 1
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}

/** Standby: the base-backup command has already filled the data directory. */
export function renderStandbyEntrypoint(): string {
  return `#!/bin/sh
# pg-replication standby entrypoint: check the base backup is there, become PostgreSQL.
${PREAMBLE}
if [ ! -s "$DATA/PG_VERSION" ]; then
  log "the data directory is empty: this standby's base backup has not run (pulumi up re-runs it)"
  exit 1
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
`;
}
