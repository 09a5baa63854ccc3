/**
 * PostgreSQL connections for the integration tests: always to 127.0.0.1
 * through published ports, always with short connect, statement and read
 * timeouts, so a stopped server costs seconds, never a hang.
 */
import { Client, type ClientConfig, type QueryResultRow } from "pg";

export const CONNECT_TIMEOUT_MS = 3000;
export const STATEMENT_TIMEOUT_MS = 10_000;

export interface ConnectOptions {
  readonly connectTimeoutMs?: number;
  /** Server-side statement_timeout; 0 for none. */
  readonly statementTimeoutMs?: number;
  /** Client-side read timeout (fires when the server is gone); default statement timeout + 2 s. */
  readonly queryTimeoutMs?: number;
  readonly applicationName?: string;
  /** Overrides for the user, password or database of the DSN. */
  readonly user?: string;
  readonly password?: string;
  readonly database?: string;
  /** `replication: "database"`-style startup parameter, for replication connections. */
  readonly replication?: string;
}

export function clientConfig(dsn: string, options: ConnectOptions = {}): ClientConfig {
  const url = new URL(dsn);
  if (url.hostname !== "127.0.0.1") throw new Error(`test traffic goes to 127.0.0.1 only, not ${url.hostname}`);
  const statement = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const config: ClientConfig & { replication?: string } = {
    host: url.hostname,
    port: Number(url.port),
    user: options.user ?? decodeURIComponent(url.username),
    password: options.password ?? decodeURIComponent(url.password),
    database: options.database ?? decodeURIComponent(url.pathname.replace(/^\//, "")),
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    query_timeout: options.queryTimeoutMs ?? (statement > 0 ? statement + 2000 : 120_000),
    application_name: options.applicationName ?? "pg-replication-it",
    keepAlive: true,
  };
  if (statement > 0) config.statement_timeout = statement;
  if (options.replication !== undefined) config.replication = options.replication;
  return config;
}

/** A connected client whose idle-connection errors are swallowed (the server may be killed under it). */
export async function connect(dsn: string, options: ConnectOptions = {}): Promise<Client> {
  const client = new Client(clientConfig(dsn, options));
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    void closeQuietly(client);
    throw error;
  }
  return client;
}

export async function closeQuietly(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1000);
  });
  await Promise.race([client.end().catch(() => undefined), bound]);
  clearTimeout(timer);
}

/** One statement on a fresh connection. */
export async function query<R extends QueryResultRow>(dsn: string, sql: string, params: readonly unknown[] = [], options: ConnectOptions = {}): Promise<R[]> {
  const client = await connect(dsn, options);
  try {
    const result = await client.query<R>(sql, [...params]);
    return result.rows;
  } finally {
    await closeQuietly(client);
  }
}

export async function queryOne<R extends QueryResultRow>(dsn: string, sql: string, params: readonly unknown[] = [], options: ConnectOptions = {}): Promise<R> {
  const rows = await query<R>(dsn, sql, params, options);
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${sql}`);
  return rows[0];
}

/** The SQLSTATE of a failed connection or query, if the server sent one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

/** Resolves with the error a connection attempt failed with; fails if it succeeds. */
export async function connectionRefusal(dsn: string, options: ConnectOptions = {}): Promise<Error> {
  let client: Client | undefined;
  try {
    client = await connect(dsn, options);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
  await closeQuietly(client);
  throw new Error(`connection to 127.0.0.1:${new URL(dsn).port} as ${options.user ?? "the DSN's user"} (database ${options.database ?? "of the DSN"}) was accepted`);
}
