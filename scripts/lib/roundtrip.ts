/**
 * verify's active probes: write a row on the primary and time its arrival on
 * every standby, and prove a standby refuses writes. The row lives in
 * verify's own schema and is always deleted again, so verify leaves no data
 * behind; only the empty probe table stays (created once, if missing).
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Client } from "pg";
import { fail, pass, skip, type Check } from "./check";
import type { NodeSession } from "./connect";
import { describeError, sqlState } from "./errors";
import { formatMs } from "./lag";

// Schema names starting with "pg_" are reserved to PostgreSQL (SQLSTATE 42939).
export const PROBE_SCHEMA = "replication_verify";
export const PROBE_TABLE = `${PROBE_SCHEMA}.probe`;

/** A probe row older than this was left by a verify that was killed; any run may remove it. */
const STALE_AFTER = "1 hour";
/** How often a standby is asked whether the row has arrived. */
const POLL_MS = 5;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Something to run if the tool is interrupted (Ctrl-C) before the probe row is deleted. */
export type CleanupRegistry = (cleanup: (() => Promise<void>) | null) => void;

export interface RoundTripResult {
  readonly checks: Check[];
  /** Milliseconds from commit to visibility, per standby node name (null: never seen). */
  readonly arrivals: ReadonlyMap<string, number | null>;
}

async function ensureTable(client: Client): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${PROBE_SCHEMA}`);
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${PROBE_TABLE} (id text PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now(), written_by text NOT NULL)`,
  );
}

/** Polls one standby until the row is visible or the bound passes. */
async function waitForRow(session: NodeSession, id: string, committedAt: number, boundMs: number): Promise<{ ms: number | null; error: string | null }> {
  let lastError: string | null = null;
  for (;;) {
    try {
      const client = await session.connect();
      const r = await client.query(`SELECT 1 FROM ${PROBE_TABLE} WHERE id = $1`, [id]);
      if (r.rowCount !== null && r.rowCount > 0) return { ms: performance.now() - committedAt, error: null };
      lastError = null;
    } catch (err) {
      // Before the first probe ever replicates, the table itself is missing
      // on the standby (42P01, 3F000): that is "not yet", not an error.
      const code = sqlState(err);
      if (code !== "42P01" && code !== "3F000") {
        session.reset();
        lastError = describeError(err, session.node.endpoint, session.timeoutMs, session.node.conn.user).message;
      }
    }
    if (performance.now() - committedAt > boundMs) return { ms: null, error: lastError };
    await sleep(POLL_MS);
  }
}

/**
 * Writes one probe row on `primary` and waits for it on every standby.
 * The row is deleted in all cases, including a failed wait and Ctrl-C.
 */
export async function roundTrip(primary: NodeSession, standbys: readonly NodeSession[], boundMs: number, onInterrupt: CleanupRegistry): Promise<RoundTripResult> {
  const node = primary.node.name;
  const checks: Check[] = [];
  const arrivals = new Map<string, number | null>();
  const id = `${hostname()}-${process.pid}-${randomUUID()}`;
  let client: Client;
  let committedAt: number;
  try {
    client = await primary.connect();
    // verify's own writes must not wait for synchronous standbys: a missing
    // one is reported by its own check, and the round trip below measures
    // real replication time instead of commit latency.
    await client.query("SET synchronous_commit = local");
    await ensureTable(client);
    await client.query(`DELETE FROM ${PROBE_TABLE} WHERE written_at < now() - interval '${STALE_AFTER}'`);
    const started = performance.now();
    await client.query(`INSERT INTO ${PROBE_TABLE} (id, written_by) VALUES ($1, 'npm run verify')`, [id]);
    committedAt = performance.now();
    checks.push(pass(node, "probe write", `wrote a row into ${PROBE_TABLE} in ${formatMs(committedAt - started)}`, { writeMs: Math.round(committedAt - started) }));
  } catch (err) {
    primary.reset();
    const d = describeError(err, primary.node.endpoint, primary.timeoutMs, primary.node.conn.user);
    checks.push(fail(node, "probe write", `cannot write the probe row: ${d.message}`, "the primary must accept writes from the superuser"));
    for (const s of standbys) checks.push(skip(s.node.name, "round trip", "not measured: no probe row was written"));
    return { checks, arrivals };
  }
  const cleanup = async (): Promise<void> => {
    await client.query(`DELETE FROM ${PROBE_TABLE} WHERE id = $1`, [id]);
  };
  onInterrupt(cleanup);
  try {
    const results = await Promise.all(standbys.map((s) => waitForRow(s, id, committedAt, boundMs)));
    standbys.forEach((s, i) => {
      const { ms, error } = results[i];
      arrivals.set(s.node.name, ms);
      if (ms !== null) {
        checks.push(pass(s.node.name, "round trip", `row written on ${node} visible after ${formatMs(ms)} (bound ${formatMs(boundMs)})`, { visibleAfterMs: Math.round(ms * 10) / 10, boundMs }));
      } else {
        checks.push(
          fail(
            s.node.name,
            "round trip",
            `row written on ${node} not visible within ${formatMs(boundMs)}${error !== null ? ` (${error})` : ""}`,
            "replication is stopped or far behind: see the replication, wal receiver and lag checks; raise --round-trip-timeout for a slow host",
            { visibleAfterMs: null, boundMs },
          ),
        );
      }
    });
  } finally {
    onInterrupt(null);
    try {
      await cleanup();
      checks.push(pass(node, "probe cleanup", `deleted the probe row from ${PROBE_TABLE}`));
    } catch (err) {
      primary.reset();
      const d = describeError(err, primary.node.endpoint, primary.timeoutMs, primary.node.conn.user);
      checks.push(fail(node, "probe cleanup", `could not delete the probe row: ${d.message}`, `delete it by hand: DELETE FROM ${PROBE_TABLE} WHERE id = '${id}'`));
    }
  }
  return { checks, arrivals };
}

/**
 * A standby must refuse writes with SQLSTATE 25006 (read_only_sql_transaction).
 * The attempt runs in a transaction that is always rolled back, so even a
 * node that wrongly accepts it keeps no row.
 */
export async function writeRefusalCheck(session: NodeSession): Promise<Check> {
  const node = session.node.name;
  const name = "read-only";
  let client: Client;
  try {
    client = await session.connect();
  } catch (err) {
    session.reset();
    return fail(node, name, describeError(err, session.node.endpoint, session.timeoutMs, session.node.conn.user).message, "the standby stopped answering during verify");
  }
  const attempt = async (sql: string): Promise<unknown> => {
    try {
      await client.query("BEGIN");
      await client.query(sql);
      return null;
    } catch (err) {
      return err;
    } finally {
      await client.query("ROLLBACK").catch(() => undefined);
    }
  };
  let err = await attempt(`INSERT INTO ${PROBE_TABLE} (id, written_by) VALUES ('write-refusal-test', 'npm run verify')`);
  // Without the probe table (replication broken) the INSERT fails on the
  // missing table before the read-only check; a DDL statement still proves it.
  if (sqlState(err) === "42P01" || sqlState(err) === "3F000") err = await attempt("CREATE TEMP TABLE replication_verify_write_test (x int)");
  if (err === null) {
    return fail(node, name, "accepted a write (rolled back): this node is not a read-only standby", "a standby that accepts writes was promoted or is misconfigured");
  }
  const code = sqlState(err);
  if (code === "25006") return pass(node, name, "a write was refused with SQLSTATE 25006 (read-only transaction)", { sqlstate: code });
  session.reset();
  const d = describeError(err, session.node.endpoint, session.timeoutMs, session.node.conn.user);
  return fail(node, name, `a write failed with ${code ?? "an error"}, expected 25006: ${d.message}`, "the standby should refuse writes as read-only");
}
