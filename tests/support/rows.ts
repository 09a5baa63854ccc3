/**
 * Whether every acknowledged row of a writer is on a node: the durability
 * check every fault scenario ends with.
 */
import assert from "node:assert/strict";

import { queryOne, type ConnectOptions } from "./pg";

export interface RowCheck {
  /** Acknowledged ids found on the node. */
  readonly found: number;
  /** Acknowledged ids missing from the node (the first few). */
  readonly missing: readonly number[];
  readonly missingCount: number;
  /** Every row in the table, acknowledged or not (a commit whose answer was lost may be there too). */
  readonly total: number;
}

export async function checkRows(dsn: string, table: string, acked: readonly number[], options: ConnectOptions = {}): Promise<RowCheck> {
  const row = await queryOne<{ found: string; missing: string[] | null; missing_count: string; total: string }>(
    dsn,
    `WITH want AS (SELECT unnest($1::bigint[]) AS id)
     SELECT (SELECT count(*) FROM want JOIN ${table} t USING (id)) AS found,
            (SELECT array_agg(id ORDER BY id) FROM (SELECT w.id FROM want w WHERE NOT EXISTS (SELECT FROM ${table} t WHERE t.id = w.id) ORDER BY w.id LIMIT 20) m) AS missing,
            (SELECT count(*) FROM want w WHERE NOT EXISTS (SELECT FROM ${table} t WHERE t.id = w.id)) AS missing_count,
            (SELECT count(*) FROM ${table}) AS total`,
    [acked],
    { statementTimeoutMs: 30_000, ...options },
  );
  return {
    found: Number(row.found),
    missing: (row.missing ?? []).map(Number),
    missingCount: Number(row.missing_count),
    total: Number(row.total),
  };
}

export function describeMissing(node: string, check: RowCheck): string {
  return `${node} misses ${check.missingCount} acknowledged rows (first: ${check.missing.join(", ")})`;
}

/** The check on every node, in the order given. */
export async function checkNodes(nodes: readonly (readonly [string, string])[], table: string, acked: readonly number[]): Promise<[string, RowCheck][]> {
  const out: [string, RowCheck][] = [];
  for (const [label, dsn] of nodes) out.push([label, await checkRows(dsn, table, acked)]);
  return out;
}

/** The check on every node, failing the test on the first node that misses an acknowledged row. */
export async function assertNoAckedRowMissing(nodes: readonly (readonly [string, string])[], table: string, acked: readonly number[]): Promise<[string, RowCheck][]> {
  const found = await checkNodes(nodes, table, acked);
  for (const [node, check] of found) assert.equal(check.missingCount, 0, describeMissing(node, check));
  return found;
}
