/**
 * One look at every node, taken concurrently: what the server says about its
 * role, WAL positions, settings, senders, slots and WAL receiver. verify and
 * status both judge this same snapshot, so they cannot disagree.
 */
import type { Client } from "pg";
import type { NodeSession } from "./connect";
import { describeError, type FailureKind } from "./errors";
import type { SenderPositions } from "./lag";
import type { NodeRef } from "./nodes";
import type { ServerSetting } from "./settings";

/** One `pg_stat_replication` row (a WAL sender on this node): its positions and lags, and who it sends to. */
export interface SenderRow extends SenderPositions {
  /**
   * The sending server's `pg_current_wal_lsn()`, read in the same statement
   * as the row: lag against a position read in an earlier query would come
   * out too small (even zero) under load, the standby having moved on since.
   */
  readonly currentLsn: string | null;
  readonly applicationName: string;
  readonly state: string;
  readonly syncState: string;
  readonly clientAddr: string | null;
  /** Milliseconds since the standby last reported its positions (`now() - reply_time`). */
  readonly replyAgeMs: number | null;
}

/** One `pg_replication_slots` row. */
export interface SlotRow {
  readonly name: string;
  readonly type: string;
  readonly active: boolean;
  /** reserved, extended, unreserved, lost; null before the slot first reserves WAL. */
  readonly walStatus: string | null;
  readonly restartLsn: string | null;
  /** `pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)`: WAL the slot keeps; null in recovery or before it reserves WAL. */
  readonly retainedBytes: number | null;
}

/** The `pg_stat_wal_receiver` row of a standby. */
export interface ReceiverRow {
  readonly status: string;
  readonly senderHost: string | null;
  readonly senderPort: number | null;
  readonly slotName: string | null;
  readonly receivedTli: number | null;
}

export interface NodeState {
  readonly inRecovery: boolean;
  readonly serverVersion: string;
  readonly versionNum: number;
  /** `pg_current_wal_lsn()`; null in recovery, where it is not defined. */
  readonly currentLsn: string | null;
  /** Timeline this node writes on; null in recovery. */
  readonly timeline: number | null;
  readonly receiveLsn: string | null;
  readonly replayLsn: string | null;
  /** `now() - pg_last_xact_replay_timestamp()`; see lag.ts for why this is not lag. */
  readonly lastReplayAgeMs: number | null;
  readonly settings: readonly ServerSetting[];
  readonly senders: readonly SenderRow[];
  readonly slots: readonly SlotRow[];
  readonly receiver: ReceiverRow | null;
  /** Time to connect and run the snapshot queries. */
  readonly elapsedMs: number;
}

export type NodeSnapshot =
  | { readonly node: NodeRef; readonly ok: true; readonly state: NodeState }
  | { readonly node: NodeRef; readonly ok: false; readonly kind: FailureKind; readonly error: string };

export interface ClusterSnapshot {
  readonly takenAt: Date;
  /** Same order as the nodes: primary first, then the standbys. */
  readonly nodes: readonly NodeSnapshot[];
}

const BASICS = `
SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('server_version') AS server_version,
       current_setting('server_version_num')::int AS version_num,
       CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
       -- The WAL file name starts with the timeline in 8 hex digits.
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline,
       pg_last_wal_receive_lsn()::text AS receive_lsn,
       pg_last_wal_replay_lsn()::text AS replay_lsn,
       (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS last_replay_age_ms`;

const SETTINGS = `
SELECT name, setting, unit, vartype, current_setting(name) AS shown
  FROM pg_settings WHERE name = ANY($1::text[]) ORDER BY name`;

const SENDERS = `
SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
       application_name, state, sync_state, client_addr::text AS client_addr,
       sent_lsn::text AS sent_lsn, write_lsn::text AS write_lsn,
       flush_lsn::text AS flush_lsn, replay_lsn::text AS replay_lsn,
       (extract(epoch FROM write_lag) * 1000)::float8 AS write_lag_ms,
       (extract(epoch FROM flush_lag) * 1000)::float8 AS flush_lag_ms,
       (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms,
       (extract(epoch FROM now() - reply_time) * 1000)::float8 AS reply_age_ms
  FROM pg_stat_replication ORDER BY application_name, pid`;

const SLOTS = `
SELECT slot_name, slot_type, active, wal_status, restart_lsn::text AS restart_lsn,
       CASE WHEN pg_is_in_recovery() THEN NULL
            ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 END AS retained_bytes
  FROM pg_replication_slots ORDER BY slot_name`;

const RECEIVER = `
SELECT status, sender_host, sender_port, slot_name, received_tli FROM pg_stat_wal_receiver`;

type BasicsRow = {
  in_recovery: boolean;
  server_version: string;
  version_num: number;
  current_lsn: string | null;
  timeline: number | null;
  receive_lsn: string | null;
  replay_lsn: string | null;
  last_replay_age_ms: number | null;
};

type SettingRowDb = {
  name: string;
  setting: string;
  unit: string | null;
  vartype: string;
  shown: string;
};

type SenderRowDb = {
  current_lsn: string | null;
  application_name: string;
  state: string;
  sync_state: string;
  client_addr: string | null;
  reply_age_ms: number | null;
  sent_lsn: string | null;
  write_lsn: string | null;
  flush_lsn: string | null;
  replay_lsn: string | null;
  write_lag_ms: number | null;
  flush_lag_ms: number | null;
  replay_lag_ms: number | null;
};

type SlotRowDb = {
  slot_name: string;
  slot_type: string;
  active: boolean;
  wal_status: string | null;
  restart_lsn: string | null;
  retained_bytes: number | null;
};

type ReceiverRowDb = {
  status: string;
  sender_host: string | null;
  sender_port: number | null;
  slot_name: string | null;
  received_tli: number | null;
};

async function readState(client: Client, settingNames: readonly string[], started: number): Promise<NodeState> {
  const basics = (await client.query<BasicsRow>(BASICS)).rows[0];
  const settings = settingNames.length === 0 ? [] : (await client.query<SettingRowDb>(SETTINGS, [settingNames])).rows;
  const senders = (await client.query<SenderRowDb>(SENDERS)).rows;
  const slots = (await client.query<SlotRowDb>(SLOTS)).rows;
  const receiver = (await client.query<ReceiverRowDb>(RECEIVER)).rows[0];
  return {
    inRecovery: basics.in_recovery,
    serverVersion: basics.server_version,
    versionNum: basics.version_num,
    currentLsn: basics.current_lsn,
    timeline: basics.timeline,
    receiveLsn: basics.receive_lsn,
    replayLsn: basics.replay_lsn,
    lastReplayAgeMs: basics.last_replay_age_ms,
    settings: settings.map((s) => ({ name: s.name, setting: s.setting, unit: s.unit, vartype: s.vartype, shown: s.shown })),
    senders: senders.map((r) => ({
      currentLsn: r.current_lsn,
      applicationName: r.application_name,
      state: r.state,
      syncState: r.sync_state,
      clientAddr: r.client_addr,
      sentLsn: r.sent_lsn,
      writeLsn: r.write_lsn,
      flushLsn: r.flush_lsn,
      replayLsn: r.replay_lsn,
      writeLagMs: r.write_lag_ms,
      flushLagMs: r.flush_lag_ms,
      replayLagMs: r.replay_lag_ms,
      replyAgeMs: r.reply_age_ms,
    })),
    slots: slots.map((s) => ({ name: s.slot_name, type: s.slot_type, active: s.active, walStatus: s.wal_status, restartLsn: s.restart_lsn, retainedBytes: s.retained_bytes })),
    receiver:
      receiver === undefined
        ? null
        : { status: receiver.status, senderHost: receiver.sender_host, senderPort: receiver.sender_port, slotName: receiver.slot_name, receivedTli: receiver.received_tli },
    elapsedMs: Date.now() - started,
  };
}

export async function snapshotNode(session: NodeSession, settingNames: readonly string[]): Promise<NodeSnapshot> {
  const { node } = session;
  const started = Date.now();
  try {
    const client = await session.connect();
    return { node, ok: true, state: await readState(client, settingNames, started) };
  } catch (err) {
    session.reset();
    const d = describeError(err, node.endpoint, session.timeoutMs, node.conn.user);
    return { node, ok: false, kind: d.kind, error: d.message };
  }
}

/** Snapshots all nodes concurrently; `settingNames(node)` says which settings to read there. */
export async function snapshotCluster(sessions: readonly NodeSession[], settingNames: (node: NodeRef) => readonly string[] = () => []): Promise<ClusterSnapshot> {
  const takenAt = new Date();
  const nodes = await Promise.all(sessions.map((s) => snapshotNode(s, settingNames(s.node))));
  return { takenAt, nodes };
}
