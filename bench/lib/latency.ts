/**
 * Replication visibility latency: how long after a commit is acknowledged to
 * the writer a read on the standby sees the row.
 *
 * Clock: the writer and the reader live in this one process and stamp events
 * with the same monotonic clock (process.hrtime), so no clocks of different
 * hosts or containers are compared. A row cannot carry the time its own
 * commit was acknowledged (that is known only after the commit), so the ack
 * time is kept here by row id, and the row carries only the id.
 *
 * Method: a writer commits single-row INSERTs on the primary at a fixed rate
 * (several connections, so a slow commit does not delay the schedule). When a
 * commit is acknowledged its id joins the pending set and wakes the reader,
 * which asks the standby for all pending ids at once and asks again, back to
 * back, while any remain. A row's latency is the time from its ack to the
 * reply of the first poll, sent after the ack, that returned it. Only polls
 * sent after the ack count, so even a row the standby already had costs one
 * round trip.
 *
 * The floor is that round trip, measured the same way and under the same
 * load: the same writer commits at the same rate on the same deployment, but
 * the reader asks for ids the standby can always answer at once
 * (`SELECT unnest($1)`), so nothing waits for replication. A floor measured
 * on an idle system would be unfair in the other direction: a server woken
 * from idle answers slower than one that is busy applying WAL.
 */
import type { Client } from "pg";

import { summarize, type Summary } from "./stats";
import { closeQuietly, connect, waitFor } from "./pg";
import { nowMs, sleep, throwIfAborted } from "./proc";

export const SCHEMA = "replication_bench";
const TABLE = `${SCHEMA}.visibility`;

export interface LatencyOptions {
  readonly rateHz: number;
  readonly durationMs: number;
  /** Events in the first this-many ms are sent but not counted (connections and plans warm up). */
  readonly warmupMs: number;
  /** Writer connections; commits are spread over them so one slow commit does not hold up the schedule. */
  readonly writers: number;
  /** A row not seen on the standby this long after its ack is counted missing. */
  readonly pendingTimeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface VisibilityRun {
  /** Counted events (after the warm-up). */
  readonly sent: number;
  readonly seen: number;
  readonly missing: number;
  /** Achieved commit rate over the counted window. */
  readonly achievedHz: number;
  /** Ack -> visible on the standby, ms. */
  readonly visibility: Summary;
  /** Commit sent -> acknowledged, ms. */
  readonly commit: Summary;
  /** Raw visibility samples, for the chart (not written to the results file in full). */
  readonly samples: readonly number[];
}

/** Pending acks, and a way for the reader to sleep until there are some. */
class Pending {
  readonly acks = new Map<number, number>();
  private wake: (() => void) | null = null;

  add(id: number, ackMs: number): void {
    this.acks.set(id, ackMs);
    this.wake?.();
    this.wake = null;
  }

  /** Resolves at the next add, or after `ms` (so a stopped writer is noticed). */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

type Lookup = (ids: number[]) => Promise<number[]>;

interface ReaderResult {
  readonly latencies: Map<number, number>;
  readonly missing: number;
}

/** Polls `lookup` for pending ids until the writer is done and nothing is pending (each id bounded by the timeout). */
async function reader(pending: Pending, lookup: Lookup, isDone: () => boolean, opts: LatencyOptions): Promise<ReaderResult> {
  const latencies = new Map<number, number>();
  let missing = 0;
  // Ends on its own even if the writer never reports done (it failed, say): whatever happens, this loop is bounded.
  const hardStop = nowMs() + opts.warmupMs + opts.durationMs + opts.pendingTimeoutMs + 60_000;
  for (;;) {
    throwIfAborted(opts.signal);
    if (nowMs() > hardStop) throw new Error("the standby reader passed its time bound");
    if (pending.acks.size === 0) {
      if (isDone()) break;
      await pending.next(50);
      continue;
    }
    const now = nowMs();
    for (const [id, ack] of pending.acks) {
      if (now - ack > opts.pendingTimeoutMs) {
        pending.acks.delete(id);
        missing++;
      }
    }
    const ids = [...pending.acks.keys()];
    if (ids.length === 0) continue;
    const found = await lookup(ids);
    const replied = nowMs();
    for (const id of found) {
      const ack = pending.acks.get(id);
      if (ack === undefined) continue;
      latencies.set(id, replied - ack);
      pending.acks.delete(id);
    }
  }
  return { latencies, missing };
}

/** Runs `fire(id)` at the fixed rate for warm-up + duration; returns the number of events and the first counted id. */
async function schedule(opts: LatencyOptions, fire: (id: number) => void): Promise<{ total: number; firstCounted: number; windowMs: number }> {
  const periodMs = 1000 / opts.rateHz;
  const warmup = Math.round(opts.warmupMs / periodMs);
  const total = warmup + Math.round(opts.durationMs / periodMs);
  const start = nowMs();
  let countedFrom = start;
  for (let id = 0; id < total; id++) {
    throwIfAborted(opts.signal);
    if (id === warmup) countedFrom = nowMs();
    const wait = start + id * periodMs - nowMs();
    if (wait > 0.5) await sleep(wait, opts.signal);
    fire(id);
  }
  return { total, firstCounted: warmup, windowMs: nowMs() - countedFrom };
}

function result(read: ReaderResult, firstCounted: number, total: number, windowMs: number, commitMs: Map<number, number>): VisibilityRun {
  const counted = [...read.latencies.entries()].filter(([id]) => id >= firstCounted).map(([, ms]) => ms);
  const commits = [...commitMs.entries()].filter(([id]) => id >= firstCounted).map(([, ms]) => ms);
  const sent = total - firstCounted;
  if (counted.length === 0 || commits.length === 0) throw new Error("no row was seen on the standby");
  return {
    sent,
    seen: counted.length,
    missing: sent - counted.length,
    achievedHz: commits.length / (windowMs / 1000),
    visibility: summarize(counted),
    commit: summarize(commits),
    samples: counted,
  };
}

/**
 * Creates the table on the primary and waits until the standby has this very
 * table: the one of an earlier run on the same deployment has the same name
 * but another OID, and is dropped on the standby when the DROP is replayed,
 * which can be after the reader has started.
 */
async function prepareTable(primary: Client, standby: Client, signal?: AbortSignal): Promise<void> {
  await primary.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  await primary.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await primary.query(`CREATE TABLE ${TABLE} (id bigint PRIMARY KEY)`);
  const created = await primary.query<{ oid: string }>(`SELECT '${TABLE}'::regclass::oid::text AS oid`);
  const oid = created.rows[0].oid;
  await waitFor("the bench table on the standby", async () => {
    const r = await standby.query<{ oid: string | null }>(`SELECT to_regclass('${TABLE}')::oid::text AS oid`);
    return r.rows[0]?.oid === oid;
  }, { boundMs: 15_000, intervalMs: 20, signal });
}

export interface VisibilityMode {
  /** Overrides the server's synchronous_commit for the writers (the quick run's shortcut); undefined keeps the deployed setting. */
  readonly synchronousCommit?: string;
  /** Measure the floor: the reader's query answers every id at once, without looking at the table. */
  readonly floor: boolean;
}

/** The reader's query: the rows the standby has, or (for the floor) every id asked for. */
function lookupQuery(floor: boolean): { name: string; text: string } {
  return floor
    ? { name: "bench-floor", text: "SELECT id FROM unnest($1::bigint[]) AS u(id)" }
    : { name: "bench-lookup", text: `SELECT id FROM ${TABLE} WHERE id = ANY($1::bigint[])` };
}

/** Commit-to-visible latency on one standby, or its floor (see the top of this file). */
export async function measureVisibility(primaryDsn: string, standbyDsn: string, opts: LatencyOptions, mode: VisibilityMode): Promise<VisibilityRun> {
  const synchronousCommit = mode.synchronousCommit;
  const writers: Client[] = [];
  let standby: Client | undefined;
  try {
    for (let i = 0; i < opts.writers; i++) writers.push(await connect(primaryDsn, { synchronousCommit }));
    standby = await connect(standbyDsn);
    await prepareTable(writers[0], standby, opts.signal);

    const free = [...writers];
    const pending = new Pending();
    const commitMs = new Map<number, number>();
    const inFlight = new Set<Promise<void>>();
    const failures: string[] = [];
    let writerDone = false;

    const insert = (client: Client, id: number): Promise<void> => {
      const sent = nowMs();
      return client.query({ name: "bench-insert", text: `INSERT INTO ${TABLE} (id) VALUES ($1)`, values: [id] }).then(() => {
        const ack = nowMs();
        commitMs.set(id, ack - sent);
        pending.add(id, ack);
      }, (error: unknown) => {
        failures.push(error instanceof Error ? error.message : String(error));
      }).finally(() => free.push(client));
    };
    // A commit that finds every writer busy waits for the next free one; its lateness shows in achievedHz.
    const backlog: number[] = [];
    const drain = (): void => {
      while (backlog.length > 0 && free.length > 0) {
        const p = insert(free.shift() as Client, backlog.shift() as number);
        inFlight.add(p);
        void p.finally(() => {
          inFlight.delete(p);
          drain();
        });
      }
    };
    const lookupClient = standby;
    const query = lookupQuery(mode.floor);
    const lookup: Lookup = async (ids) => {
      const r = await lookupClient.query<{ id: string }>({ ...query, values: [ids] });
      return r.rows.map((row) => Number(row.id));
    };
    const reading = reader(pending, lookup, () => writerDone && inFlight.size === 0 && backlog.length === 0, opts);
    // Awaited below; until then a rejection (an interrupted run) must not count as unhandled.
    reading.catch(() => undefined);
    const sched = await schedule(opts, (id) => {
      backlog.push(id);
      drain();
    });
    const drainBound = nowMs() + opts.pendingTimeoutMs + 35_000;
    while ((inFlight.size > 0 || backlog.length > 0) && nowMs() < drainBound) await sleep(5, opts.signal);
    writerDone = true;
    const read = await reading;
    if (failures.length > 0) throw new Error(`${failures.length} commits failed, first: ${failures[0]}`);
    return result(read, sched.firstCounted, sched.total, sched.windowMs, commitMs);
  } finally {
    await Promise.all([...writers.map((w) => closeQuietly(w)), closeQuietly(standby)]);
  }
}

/** Plain `SELECT 1` round trips to the standby's published port, back to back. */
export async function measureSelectOne(standbyDsn: string, count: number, signal?: AbortSignal): Promise<Summary> {
  const standby = await connect(standbyDsn);
  try {
    const samples: number[] = [];
    for (let i = 0; i < count + Math.ceil(count / 10); i++) {
      throwIfAborted(signal);
      const t = nowMs();
      await standby.query({ name: "bench-ping", text: "SELECT 1" });
      // The first tenth warms the connection up and is not counted.
      if (i >= Math.ceil(count / 10)) samples.push(nowMs() - t);
    }
    return summarize(samples);
  } finally {
    await closeQuietly(standby);
  }
}
