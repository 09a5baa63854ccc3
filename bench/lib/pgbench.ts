/**
 * Throughput with pgbench's built-in TPC-B-like script, run inside the
 * primary's container (`docker exec -u postgres`): no PostgreSQL client tools
 * on the host, and no password anywhere, because the local socket uses peer
 * authentication mapped to the superuser (components/hba.ts).
 */
import { docker, throwIfAborted } from "./proc";

/** Where the image's PostgreSQL puts its socket; the program's healthcheck uses the same. */
const SOCKET_DIR = "/var/run/postgresql";

export interface PgbenchTarget {
  readonly container: string;
  readonly superuser: string;
  readonly database: string;
}

export interface PgbenchOptions {
  readonly clients: number;
  readonly threads: number;
  readonly durationS: number;
  /** Session override of synchronous_commit (the quick run's shortcut); undefined keeps the deployed setting. */
  readonly synchronousCommit?: string;
  readonly signal?: AbortSignal;
}

export interface PgbenchResult {
  readonly tps: number;
  readonly latencyAvgMs: number;
  readonly transactions: number;
  readonly clients: number;
  readonly durationS: number;
}

function exec(target: PgbenchTarget, env: string[], args: string[]): string[] {
  return ["exec", "-u", "postgres", ...env, target.container, "pgbench", "-h", SOCKET_DIR, "-p", "5432", "-U", target.superuser, ...args, target.database];
}

/** Creates pgbench's tables; scale >= clients keeps the branch-row updates from serialising the clients. */
export async function pgbenchInit(target: PgbenchTarget, scale: number, signal?: AbortSignal): Promise<void> {
  await docker(exec(target, [], ["-i", "-q", "-s", String(scale)]), { timeoutMs: 180_000, signal }, "pgbench -i");
}

/** Reads pgbench's summary. Pure. */
export function parsePgbench(output: string): { tps: number; latencyAvgMs: number; transactions: number } {
  const tps = /^tps = ([0-9.]+) \(without initial connection time\)/m.exec(output);
  const latency = /^latency average = ([0-9.]+) ms/m.exec(output);
  const transactions = /^number of transactions actually processed: ([0-9]+)/m.exec(output);
  if (tps === null || latency === null || transactions === null) {
    throw new Error(`pgbench printed no summary:\n${output.trim().split("\n").slice(-6).join("\n")}`);
  }
  return { tps: Number(tps[1]), latencyAvgMs: Number(latency[1]), transactions: Number(transactions[1]) };
}

export async function pgbenchRun(target: PgbenchTarget, opts: PgbenchOptions): Promise<PgbenchResult> {
  throwIfAborted(opts.signal);
  // PGOPTIONS holds a setting, not a secret, so it may travel in the exec's environment.
  const env = opts.synchronousCommit === undefined ? [] : ["-e", `PGOPTIONS=-c synchronous_commit=${opts.synchronousCommit}`];
  const args = ["-c", String(opts.clients), "-j", String(opts.threads), "-T", String(opts.durationS)];
  const r = await docker(exec(target, env, args), { timeoutMs: (opts.durationS + 120) * 1000, signal: opts.signal }, "pgbench");
  return { ...parsePgbench(r.stdout), clients: opts.clients, durationS: opts.durationS };
}
