/**
 * What the primary says about its standbys (pg_stat_replication,
 * pg_replication_slots, pg_wal), whether a node is a standby, and bounded
 * waits on them.
 */
import { query, queryOne } from "./pg";
import { waitFor } from "./wait";

export interface SlotState {
  readonly name: string;
  readonly active: boolean;
  /** reserved | extended | unreserved | lost, or null before the slot reserved WAL. */
  readonly walStatus: string | null;
  /** pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn); null when the slot holds no WAL. */
  readonly retainedBytes: number | null;
  readonly restartLsn: string | null;
}

export async function slots(primaryDsn: string): Promise<SlotState[]> {
  const rows = await query<{ slot_name: string; active: boolean; wal_status: string | null; retained: string | null; restart_lsn: string | null }>(
    primaryDsn,
    `SELECT slot_name, active, wal_status, restart_lsn::text,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint::text AS retained
       FROM pg_replication_slots ORDER BY slot_name`,
  );
  return rows.map((r) => ({
    name: r.slot_name,
    active: r.active,
    walStatus: r.wal_status,
    retainedBytes: r.retained === null ? null : Number(r.retained),
    restartLsn: r.restart_lsn,
  }));
}

export async function slot(primaryDsn: string, name: string): Promise<SlotState> {
  const found = (await slots(primaryDsn)).find((s) => s.name === name);
  if (found === undefined) throw new Error(`no replication slot ${name} on the primary`);
  return found;
}

export interface SenderState {
  readonly state: string;
  readonly syncState: string;
  readonly replayLsn: string | null;
}

export async function sender(primaryDsn: string, applicationName: string): Promise<SenderState | null> {
  const rows = await query<{ state: string; sync_state: string; replay_lsn: string | null }>(
    primaryDsn,
    "SELECT state, sync_state, replay_lsn::text FROM pg_stat_replication WHERE application_name = $1 ORDER BY state = 'streaming' DESC LIMIT 1",
    [applicationName],
  );
  return rows.length === 0 ? null : { state: rows[0].state, syncState: rows[0].sync_state, replayLsn: rows[0].replay_lsn };
}

/** Whether the node is in recovery: a standby, not (or not yet) promoted. */
export async function inRecovery(dsn: string): Promise<boolean> {
  return (await queryOne<{ r: boolean }>(dsn, "SELECT pg_is_in_recovery() AS r")).r;
}

export async function currentLsn(primaryDsn: string): Promise<string> {
  return (await queryOne<{ lsn: string }>(primaryDsn, "SELECT pg_current_wal_lsn()::text AS lsn")).lsn;
}

/** Bytes in the primary's pg_wal, as the server counts them. */
export async function walDirBytes(primaryDsn: string): Promise<number> {
  return Number((await queryOne<{ bytes: string }>(primaryDsn, "SELECT coalesce(sum(size), 0)::bigint::text AS bytes FROM pg_ls_waldir()")).bytes);
}

/** Waits until the primary streams to the standby and the standby has replayed up to `lsn`. Returns the time it took. */
export async function waitReplayed(primaryDsn: string, applicationName: string, lsn: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(`${applicationName} to stream and replay up to ${lsn}`, async () => {
    const row = await queryOne<{ done: boolean }>(
      primaryDsn,
      `SELECT coalesce(bool_or(state = 'streaming' AND replay_lsn >= $2::pg_lsn), false) AS done
         FROM pg_stat_replication WHERE application_name = $1`,
      [applicationName, lsn],
      { connectTimeoutMs: 1000 },
    );
    return row.done ? true : undefined;
  }, { timeoutMs, intervalMs: 100 });
  return Date.now() - started;
}
