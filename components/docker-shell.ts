/**
 * Pieces of the shell scripts the program's commands run on the Docker host
 * with the docker CLI. Pure rendering.
 */
import { DATA_DIR, LABEL_CLUSTER, LABEL_ROLE, LABEL_STACK, SERVER_PORT } from "./naming";
import { shellQuote } from "./shell";

/** How long a node may take to accept connections after it was created, started or restarted. */
export const READY_SECONDS = 180;

/**
 * Inside a node: pg_isready on the real server's socket every 50 ms, for at
 * most 10 s, as the healthcheck asks (the bootstrap's temporary server ran in
 * a container of its own, so only the real server can answer).
 */
const POLL_READY = `i=0; until pg_isready -q -h /var/run/postgresql -p ${SERVER_PORT}; do i=$((i + 1)); [ "$i" -lt 200 ] || exit 1; sleep 0.05; done`;

/**
 * The docker provider talks to DOCKER_HOST, or to the default socket when it
 * is unset; it never follows `docker context use`. The docker CLI in these
 * scripts would, so it is pinned to the same engine.
 */
export const SAME_ENGINE = 'export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"';

/** psql inside a node for the scripts: no psqlrc, quiet, unaligned tuples only, stop at the first error. */
export const PSQL = "psql -X -q -At -v ON_ERROR_STOP=1 -d postgres";

/**
 * One `docker exec` of psql as the superuser inside a node, over its local
 * socket (peer auth, no password), running each statement in turn.
 */
export function psqlIn(container: string, superuser: string, ...statements: string[]): string {
  const commands = statements.map((sql) => `-c ${shellQuote(sql)}`).join(" ");
  return `docker exec -u postgres ${shellQuote(container)} ${PSQL} -U ${shellQuote(superuser)} ${commands}`;
}

/**
 * Shell functions shared by the scripts: `running NODE` (the container exists
 * and runs), `exists NODE`, `psql_in NODE [psql args]` as the superuser,
 * `await_ready NODE`: until the node's server accepts connections, or fail
 * after READY_SECONDS with its last log lines (`give_up_on NODE WHEN`). The
 * containers are created without the provider's `wait` (which polls the
 * healthcheck once a second, itself run once a second): the commands that
 * need a node wait for it here, polling inside the node every 50 ms, so a
 * node is used as soon as it is ready. A node that is not running yet or
 * restarting is asked again. `await_all_ready NODE...` waits for the nodes
 * at once (they start at once) and fails when any of them does.
 */
export function nodeFunctions(superuser: string): string {
  return [
    `running() { [ "$(docker container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }`,
    `exists() { docker container inspect "$1" >/dev/null 2>&1; }`,
    `psql_in() { node=$1; shift; docker exec -i -u postgres "$node" ${PSQL} -U ${shellQuote(superuser)} "$@"; }`,
    `give_up_on() {
  echo "pg-replication: $1 does not accept connections $2; its last log lines (docker logs $1):" >&2
  docker logs --tail 20 "$1" 2>&1 | sed 's/^/  /' >&2 || true
  exit 1
}`,
    `await_ready() {
  ready_by=$(( $(date +%s) + ${READY_SECONDS} ))
  until docker exec -u postgres "$1" sh -c ${shellQuote(POLL_READY)} >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$ready_by" ] || give_up_on "$1" "after ${READY_SECONDS} s"
    sleep 0.1
  done
}`,
    `await_all_ready() {
  waiting=""
  for n in "$@"; do await_ready "$n" & waiting="$waiting $!"; done
  failed=false
  for w in $waiting; do wait "$w" || failed=true; done
  if [ "$failed" = true ]; then exit 1; fi
}`,
  ].join("\n");
}

/** Shell lines that set STANDBYS to the cluster's standby containers, found by label. */
export function discoverStandbys(prefix: string): string {
  return `STANDBYS=$(docker ps -a --filter ${shellQuote(`label=${LABEL_CLUSTER}=${prefix}`)} --filter ${shellQuote(`label=${LABEL_ROLE}=replica`)} --format '{{.Names}}' | sort | tr '\\n' ' ')`;
}

/**
 * A word of a rendered command: a value known now (quoted as it is), or one
 * the script only knows when it runs (`{ shell: "$volume" }`, expanded in
 * double quotes).
 */
export type ShellWord = string | { readonly shell: string };

function word(w: ShellWord): string {
  return typeof w === "string" ? shellQuote(w) : `"${w.shell}"`;
}

/**
 * Shell lines that clear the name of a one-off container a run left behind.
 * One still running (its `pulumi up` was interrupted: the container goes on)
 * is let finish first; killed, it would leave half-written data in the volume,
 * which the next run would take for a cluster or a promoted standby.
 */
export function clearLeftover(name: ShellWord): string {
  return [
    `docker wait ${word(name)} >/dev/null 2>&1 || true`,
    `docker rm -f ${word(name)} >/dev/null 2>&1 || true`,
  ].join("\n");
}

/** A container that runs one script on a node's volume and is removed when it ends. */
export interface OneOffContainer {
  readonly name: ShellWord;
  readonly stack: string;
  readonly namePrefix: string;
  /** Its `pg-replication.role` label, so a leftover is found with the rest. */
  readonly role: string;
  /** A Docker network, `none`, or `container:<name>` to share that container's network namespace. */
  readonly network: string;
  /** Mounted at the data directory. */
  readonly volumeName: ShellWord;
  readonly image: ShellWord;
  readonly script: string;
  /** Pass the command's stdin to the script. */
  readonly stdin: boolean;
}

/** `docker run` of a labelled one-off container running `script` with /bin/sh. */
export function runOneOff(c: OneOffContainer): string {
  return [
    c.stdin ? "docker run --rm -i" : "docker run --rm",
    `--name ${word(c.name)}`,
    `--network ${shellQuote(c.network)}`,
    `--label ${shellQuote(`${LABEL_STACK}=${c.stack}`)}`,
    `--label ${shellQuote(`${LABEL_CLUSTER}=${c.namePrefix}`)}`,
    `--label ${shellQuote(`${LABEL_ROLE}=${c.role}`)}`,
    typeof c.volumeName === "string" ? `-v ${shellQuote(`${c.volumeName}:${DATA_DIR}`)}` : `-v "${c.volumeName.shell}:${DATA_DIR}"`,
    "--entrypoint /bin/sh",
    word(c.image),
    `-c ${shellQuote(c.script)}`,
  ].join(" ");
}
