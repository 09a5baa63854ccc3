/**
 * The commands behind each standby's `command.local.Command`: seed the
 * standby's volume with pg_basebackup (create) and drop its slot (delete).
 * They run on the Docker host with the docker CLI. Pure rendering.
 */
import { DATA_DIR, PRIMARY_ALIAS, SERVER_PORT } from "./naming";
import { SAME_ENGINE, clearLeftover, psqlIn, runOneOff } from "./docker-shell";
import { shellQuote, sqlLiteral } from "./shell";

export interface BaseBackupInput {
  readonly stack: string;
  readonly namePrefix: string;
  readonly primaryContainer: string;
  readonly standbyContainer: string;
  readonly slot: string;
  readonly superuser: string;
  readonly replicationUser: string;
  readonly volumeName: string;
  /** Image reference or `sha256:` id to run pg_basebackup from (the cluster's image). */
  readonly image: string;
}

/** How long a base backup waits for a free WAL sender while other standbys are seeded. */
export const WAL_SENDER_WAIT_SECONDS = 300;

/** Where the standby keeps its replication password, beside its data (mode 0600). */
export const STANDBY_PASSFILE = `${DATA_DIR}/pg-replication.pgpass`;

function primaryPsql(input: BaseBackupInput, ...statements: string[]): string {
  return psqlIn(input.primaryContainer, input.superuser, ...statements);
}

/**
 * Runs inside a one-off container in the primary container's network
 * namespace, with the standby's volume mounted. It reaches the primary at the
 * primary's own address on the cluster network, so pg_hba sees it as any
 * standby on that network. The replication password arrives on stdin: never in an
 * argument or an environment variable.
 */
export function renderSeedScript(input: BaseBackupInput): string {
  const user = input.replicationUser;
  return `set -eu
DATA=${DATA_DIR}
IFS= read -r password || [ -n "$password" ]
if [ -z "$password" ]; then echo "pg-replication: no replication password on stdin" >&2; exit 1; fi
if [ -s "$DATA/PG_VERSION" ] && [ ! -e "$DATA/standby.signal" ]; then
  echo "pg-replication: refusing to overwrite the data of ${input.standbyContainer}: it holds a promoted, writable server (no standby.signal). Save what you need, empty the volume ${input.volumeName} (docs/FAILURE-MODES.md: Rebuilding a standby), then run this again." >&2
  exit 3
fi
find "$DATA" -mindepth 1 -delete
chown postgres:postgres "$DATA"
chmod 0700 "$DATA"
umask 077
# .pgpass format: ':' and '\\' in the password are escaped with '\\'.
escaped=$(printf '%s' "$password" | sed 's/[\\\\:]/\\\\&/g')
printf '%s:%s:*:%s:%s\\n' ${PRIMARY_ALIAS} ${SERVER_PORT} ${user} "$escaped" > /tmp/pgpass
chown postgres:postgres /tmp/pgpass
# Each base backup holds two WAL senders (-X stream) until it ends. Standbys seeded at
# once can need more than max_wal_senders; PostgreSQL then refuses the connection, and
# this one waits for a sender to come free instead of failing.
attempt=1
until setpriv --reuid=postgres --regid=postgres --init-groups env PGPASSFILE=/tmp/pgpass \\
  pg_basebackup -h ${PRIMARY_ALIAS} -p ${SERVER_PORT} -U ${user} -D "$DATA" -R -X stream -c fast -S ${input.slot} -w 2>/tmp/basebackup.err; do
  if ! grep -q 'requested standby connections exceeds' /tmp/basebackup.err || [ "$attempt" -ge ${WAL_SENDER_WAIT_SECONDS} ]; then
    cat /tmp/basebackup.err >&2
    exit 1
  fi
  [ "$attempt" -eq 1 ] && echo "pg-replication: no free WAL sender on the primary (max_wal_senders); waiting for other base backups to finish" >&2
  attempt=$((attempt + 1))
  sleep 1
  find "$DATA" -mindepth 1 -delete
done
cat /tmp/basebackup.err >&2
install -o postgres -g postgres -m 0600 /tmp/pgpass ${STANDBY_PASSFILE}
# -R recorded the temporary passfile; the last primary_conninfo in the file wins.
echo "primary_conninfo = 'host=${PRIMARY_ALIAS} port=${SERVER_PORT} user=${user} passfile=${STANDBY_PASSFILE}'" >> "$DATA/postgresql.auto.conf"
echo "pg-replication: base backup of ${input.standbyContainer} complete (slot ${input.slot})"
`;
}

/** The Command's `create`: stop the old standby if any, make sure its slot exists, seed the volume. */
export function renderBaseBackupCreate(input: BaseBackupInput): string {
  const slot = sqlLiteral(input.slot);
  const seedName = `${input.standbyContainer}-basebackup`;
  return [
    "set -eu",
    SAME_ENGINE,
    "# A standby must not run while its data directory is rewritten; one that ran is started again after.",
    "was_running=false",
    "# Started again however this ends: a refused or failed seed must not leave a standby down that was up.",
    `trap 'if [ "$was_running" = true ]; then docker start ${shellQuote(input.standbyContainer).replace(/'/g, `'\\''`)} >/dev/null; fi' EXIT`,
    `if [ "$(docker container inspect -f '{{.State.Running}}' ${shellQuote(input.standbyContainer)} 2>/dev/null)" = true ]; then was_running=true; docker stop -t 60 ${shellQuote(input.standbyContainer)} >/dev/null; fi`,
    clearLeftover(seedName),
    "# Reuse the slot when present; one invalidated by max_slot_wal_keep_size cannot stream and is made anew.",
    primaryPsql(input,
      `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${slot} AND NOT active AND wal_status = 'lost'`,
      `SELECT 'created slot ' || slot_name FROM pg_create_physical_replication_slot(${slot}, true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = ${slot})`),
    // Joining the primary's network namespace spares Docker an endpoint on the cluster network to set up and tear down.
    runOneOff({
      name: seedName, stack: input.stack, namePrefix: input.namePrefix, role: "basebackup", network: `container:${input.primaryContainer}`,
      volumeName: input.volumeName, image: input.image, script: renderSeedScript(input), stdin: true,
    }),
  ].join("\n");
}

/**
 * The Command's `update`: what runs when an input other than `triggers`
 * changes (the replication password on stdin, the script's text, the image a
 * seed would use). The standby's data still follows its primary, so nothing is
 * copied: the stored password is `<prefix>-credentials`' job. Only `triggers`
 * (a new standby volume, a new primary volume) replace the command and seed
 * the standby again.
 */
export function renderBaseBackupUpdate(input: BaseBackupInput): string {
  return `echo "pg-replication: ${input.standbyContainer} keeps its data (it still follows its primary); nothing to copy"`;
}

/**
 * The Command's `delete`: drop the standby's slot, or it retains WAL on the
 * primary until max_slot_wal_keep_size. The standby container is removed
 * first (it depends on this command), but its WAL sender may take a moment to
 * exit, so an active slot is retried for a while.
 */
export function renderBaseBackupDelete(input: BaseBackupInput): string {
  const slot = sqlLiteral(input.slot);
  const drop = primaryPsql(input, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ${slot}`);
  return [
    "set -u",
    SAME_ENGINE,
    `if ! docker exec ${shellQuote(input.primaryContainer)} true >/dev/null 2>&1; then`,
    `  echo "pg-replication: ${input.primaryContainer} is not running; slot ${input.slot} was not dropped (it goes with the primary's volume)" >&2`,
    "  exit 0",
    "fi",
    "i=0",
    `until ${drop} >/dev/null; do`,
    "  i=$((i + 1))",
    `  if [ "$i" -ge 30 ]; then echo "pg-replication: could not drop slot ${input.slot} on ${input.primaryContainer}" >&2; exit 1; fi`,
    "  sleep 1",
    "done",
    `echo "pg-replication: dropped slot ${input.slot}"`,
  ].join("\n");
}
