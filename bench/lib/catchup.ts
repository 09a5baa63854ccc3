/**
 * Catch-up: a standby is stopped, the primary writes a backlog of WAL, the
 * standby is started again; how long until it has replayed all of it.
 *
 * The standby's slot keeps the WAL on the primary meanwhile (the program's
 * max_slot_wal_keep_size, 1GB by default, is far above the backlog). The
 * baseline is the same stop and start with no backlog: what restarting a
 * standby costs by itself (container start, recovery start, reconnect). The
 * replay rate is also compared with the rate the primary wrote the WAL at:
 * a standby that replays slower than its primary writes never catches up.
 *
 * "Caught up" is read on the standby itself (pg_last_wal_replay_lsn through
 * its published port), not from the primary's pg_stat_replication, whose
 * replay position is only as fresh as the standby's last status message.
 */
import type { Client } from "pg";

import { closeQuietly, connect } from "./pg";
import { docker, nowMs, sleep, throwIfAborted } from "./proc";
import { SCHEMA } from "./latency";

export const MB = 1024 * 1024;
const TABLE = `${SCHEMA}.catchup`;
/** Rows of ~1 kB stay below the TOAST threshold, so the WAL is not compressed away. */
const ROWS_PER_BATCH = 4096;
const CATCH_UP_BOUND_MS = 120_000;

export interface CatchUpTarget {
  readonly primaryDsn: string;
  readonly standbyDsn: string;
  readonly standbyContainer: string;
}

export interface CatchUpOptions {
  readonly backlogMb: number;
  /** Session override for the writing session; the quick run writes with `local` on a synchronous cluster, whose stopped standby would otherwise block every commit. */
  readonly synchronousCommit?: string;
  readonly signal?: AbortSignal;
}

export interface CatchUpResult {
  readonly backlogBytes: number;
  /** How long the primary took to write the backlog. */
  readonly writeMs: number;
  /** `docker start` of the standby to it having replayed everything, with no backlog (the baseline). */
  readonly restartMs: number;
  /** The same, with the backlog. */
  readonly catchUpMs: number;
}

async function currentLsn(primary: Client): Promise<string> {
  const r = await primary.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
  return r.rows[0].lsn;
}

/** Starts the standby and waits until it has replayed up to `lsn`; returns ms since the start. */
async function startAndWait(target: CatchUpTarget, lsn: string, signal?: AbortSignal): Promise<number> {
  const started = nowMs();
  await docker(["start", target.standbyContainer], { timeoutMs: 60_000, signal });
  let standby: Client | undefined;
  try {
    for (;;) {
      throwIfAborted(signal);
      if (nowMs() - started > CATCH_UP_BOUND_MS) throw new Error(`the standby did not replay to ${lsn} within ${CATCH_UP_BOUND_MS / 1000} s of its start`);
      try {
        // Refused until the standby accepts read-only connections again: reconnect until it does.
        standby ??= await connect(target.standbyDsn, { connectTimeoutMs: 1_000 });
        const r = await standby.query<{ done: boolean }>("SELECT coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0, false) AS done", [lsn]);
        if (r.rows[0].done) return nowMs() - started;
      } catch {
        await closeQuietly(standby);
        standby = undefined;
      }
      await sleep(10, signal);
    }
  } finally {
    await closeQuietly(standby);
  }
}

async function stop(target: CatchUpTarget, signal?: AbortSignal): Promise<void> {
  // The container's stop signal is SIGINT: PostgreSQL's fast shutdown, which ends with a restartpoint.
  await docker(["stop", "-t", "60", target.standbyContainer], { timeoutMs: 90_000, signal });
}

export async function measureCatchUp(target: CatchUpTarget, opts: CatchUpOptions): Promise<CatchUpResult> {
  const primary = await connect(target.primaryDsn, { synchronousCommit: opts.synchronousCommit });
  let stopped = false;
  try {
    await primary.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await primary.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await primary.query(`CREATE TABLE ${TABLE} (id bigint, pad text)`);

    await stop(target, opts.signal);
    stopped = true;
    const restartMs = await startAndWait(target, await currentLsn(primary), opts.signal);
    stopped = false;

    await stop(target, opts.signal);
    stopped = true;
    const from = await currentLsn(primary);
    const wanted = opts.backlogMb * MB;
    const writeStarted = nowMs();
    let written = 0;
    for (let batch = 0; written < wanted; batch++) {
      throwIfAborted(opts.signal);
      if (batch >= 10_000 || nowMs() - writeStarted > CATCH_UP_BOUND_MS) throw new Error(`could not write ${opts.backlogMb} MB of WAL in time`);
      await primary.query(`INSERT INTO ${TABLE} SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, ${ROWS_PER_BATCH}) g`);
      const r = await primary.query<{ bytes: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS bytes", [from]);
      written = Number(r.rows[0].bytes);
    }
    const writeMs = nowMs() - writeStarted;
    const catchUpMs = await startAndWait(target, await currentLsn(primary), opts.signal);
    stopped = false;
    await primary.query(`DROP TABLE IF EXISTS ${TABLE}`);
    return { backlogBytes: written, writeMs, restartMs, catchUpMs };
  } finally {
    // A failed measurement must not leave the standby down for what follows (teardown handles a stopped one too).
    if (stopped) await docker(["start", target.standbyContainer], { timeoutMs: 60_000 }).catch(() => undefined);
    await closeQuietly(primary);
  }
}
