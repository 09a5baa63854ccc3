/**
 * Connections to the cluster's servers. Every connection is bounded (connect
 * timeout, server-side statement timeout, client-side read timeout) so that
 * a stopped or paused container costs the tools seconds, never a hang.
 */
import { Client } from "pg";
import type { NodeRef } from "./nodes";

export interface ConnectOptions {
  /** "verify", "status", "promote": shows up as `pg-replication-<tool>` in pg_stat_activity. */
  readonly tool: string;
  readonly timeoutMs: number;
  /** Statement timeout when a statement may legitimately run longer (pg_promote waits); default timeoutMs. */
  readonly statementTimeoutMs?: number;
}

/** Closing a connection to a dead server must not hold the tool up either. */
const CLOSE_TIMEOUT_MS = 1000;

/**
 * One node's connection, opened on first use and dropped after an error so
 * the next use reconnects (`status --watch` survives a restarting server).
 */
export class NodeSession {
  private client: Client | null = null;

  constructor(
    readonly node: NodeRef,
    private readonly options: ConnectOptions,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  async connect(): Promise<Client> {
    if (this.client !== null) return this.client;
    const { conn } = this.node;
    const statementMs = this.options.statementTimeoutMs ?? this.options.timeoutMs;
    const client = new Client({
      host: conn.host,
      port: conn.port,
      user: conn.user,
      password: conn.password,
      database: conn.database,
      application_name: `pg-replication-${this.options.tool}`,
      connectionTimeoutMillis: this.options.timeoutMs,
      statement_timeout: statementMs,
      // statement_timeout needs a live server to fire; this one does not.
      query_timeout: statementMs + 1000,
      keepAlive: true,
    });
    // A server that goes away while the connection is idle emits 'error' on
    // the client; unhandled, that would crash the tool. Drop it instead.
    client.on("error", () => {
      if (this.client === client) this.client = null;
      void closeQuietly(client);
    });
    try {
      await client.connect();
    } catch (err) {
      void closeQuietly(client);
      throw err;
    }
    this.client = client;
    return client;
  }

  /** Forgets the connection after an error; the next `connect()` opens a new one. */
  reset(): void {
    const c = this.client;
    this.client = null;
    if (c !== null) void closeQuietly(c);
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c !== null) await closeQuietly(c);
  }
}

async function closeQuietly(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    await Promise.race([client.end().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function openSessions(nodes: readonly NodeRef[], options: ConnectOptions): NodeSession[] {
  return nodes.map((n) => new NodeSession(n, options));
}

export async function closeAll(sessions: readonly NodeSession[]): Promise<void> {
  await Promise.all(sessions.map((s) => s.close()));
}
