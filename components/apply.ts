/**
 * The commands that apply what may change in a cluster's life to the running
 * nodes, the way CloudNativePG does (docs/src/postgresql_conf.md,
 * rolling_update.md): a setting that reloads is reloaded on every node at
 * once; one that needs a restart restarts the nodes one at a time, never
 * copying a standby again. Pure rendering.
 */
import { clearLeftover, discoverStandbys, nodeFunctions, PSQL, runOneOff, SAME_ENGINE } from "./docker-shell";
import { DATA_DIR, SERVER_PORT } from "./naming";
import { HOT_STANDBY_SENSITIVE, preloadLibraryPaths, renderSettingsFile, SETTINGS_FILE, type Settings } from "./settings";
import { shellQuote, sqlLiteral } from "./shell";

/** How long a restarted node may take to accept connections, and a standby to stream again. */
export const RESTART_READY_SECONDS = 180;

export interface SettingsApplyInput {
  /** The stack's name, for the labels of the one-off container that puts a file back. */
  readonly stack: string;
  readonly namePrefix: string;
  readonly primaryContainer: string;
  readonly superuser: string;
  /** The settings of the file (fileSettings). */
  readonly settings: Settings;
}

/** What a server still cannot apply from its files without a restart: the names, comma-separated, or empty. */
const PENDING_SQL = `SELECT coalesce(string_agg(DISTINCT coalesce(name, substring(error FROM '"([^"]+)"')), ', '), '') FROM pg_file_settings WHERE error IS NOT NULL`;

/** The write-and-check step's exit status when writing the file failed (the server's own check exits 1). */
const WRITE_FAILED = 90;

/**
 * What the server cannot check from the file alone, asked of the running
 * primary before the file is installed anywhere (a refusal discards the new
 * file on every node and changes nothing):
 * - Hot-standby-sensitive settings raised and lowered in one change (a
 *   setting left out of the file counts at the value it falls back to): a
 *   standby needs at least the primary's value of each, so neither the
 *   primary nor a standby can go first. Only with standbys.
 * - A library of shared_preload_libraries that the image does not have: the
 *   server would not start, and a node that restarts into a crash loop takes
 *   no `docker exec`, so no later `pulumi up` could put it right.
 */
function preinstallChecks(settings: Settings, superuser: string): string {
  const checks: string[] = [];
  // A sensitive setting the new file leaves out falls back to initdb's postgresql.conf, then to
  // the built-in default: taking it out can lower it as surely as writing a smaller value.
  const inFile = HOT_STANDBY_SENSITIVE.filter((name) => settings[name] !== undefined)
    .map((name) => ` WHEN ${sqlLiteral(name)} THEN ${sqlLiteral(settings[name] as string)}`).join("");
  const fromFile = inFile === "" ? "NULL::text" : `CASE s.name${inFile} END`;
  checks.push(`if [ -n "$STANDBYS" ]; then
  changes=$(psql_in "$PRIMARY" <<'SQL'
SELECT coalesce(string_agg(name, ', ' ORDER BY name) FILTER (WHERE wanted > running), '') || '/' ||
       coalesce(string_agg(name, ', ' ORDER BY name) FILTER (WHERE wanted < running), '')
FROM (SELECT s.name, w.value::bigint AS wanted, s.setting::bigint AS running
      FROM pg_settings s CROSS JOIN LATERAL (SELECT coalesce(${fromFile},
        (SELECT f.setting FROM pg_file_settings f WHERE f.name = s.name AND f.sourcefile LIKE '%/postgresql.conf' ORDER BY f.seqno DESC LIMIT 1),
        s.boot_val) AS value) AS w
      WHERE s.name IN (${HOT_STANDBY_SENSITIVE.map(sqlLiteral).join(", ")}) AND w.value ~ '^[0-9]+$') AS c;
SQL
)
  rises=\${changes%%/*}
  lowers=\${changes#*/}
  if [ -n "$rises" ] && [ -n "$lowers" ]; then
    discard_new
    echo "pg-replication: this change raises $rises and lowers $lowers; a standby needs at least the primary's value of each (PostgreSQL docs, Hot Standby), so with both no order of restarts is safe. Raise them with one pulumi up and lower them with the next. Nothing was changed." >&2
    exit 1
  fi
fi`);
  const libraries = preloadLibraryPaths(settings);
  if (libraries.length > 0) {
    const look = `libdir=$(${PSQL} -U "$1" -c "SELECT setting FROM pg_config WHERE name = 'PKGLIBDIR'") || exit 1; shift; ` +
      `for p in "$@"; do case "$p" in /*) ;; *) p="$libdir/$p" ;; esac; [ -e "$p" ] || [ -e "$p.so" ] || printf '%s ' "$p"; done`;
    checks.push(`missing=$(docker exec -u postgres "$PRIMARY" sh -c ${shellQuote(look)} sh ${shellQuote(superuser)} ${libraries.map(shellQuote).join(" ")})
if [ -n "$missing" ]; then
  discard_new
  echo "pg-replication: shared_preload_libraries names a library the image does not have (\${missing% }); the server would not start. Nothing was changed." >&2
  exit 1
fi`);
  }
  return checks.join("\n");
}

/**
 * A value the server accepts in the file but cannot honour when it starts
 * (more shared memory than the host has, ssl on without a certificate)
 * passes every check above; the first node restarted on it then dies, and
 * Docker starts it again and again (restart: unless-stopped). A node in that
 * loop takes no `docker exec`, so no later `pulumi up` could mend it.
 * `await_restarted` tells such a node from a slow one by Docker's restart
 * count, which `docker restart` sets to 0; `roll_back` then puts the
 * previous file (kept as .old by the install) back on every node, through a
 * one-off container on the failed node's volume, starts that node on it and
 * fails with the server's own words. The stack keeps its previous settings,
 * as the servers do: the next `pulumi up` applies the corrected ones.
 */
function rollBack(input: SettingsApplyInput): string {
  const restore = `if [ -e ${SETTINGS_FILE}.old ]; then mv -f ${SETTINGS_FILE}.old ${SETTINGS_FILE}; fi`;
  const oneOff = { shell: "$failed-settings-restore" };
  return `await_restarted() {
  ready_by=$(( $(date +%s) + ${RESTART_READY_SECONDS} ))
  until docker exec -u postgres "$1" pg_isready -q -h /var/run/postgresql -p ${SERVER_PORT} >/dev/null 2>&1; do
    [ "$(docker inspect -f '{{.RestartCount}} {{.State.Status}}' "$1" 2>/dev/null)" = "0 running" ] || return 1
    [ "$(date +%s)" -lt "$ready_by" ] || give_up_on "$1" "${RESTART_READY_SECONDS} s after its restart"
    sleep 0.1
  done
}
roll_back() {
  failed=$1
  why=$(docker logs --tail 50 "$failed" 2>&1 | grep -E '(FATAL|PANIC): ' | tail -n 1 | sed -E 's/^.*(FATAL|PANIC): +//')
  docker stop -t 60 "$failed" >/dev/null
  for n in $nodes; do
    [ "$n" != "$failed" ] || continue
    docker exec -u postgres "$n" sh -c ${shellQuote(`${restore} && pg_ctl reload -s -D ${DATA_DIR}`)}
  done
  volume=$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "${DATA_DIR}"}}{{.Name}}{{end}}{{end}}' "$failed")
  image=$(docker inspect -f '{{.Image}}' "$failed")
${clearLeftover(oneOff).replace(/^/gm, "  ")}
  ${runOneOff({
    name: oneOff, stack: input.stack, namePrefix: input.namePrefix, role: "settings-restore", network: "none",
    volumeName: { shell: "$volume" }, image: { shell: "$image" }, script: restore, stdin: false,
  })}
  docker start "$failed" >/dev/null
  await_ready "$failed"
  [ "$failed" = "$PRIMARY" ] || wait_streaming "$failed"
  echo "pg-replication: $failed did not start with the new settings (\${why:-no FATAL line in docker logs $failed}). The previous settings file is back on every node, and $failed runs on it again.\${restarted:+ Restarted on the new values before it, and keeping them until their next restart:$restarted.} Correct postgresSettings and run pulumi up again." >&2
  exit 1
}`;
}

/**
 * The `<prefix>-settings` command: check the file with the server itself,
 * install it on every node, reload every node, then restart the nodes whose
 * server reports a setting it cannot apply without a restart
 * (pg_file_settings), one at a time. PostgreSQL's Hot Standby rule orders
 * the restarts: standbys first, unless one of HOT_STANDBY_SENSITIVE decreases,
 * then the primary first.
 */
export function renderSettingsApply(input: SettingsApplyInput): string {
  const sensitive = HOT_STANDBY_SENSITIVE.map(sqlLiteral).join(", ");
  return `set -eu
${SAME_ENGINE}
${nodeFunctions(input.superuser)}
PRIMARY=${shellQuote(input.primaryContainer)}
${discoverStandbys(input.namePrefix)}
FILE=${SETTINGS_FILE}
nodes=""
for node in $PRIMARY $STANDBYS; do
  if running "$node"; then nodes="$nodes $node"
  elif exists "$node"; then echo "pg-replication: $node is not running; start it (docker start $node) and run pulumi up again" >&2; exit 1
  fi
done
discard_new() { for n in $nodes; do docker exec -u postgres "$n" rm -f "$FILE.new"; done; }
# Writing and checking the new file need no server: a node created or replaced
# in this update does both while its server is still starting.
# The server checks the new file before it replaces the old one: a bad value changes nothing anywhere.
# One docker exec per node writes and checks (exit ${WRITE_FAILED}: the write itself failed).
for node in $nodes; do
  status=0
  out=$(docker exec -i -u postgres "$node" sh -c "cat > $FILE.new || exit ${WRITE_FAILED}; exec postgres -D ${DATA_DIR} -c config_file=$FILE.new -C port" 2>&1 <<'PGCONF'
${renderSettingsFile(input.settings)}PGCONF
) || status=$?
  if [ "$status" -ne 0 ]; then
    discard_new
    if [ "$status" -eq ${WRITE_FAILED} ]; then
      echo "pg-replication: could not write $FILE.new on $node; nothing was changed:" >&2
    else
      echo "pg-replication: PostgreSQL refuses the new settings (postgresSettings); nothing was changed:" >&2
    fi
    printf '%s\\n' "$out" | sed 's/^.*\\] //' >&2
    exit 1
  fi
done
await_all_ready $nodes
${preinstallChecks(input.settings, input.superuser)}

# What each server still cannot apply needs a restart (pg_file_settings re-reads the files).
PENDING_SQL=${shellQuote(PENDING_SQL)}
pending_of() { printf '%s;\\n' "$PENDING_SQL" | psql_in "$1"; }
# One docker exec per node installs the file, reloads, and reports what is pending.
any_pending=false
for node in $nodes; do
  pending=$(docker exec -u postgres "$node" sh -c 'cp -p "$1" "$1.old" && mv "$1.new" "$1" && pg_ctl reload -s -D "$2" && exec ${PSQL} -U "$3" -c "$4"' sh "$FILE" ${DATA_DIR} ${shellQuote(input.superuser)} "$PENDING_SQL")
  [ -z "$pending" ] || any_pending=true
done
echo "pg-replication: settings installed and reloaded on$nodes"
if [ "$any_pending" = false ]; then exit 0; fi
decreases=$(psql_in "$PRIMARY" <<'SQL'
SELECT count(*) FROM pg_file_settings f JOIN pg_settings s USING (name)
WHERE f.name IN (${sensitive}) AND f.error IS NOT NULL
  AND f.setting ~ '^[0-9]+$' AND f.setting::bigint < s.setting::bigint;
SQL
)
if [ "$decreases" -gt 0 ]; then order="$PRIMARY $STANDBYS"; else order="$STANDBYS $PRIMARY"; fi

wait_streaming() {
  i=0
  until [ "$(psql_in "$1" -c 'SELECT status FROM pg_stat_wal_receiver' 2>/dev/null)" = streaming ]; do
    i=$((i + 1))
    if [ "$i" -ge $((${RESTART_READY_SECONDS} * 5)) ]; then echo "pg-replication: $1 is not streaming ${RESTART_READY_SECONDS} s after its restart (docker logs $1)" >&2; exit 1; fi
    sleep 0.2
  done
}
# A standby checks its settings against the primary's as last recorded in its WAL
# (pg_control): after the primary restarts with lower values, a standby restarted
# before it replayed that record would refuse to start.
primary_lsn=""
wait_replayed() {
  i=0
  until [ "$(psql_in "$1" -c "SELECT pg_last_wal_replay_lsn() >= '$primary_lsn'::pg_lsn")" = t ]; do
    i=$((i + 1))
    if [ "$i" -ge $((${RESTART_READY_SECONDS} * 5)) ]; then echo "pg-replication: $1 has not replayed the primary's WAL up to $primary_lsn after ${RESTART_READY_SECONDS} s" >&2; exit 1; fi
    sleep 0.2
  done
}
${rollBack(input)}
restarted=""
for node in $order; do
  case " $nodes " in *" $node "*) ;; *) continue ;; esac
  pending=$(pending_of "$node")
  [ -n "$pending" ] || continue
  if [ "$node" != "$PRIMARY" ] && [ -n "$primary_lsn" ]; then wait_replayed "$node"; fi
  # The container's stop signal is SIGINT: PostgreSQL's fast shutdown, with its checkpoint.
  docker restart -t 60 "$node" >/dev/null
  await_restarted "$node" || roll_back "$node"
  restarted="$restarted $node"
  if [ "$node" = "$PRIMARY" ]; then
    primary_lsn=$(psql_in "$PRIMARY" -c 'SELECT pg_current_wal_lsn()')
  else
    wait_streaming "$node"
  fi
  echo "pg-replication: restarted $node to apply $pending"
done
`;
}

/**
 * The `<prefix>-sync` command: the primary's synchronous_standby_names, set
 * with ALTER SYSTEM (postgresql.auto.conf, read after the settings file) and
 * reloaded. It runs after the standbys exist and before removed ones go, so
 * commits never wait for a standby not yet seeded or already gone. It runs
 * again whenever a standby container is new, and first waits until every
 * standby accepts connections: \`pulumi up\` returns only with every node
 * ready.
 */
export function renderSyncApply(input: { readonly namePrefix: string; readonly primaryContainer: string; readonly superuser: string; readonly standbyNames: string }): string {
  return `set -eu
${SAME_ENGINE}
${nodeFunctions(input.superuser)}
${discoverStandbys(input.namePrefix)}
await_all_ready ${shellQuote(input.primaryContainer)} $STANDBYS
psql_in ${shellQuote(input.primaryContainer)} <<'SQL'
ALTER SYSTEM SET synchronous_standby_names = ${sqlLiteral(input.standbyNames)};
SELECT pg_reload_conf();
SQL
echo ${shellQuote(`pg-replication: synchronous_standby_names = '${input.standbyNames}' on ${input.primaryContainer}`)}
`;
}
