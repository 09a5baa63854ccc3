/**
 * How long a server refused new connections: a probe that opens a fresh
 * connection and runs `SELECT 1` every `intervalMs`, and records the longest
 * run of failed attempts (from the first failure to the next success). A
 * writer's outage also counts commits that wait (e.g. for synchronous
 * standbys that reconnect); this counts only the server saying no. A
 * password the server rejects (SQLSTATE class 28) is an answer, not a
 * refusal: it counts as reachable, so a rotation does not look like an outage.
 */
import { closeQuietly, connect, sqlState } from "./pg";
import { sleep } from "./wait";

export interface RefusalReport {
  readonly attempts: number;
  readonly refused: number;
  readonly longestRefusalMs: number;
  /** Separate runs of refusals: one per restart. */
  readonly windows: number;
}

export class RefusalProbe {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private attempts = 0;
  private refused = 0;
  private longest = 0;
  private windows = 0;

  constructor(private readonly dsn: string, private readonly intervalMs = 100, private readonly maxDurationMs = 900_000) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<RefusalReport> {
    this.stopping = true;
    if (this.loop !== null) await this.loop;
    return { attempts: this.attempts, refused: this.refused, longestRefusalMs: this.longest, windows: this.windows };
  }

  /** One attempt: true when the server answered (a rejected password is an answer too). */
  private async answers(): Promise<boolean> {
    try {
      const client = await connect(this.dsn, { connectTimeoutMs: 1000, statementTimeoutMs: 1000, applicationName: "pg-replication-it-probe" });
      try {
        await client.query("SELECT 1");
      } finally {
        await closeQuietly(client);
      }
      return true;
    } catch (error) {
      return sqlState(error)?.startsWith("28") === true;
    }
  }

  private async run(): Promise<void> {
    const deadline = Date.now() + this.maxDurationMs;
    let refusedSince: number | null = null;
    while (!this.stopping && Date.now() < deadline) {
      this.attempts++;
      if (await this.answers()) {
        if (refusedSince !== null) this.longest = Math.max(this.longest, Date.now() - refusedSince);
        refusedSince = null;
      } else {
        this.refused++;
        if (refusedSince === null) {
          refusedSince = Date.now();
          this.windows++;
        }
      }
      await sleep(this.intervalMs);
    }
    // Still refusing when stopped: the window so far counts.
    if (refusedSince !== null) this.longest = Math.max(this.longest, Date.now() - refusedSince);
  }
}
