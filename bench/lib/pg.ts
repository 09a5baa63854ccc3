/** Connections from the bench to the cluster, through the published ports only (the DSNs in the stack outputs). */
import { Client } from "pg";

import { nowMs, sleep } from "./proc";

export const APPLICATION_NAME = "pg-replication-bench";

/** Every statement and connect attempt is bounded, so no measurement can hang. */
export async function connect(dsn: string, opts: { synchronousCommit?: string; connectTimeoutMs?: number } = {}): Promise<Client> {
  const client = new Client({
    connectionString: dsn,
    application_name: APPLICATION_NAME,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    statement_timeout: 30_000,
    query_timeout: 35_000,
  });
  // A server that goes away (a standby stopped for the catch-up test) must not crash the process.
  client.on("error", () => undefined);
  await client.connect();
  if (opts.synchronousCommit !== undefined) {
    await client.query(`SET synchronous_commit = ${quoteLiteral(opts.synchronousCommit)}`);
  }
  return client;
}

export async function closeQuietly(client: Client | undefined): Promise<void> {
  if (client === undefined) return;
  await Promise.race([client.end().catch(() => undefined), sleep(2_000).catch(() => undefined)]);
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Polls `probe` on a fresh-or-kept connection until it returns true or the bound passes. */
export async function waitFor(
  what: string, probe: () => Promise<boolean>, opts: { boundMs: number; intervalMs: number; signal?: AbortSignal },
): Promise<number> {
  const started = nowMs();
  let lastError = "";
  for (;;) {
    try {
      if (await probe()) return nowMs() - started;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (nowMs() - started > opts.boundMs) {
      throw new Error(`${what}: not reached in ${opts.boundMs / 1000} s${lastError === "" ? "" : ` (last error: ${lastError})`}`);
    }
    await sleep(opts.intervalMs, opts.signal);
  }
}
