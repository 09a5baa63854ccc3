/**
 * A steady write load on the primary: one numbered row per commit, at a fixed
 * rate, into the writer's own table. Only a commit the server acknowledged
 * (COMMIT returned success) is counted; a commit whose outcome is unknown
 * (the connection broke, the read timed out) is not. Ids are never reused, so
 * an unknown commit that did happen cannot collide with a later one.
 *
 * A commit whose synchronous-replication wait was cancelled (PostgreSQL
 * returns success with a WARNING: "canceling wait for synchronous
 * replication ...") is committed locally but not confirmed by the standbys:
 * it is kept apart in `localOnly`, never in `acked`.
 *
 * On an error the writer reconnects, with bounded retries: after
 * `outageBudgetMs` without a single acknowledged commit it gives up. It stops
 * itself after `maxDurationMs` whatever happens.
 */
import type { Client } from "pg";

import { closeQuietly, connect } from "./pg";
import { sleep } from "./wait";

export interface LoadWriterOptions {
  readonly dsn: string;
  /** The writer's own table; created if missing. A plain identifier. */
  readonly table: string;
  readonly ratePerSecond?: number;
  readonly maxDurationMs?: number;
  readonly outageBudgetMs?: number;
  readonly connectTimeoutMs?: number;
  /** Server-side statement_timeout per commit; 0 for none (then `queryTimeoutMs` bounds it). */
  readonly statementTimeoutMs?: number;
  readonly queryTimeoutMs?: number;
}

export interface WriterReport {
  readonly table: string;
  /** Ids of acknowledged commits, ascending. */
  readonly acked: readonly number[];
  /** Ids committed locally whose synchronous-replication wait was cancelled. */
  readonly localOnly: readonly number[];
  /** Commits attempted (acknowledged, local-only or failed). */
  readonly attempted: number;
  readonly failed: number;
  /** Connections opened again after a failure. */
  readonly reconnects: number;
  /** Slowest acknowledged commit (INSERT sent to success returned). */
  readonly maxCommitMs: number;
  /** Longest time between a failure and the next acknowledged commit. */
  readonly longestOutageMs: number;
  /** The distinct errors the writer saw (first few), e.g. why the connection broke. */
  readonly errors: readonly string[];
  /** Why the writer stopped early, or null. */
  readonly gaveUp: string | null;
  readonly durationMs: number;
}

const SYNC_CANCELLED = /canceling (the )?wait for synchronous replication/i;

export class LoadWriter {
  private readonly acked: number[] = [];
  private readonly localOnly: number[] = [];
  private attempted = 0;
  private failed = 0;
  private reconnects = 0;
  private longestOutageMs = 0;
  private maxCommitMs = 0;
  private gaveUp: string | null = null;
  private stopping = false;
  private loop: Promise<void> | null = null;
  private client: Client | null = null;
  private syncCancelled = false;
  private started = 0;
  private lastError = "";
  private connections = 0;
  private readonly errors: string[] = [];
  private readonly ackWaiters: { count: number; resolve: () => void }[] = [];

  constructor(private readonly options: LoadWriterOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(options.table)) throw new Error(`table name ${options.table} is not a plain identifier`);
  }

  get table(): string {
    return this.options.table;
  }

  get ackedCount(): number {
    return this.acked.length;
  }

  get lastAckedId(): number | undefined {
    return this.acked[this.acked.length - 1];
  }

  /** Creates the table, then writes in the background until stop() or a self-imposed limit. */
  async start(): Promise<void> {
    const client = await this.connect();
    await client.query(`CREATE TABLE IF NOT EXISTS ${this.options.table} (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    this.started = Date.now();
    this.loop = this.run();
  }

  /** Resolves once at least `count` more commits have been acknowledged (bounded). */
  async waitForAcks(count: number, timeoutMs: number): Promise<void> {
    const target = this.acked.length + count;
    if (this.acked.length >= target) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.ackWaiters.push({ count: target, resolve })),
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`writer ${this.table}: ${count} acknowledged commits did not come within ${timeoutMs / 1000} s (acked ${this.acked.length}, failed ${this.failed}${this.lastError !== "" ? `, last error: ${this.lastError}` : ""})`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async stop(): Promise<WriterReport> {
    this.stopping = true;
    if (this.loop !== null) await this.loop;
    if (this.client !== null) await closeQuietly(this.client);
    this.client = null;
    return this.report();
  }

  report(): WriterReport {
    return {
      table: this.table,
      acked: [...this.acked],
      localOnly: [...this.localOnly],
      attempted: this.attempted,
      failed: this.failed,
      reconnects: this.reconnects,
      maxCommitMs: this.maxCommitMs,
      longestOutageMs: this.longestOutageMs,
      errors: [...this.errors],
      gaveUp: this.gaveUp,
      durationMs: this.started === 0 ? 0 : Date.now() - this.started,
    };
  }

  private async connect(): Promise<Client> {
    if (this.client !== null) return this.client;
    const statement = this.options.statementTimeoutMs ?? 5000;
    const client = await connect(this.options.dsn, {
      connectTimeoutMs: this.options.connectTimeoutMs ?? 2000,
      statementTimeoutMs: statement,
      queryTimeoutMs: this.options.queryTimeoutMs ?? (statement > 0 ? statement + 2000 : 30_000),
      applicationName: `load-writer-${this.table}`,
    });
    client.on("notice", (notice) => {
      if (SYNC_CANCELLED.test(notice.message ?? "")) this.syncCancelled = true;
    });
    this.client = client;
    if (this.connections++ > 0) this.reconnects++;
    return client;
  }

  private drop(): void {
    const c = this.client;
    this.client = null;
    if (c !== null) void closeQuietly(c);
  }

  private notify(): void {
    for (let i = this.ackWaiters.length - 1; i >= 0; i--) {
      if (this.acked.length >= this.ackWaiters[i].count) {
        this.ackWaiters[i].resolve();
        this.ackWaiters.splice(i, 1);
      }
    }
  }

  private async run(): Promise<void> {
    const interval = 1000 / (this.options.ratePerSecond ?? 100);
    const deadline = this.started + (this.options.maxDurationMs ?? 240_000);
    const budget = this.options.outageBudgetMs ?? 90_000;
    let nextId = 1;
    let nextAt = Date.now();
    let outageSince: number | null = null;
    while (!this.stopping) {
      const now = Date.now();
      if (now >= deadline) {
        this.gaveUp = `stopped itself after ${Math.round((now - this.started) / 1000)} s (maxDurationMs)`;
        break;
      }
      if (outageSince !== null && now - outageSince > budget) {
        this.gaveUp = `no acknowledged commit for ${Math.round((now - outageSince) / 1000)} s (last error: ${this.lastError})`;
        break;
      }
      let ok = false;
      try {
        const client = await this.connect();
        const id = nextId++;
        this.attempted++;
        this.syncCancelled = false;
        const sent = Date.now();
        try {
          await client.query(`INSERT INTO ${this.options.table} (id) VALUES ($1)`, [id]);
        } catch (error) {
          this.failed++;
          throw error;
        }
        if (this.syncCancelled) {
          this.localOnly.push(id);
        } else {
          this.maxCommitMs = Math.max(this.maxCommitMs, Date.now() - sent);
          this.acked.push(id);
          ok = true;
          this.notify();
        }
      } catch (error) {
        this.lastError = error instanceof Error ? error.message : String(error);
        if (this.errors.length < 5 && !this.errors.includes(this.lastError)) this.errors.push(this.lastError);
        this.drop();
      }
      const after = Date.now();
      if (ok) {
        if (outageSince !== null) this.longestOutageMs = Math.max(this.longestOutageMs, after - outageSince);
        outageSince = null;
        nextAt = Math.max(nextAt + interval, after - interval);
      } else {
        outageSince ??= after;
        // Back off a little while the server is away; never a tight loop.
        nextAt = after + 200;
      }
      const wait = nextAt - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }
}
