/**
 * The provisioning floor: the least plain `docker` work that gets from nothing
 * to a row written on a primary being read on a streaming standby. The
 * program's time to ready is reported as a ratio to this, measured in the same
 * run on the same engine and image.
 *
 * Steps, and nothing else: a network; a primary container that runs initdb
 * and starts PostgreSQL; once it answers, a table; the standby containers,
 * started at once, each running one `pg_basebackup -R -X stream -c fast`
 * with a slot of its own (made beforehand, with the table) and starting
 * PostgreSQL on the result; a row
 * inserted on the primary; polling every standby (inside its container, 20
 * ms apart, all at once) until the row is there. Then the destroy floor:
 * `docker stop` of every container (SIGINT, PostgreSQL's fast shutdown with
 * its checkpoint, as the program's containers stop), `docker rm`, the
 * volumes and the network removed.
 *
 * Nothing is published on the host. Replication uses `trust`, but only from
 * the floor's own bridge network (`samenet`), which holds nothing else and
 * lives for a few seconds; every other TCP connection is rejected.
 */
import { AbortedError, docker, nowMs, run, type RunOptions } from "./proc";

export const FLOOR_STACK = "bench-floor";
export const STACK_LABEL = "pg-replication.stack";
/** Tells the floors of concurrent full and quick runs apart, so one never removes the other's. */
export const BENCH_LABEL = "pg-replication.bench";
const DATA = "/var/lib/postgresql/data";
/** Polls inside containers: 20 ms apart, at most 1500 times (30 s). */
const POLL = "i=0; until COND; do i=$((i+1)); if [ $i -ge 1500 ]; then echo 'gave up after 30 s' >&2; exit 1; fi; sleep 0.02; done";

export interface FloorSample {
  /** How many standbys were seeded (in parallel). */
  readonly standbys: number;
  /** Network creation to the row seen on every standby. */
  readonly totalMs: number;
  /** Network creation to the primary answering (initdb included). */
  readonly primaryReadyMs: number;
  /** Primary answering to the row seen on every standby (base backups, standby starts, replication). */
  readonly standbyMs: number;
  /** `docker stop` of every container to the network removed. */
  readonly destroyMs: number;
}

interface Names {
  readonly network: string;
  readonly primary: string;
  readonly primaryVolume: string;
  readonly standbys: readonly { readonly container: string; readonly volume: string; readonly slot: string }[];
}

function names(runName: string, standbys: number): Names {
  const base = `${FLOOR_STACK}-${runName}`;
  return {
    network: `${base}-net`,
    primary: `${base}-primary`,
    primaryVolume: `${base}-primary-data`,
    standbys: Array.from({ length: standbys }, (_, i) => ({
      container: `${base}-replica-${i + 1}`, volume: `${base}-replica-${i + 1}-data`, slot: `floor_${i + 1}`,
    })),
  };
}

function labels(runName: string): string[] {
  return ["--label", `${STACK_LABEL}=${FLOOR_STACK}`, "--label", `${BENCH_LABEL}=${runName}`];
}

/** Both containers stop as the program's do: SIGINT is PostgreSQL's fast shutdown. */
const STOP = ["--stop-signal", "SIGINT", "--stop-timeout", "60"];

/** A named volume labelled like everything else, created by `docker run` itself (no extra command). */
function mount(volume: string, runName: string): string {
  return `type=volume,src=${volume},dst=${DATA},volume-label=${STACK_LABEL}=${FLOOR_STACK},volume-label=${BENCH_LABEL}=${runName}`;
}

const poll = (condition: string): string => POLL.replace("COND", condition);

/** A wait that failed says why in the container's own words: its last log lines (initdb, pg_basebackup, PostgreSQL). */
async function explained<T>(container: string, wait: Promise<T>): Promise<T> {
  try {
    return await wait;
  } catch (error) {
    if (error instanceof AbortedError) throw error;
    const logs = await run("docker", ["logs", "--tail", "20", container], { timeoutMs: 15_000 });
    const text = `${logs.stdout}${logs.stderr}`.trim() || "(no output)";
    throw new Error(`${(error as Error).message}\nlast log lines of ${container}:\n${text}`);
  }
}

/** One floor sample with `standbys` standbys; `runName` is "full" or "quick". Removes what it created, also on failure. */
export async function measureFloor(image: string, runName: string, standbys: number, opts: { signal?: AbortSignal; timeoutMs?: number }): Promise<FloorSample> {
  if (!Number.isInteger(standbys) || standbys < 1) throw new Error(`floor: standbys must be a whole number >= 1, got ${standbys}`);
  const n = names(runName, standbys);
  const o: RunOptions = { timeoutMs: opts.timeoutMs ?? 60_000, signal: opts.signal };
  await removeFloor(runName);
  try {
    const started = nowMs();
    await docker(["network", "create", ...labels(runName), n.network], o);
    const primaryScript = [
      "set -e",
      `chmod 0700 "$PGDATA"`,
      // Same initdb options as the program's bootstrap, so the floor does the same work.
      `initdb -D "$PGDATA" -U postgres --auth-local=peer --auth-host=reject --encoding=UTF8 --locale=C.UTF-8 >/dev/null`,
      `echo "host replication postgres samenet trust" >> "$PGDATA/pg_hba.conf"`,
      `exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp`,
    ].join("; ");
    await docker([
      "run", "-d", "--name", n.primary, ...labels(runName), "--network", n.network, "--network-alias", "primary",
      "--mount", mount(n.primaryVolume, runName), ...STOP, "-u", "postgres", "-e", `PGDATA=${DATA}`, "--entrypoint", "sh", image, "-c", primaryScript,
    ], o);
    // The slots are made before the base backups, as the program makes them: one made by
    // pg_basebackup -C reserves WAL only once its stream starts, and a concurrent backup's
    // checkpoint can remove the segment that stream needs ("requested WAL segment ... has
    // already been removed", seen in a CI run's 3-standby floor).
    const slots = n.standbys.map((s) => `pg_create_physical_replication_slot('${s.slot}', true)`).join(", ");
    await explained(n.primary, docker(["exec", "-u", "postgres", n.primary, "sh", "-c",
      `${poll("pg_isready -q -h /tmp")}; psql -X -q -h /tmp -d postgres -c 'CREATE TABLE floor_probe (x int)' -c "SELECT ${slots}" >/dev/null`],
    o, "wait for the floor primary"));
    const primaryReady = nowMs();
    const standbyScript = (slot: string): string => [
      "set -e",
      `chmod 0700 "$PGDATA"`,
      `pg_basebackup -h primary -U postgres -D "$PGDATA" -R -X stream -c fast -S ${slot} -w`,
      `exec postgres -D "$PGDATA" -c unix_socket_directories=/tmp`,
    ].join("; ");
    await Promise.all(n.standbys.map((s) => docker([
      "run", "-d", "--name", s.container, ...labels(runName), "--network", n.network,
      "--mount", mount(s.volume, runName), ...STOP, "-u", "postgres", "-e", `PGDATA=${DATA}`, "--entrypoint", "sh", image, "-c", standbyScript(s.slot),
    ], o)));
    await docker(["exec", "-u", "postgres", n.primary, "psql", "-X", "-q", "-h", "/tmp", "-d", "postgres", "-c", "INSERT INTO floor_probe VALUES (1)"], o);
    await Promise.all(n.standbys.map((s) => explained(s.container, docker(["exec", "-u", "postgres", s.container, "sh", "-c",
      poll(`[ "$(psql -X -qAt -h /tmp -d postgres -c 'SELECT count(*) FROM floor_probe' 2>/dev/null)" = 1 ]`)], o, `wait for the row on ${s.container}`))));
    const done = nowMs();
    const containers = [...n.standbys.map((s) => s.container), n.primary];
    await docker(["stop", "-t", "60", ...containers], { ...o, timeoutMs: 120_000 });
    await docker(["rm", "-v", ...containers], o);
    await docker(["volume", "rm", ...n.standbys.map((s) => s.volume), n.primaryVolume], o);
    await docker(["network", "rm", n.network], o);
    const destroyed = nowMs();
    return { standbys, totalMs: done - started, primaryReadyMs: primaryReady - started, standbyMs: done - primaryReady, destroyMs: destroyed - done };
  } finally {
    await removeFloor(runName);
  }
}

async function listByLabel(kind: "container" | "volume" | "network", runName: string): Promise<string[]> {
  const filters = ["--filter", `label=${STACK_LABEL}=${FLOOR_STACK}`, "--filter", `label=${BENCH_LABEL}=${runName}`];
  const args = kind === "container" ? ["ps", "-aq", ...filters] : [kind, "ls", "-q", ...filters];
  const result = await run("docker", args, { timeoutMs: 30_000 });
  return result.code === 0 ? result.stdout.split("\n").map((s) => s.trim()).filter((s) => s !== "") : [];
}

/**
 * Removes the floor's containers, volumes and network, found by label (a
 * killed earlier run leaves them too). Deliberately not cancellable: it runs
 * while the bench is being interrupted.
 */
export async function removeFloor(runName: string): Promise<string[]> {
  const problems: string[] = [];
  const o = { timeoutMs: 60_000 };
  const containers = await listByLabel("container", runName);
  if (containers.length > 0) {
    const r = await run("docker", ["rm", "-f", "-v", ...containers], o);
    if (r.code !== 0) problems.push(r.stderr.trim());
  }
  for (const volume of await listByLabel("volume", runName)) {
    const r = await run("docker", ["volume", "rm", "-f", volume], o);
    if (r.code !== 0) problems.push(r.stderr.trim());
  }
  for (const network of await listByLabel("network", runName)) {
    const r = await run("docker", ["network", "rm", network], o);
    if (r.code !== 0) problems.push(r.stderr.trim());
  }
  return problems;
}
