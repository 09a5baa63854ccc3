/**
 * The `<primary>-bootstrap` command: makes the primary's cluster (initdb, the
 * replication role, the database, the init SQL) in its volume, in a one-off
 * container with no network, before the primary container exists. It needs
 * only the image and the volume, so it runs while the provider is still
 * creating the network (which takes at least 2 s), and the primary container
 * then starts straight into the real server. Pure rendering.
 */
import { PREAMBLE } from "./entrypoint";
import { renderIdent } from "./hba";
import { SAME_ENGINE, clearLeftover, runOneOff } from "./docker-shell";
import { shellQuote } from "./shell";

export interface BootstrapInput {
  readonly stack: string;
  readonly namePrefix: string;
  readonly primaryContainer: string;
  readonly volumeName: string;
  /** Image reference or `sha256:` id (the cluster's image). */
  readonly image: string;
  readonly superuser: string;
  readonly replicationUser: string;
  readonly database: string;
  /** The init SQL arrives on the command's stdin, never in an argument. */
  readonly hasInitSql: boolean;
}

/** Where the one-off container keeps the temporary server's socket and files. */
const WORK = "/var/run/postgresql/pg-replication-bootstrap";

/** The temporary server's pg_hba: local connections only, by peer through pg_ident. */
const LOCAL_HBA = "local all all peer map=local";

/** The temporary server is polled every 20 ms for at most 300 s to start, and again to stop. */
const TEMPORARY_SERVER_POLLS = 15_000;

/**
 * Runs inside the one-off container with the primary's volume mounted. On an
 * empty data directory: initdb, then a temporary server on a private socket
 * (no TCP, and the container has no network) creates the replication role and
 * the database and runs the init SQL read from stdin, then stops with a
 * checkpoint. The roles get no password here: `<prefix>-credentials` sets them
 * on the running primary, so that a new password never means a new container.
 * A data directory that holds a cluster is left as it is.
 */
export function renderBootstrapScript(input: BootstrapInput): string {
  return `${PREAMBLE}SUPERUSER=${shellQuote(input.superuser)}
REPLICATION_USER=${shellQuote(input.replicationUser)}
DATABASE=${shellQuote(input.database)}
WORK=${WORK}
HAS_INIT_SQL=${input.hasInitSql ? 1 : 0}

if [ -s "$DATA/PG_VERSION" ]; then
  log "the data directory already holds a cluster; nothing to bootstrap"
  exit 0
fi
rm -rf "$WORK"
install -d -o postgres -g postgres -m 0700 "$WORK"
if [ "$HAS_INIT_SQL" = 1 ]; then
  cat > "$WORK/init.sql"
  chown postgres:postgres "$WORK/init.sql"
fi
printf '%s\\n' ${shellQuote(LOCAL_HBA)} > "$WORK/pg_hba.conf"
printf '%s' ${shellQuote(renderIdent(input.superuser))} > "$WORK/pg_ident.conf"
# A half-made cluster must not look bootstrapped on the next run.
trap 'as_postgres pg_ctl -D "$DATA" -s -m immediate stop 2>/dev/null || true; find "$DATA" -mindepth 1 -delete' EXIT
log "empty data directory: running initdb"
as_postgres initdb -D "$DATA" -U "$SUPERUSER" --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
# Started directly rather than by pg_ctl -w, which looks for it once every 100 ms: this asks every 20 ms.
as_postgres postgres -D "$DATA" -c listen_addresses= -c "unix_socket_directories=$WORK" -c "hba_file=$WORK/pg_hba.conf" -c "ident_file=$WORK/pg_ident.conf" &
server=$!
i=0
until as_postgres pg_isready -q -h "$WORK"; do
  i=$((i + 1))
  if [ "$i" -ge ${TEMPORARY_SERVER_POLLS} ] || ! kill -0 "$server" 2>/dev/null; then log "the temporary server did not start"; exit 1; fi
  sleep 0.02
done
psql_local() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -U "$SUPERUSER" "$@"; }
psql_local -d postgres -v repl="$REPLICATION_USER" -v db="$DATABASE" <<'SQL'
SELECT format('CREATE ROLE %I WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE', :'repl')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl') \\gexec
SELECT format('CREATE DATABASE %I', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \\gexec
SQL
if [ "$HAS_INIT_SQL" = 1 ]; then
  log "running init SQL in database $DATABASE"
  psql_local -d "$DATABASE" -f "$WORK/init.sql"
fi
# SIGINT: a fast shutdown, with its checkpoint. The postmaster's pid is in its pid file ($server is the subshell's).
kill -INT "$(head -n 1 "$DATA/postmaster.pid")"
i=0
while kill -0 "$server" 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge ${TEMPORARY_SERVER_POLLS} ]; then log "the temporary server did not stop"; exit 1; fi
  sleep 0.02
done
trap - EXIT
log "bootstrap complete"
`;
}

/** The name of the one-off container, also the command's resource name. */
export const bootstrapName = (primaryContainer: string): string => `${primaryContainer}-bootstrap`;

/** The Command's `create`: the bootstrap script in a one-off, labelled container with no network. */
export function renderBootstrapCreate(input: BootstrapInput): string {
  const name = bootstrapName(input.primaryContainer);
  return [
    "set -eu",
    SAME_ENGINE,
    clearLeftover(name),
    // stdin only with init SQL: it is the one thing the script reads from it.
    runOneOff({
      name, stack: input.stack, namePrefix: input.namePrefix, role: "bootstrap", network: "none",
      volumeName: input.volumeName, image: input.image, script: renderBootstrapScript(input), stdin: input.hasInitSql,
    }),
  ].join("\n");
}

/**
 * The Command's `update`: what runs when an input other than `triggers`
 * changes (the image, the init SQL, the script's text). The primary's volume
 * already holds its cluster, so there is nothing to make; a new primary volume
 * (the trigger) replaces the command and bootstraps again.
 */
export function renderBootstrapUpdate(input: BootstrapInput): string {
  return `echo "pg-replication: ${input.primaryContainer} keeps its data; the bootstrap runs only on a new volume"`;
}
