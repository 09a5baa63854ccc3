/**
 * Builders for the tools' unit tests: stack outputs as the program writes
 * them, and snapshots of a cluster in a chosen state, without any server.
 */
import type { ClusterOutputs } from "../../../components/outputs";
import { validateOutputs, type LoadedOutputs } from "../../../scripts/lib/outputs";
import { clusterNodes, type NodeRef } from "../../../scripts/lib/nodes";
import type { ClusterSnapshot, NodeSnapshot, NodeState, SenderRow, SlotRow } from "../../../scripts/lib/snapshot";

export const PASSWORD = "pa:ss@w/rd";

/** Outputs of a stack with `replicas` standbys on ports 25430, 25431, ... (plain JSON, as read from a file). */
export function outputsJson(replicas = 2, overrides: Partial<Record<keyof ClusterOutputs, unknown>> = {}): Record<string, unknown> {
  const pw = encodeURIComponent(PASSWORD);
  const rs = Array.from({ length: replicas }, (_, i) => ({
    index: i + 1,
    containerName: `pg-t-replica-${i + 1}`,
    host: "127.0.0.1",
    port: 25431 + i,
    slot: `replica_${i + 1}`,
    applicationName: `replica_${i + 1}`,
  }));
  return {
    stack: "t",
    namePrefix: "pg-t",
    networkName: "pg-t-net",
    image: "postgres:17",
    expectedMajorVersion: 17,
    primaryHost: "127.0.0.1",
    primaryPort: 25430,
    primaryContainerName: "pg-t-primary",
    replicas: rs,
    database: "postgres",
    superuser: "postgres",
    replicationUser: "replicator",
    sync: { mode: "off", count: 0, synchronousCommit: "on", standbyNames: "" },
    settings: {
      primary: { wal_level: "replica", max_slot_wal_keep_size: "1GB", hot_standby: "on", synchronous_standby_names: "", max_wal_senders: "10" },
      standby: { hot_standby: "on", hot_standby_feedback: "on", max_slot_wal_keep_size: "1GB" },
    },
    primaryConnectionString: `postgresql://postgres:${pw}@127.0.0.1:25430/postgres`,
    replicaConnectionStrings: rs.map((r) => `postgresql://postgres:${pw}@127.0.0.1:${r.port}/postgres`),
    ...overrides,
  };
}

export function loaded(replicas = 2, overrides: Partial<Record<keyof ClusterOutputs, unknown>> = {}): LoadedOutputs {
  return validateOutputs(outputsJson(replicas, overrides));
}

/** Server settings as pg_settings reports them for the fixture's declared values. */
const SERVER_SETTINGS = [
  { name: "wal_level", setting: "replica", unit: null, vartype: "enum", shown: "replica" },
  { name: "hot_standby", setting: "on", unit: null, vartype: "bool", shown: "on" },
  { name: "hot_standby_feedback", setting: "on", unit: null, vartype: "bool", shown: "on" },
  { name: "max_slot_wal_keep_size", setting: "1024", unit: "MB", vartype: "integer", shown: "1GB" },
  { name: "synchronous_standby_names", setting: "", unit: null, vartype: "string", shown: "" },
  { name: "max_wal_senders", setting: "10", unit: null, vartype: "integer", shown: "10" },
];

export const CURRENT = "0/3000148";

export function primaryState(over: Partial<NodeState> = {}): NodeState {
  return {
    inRecovery: false,
    serverVersion: "17.12 (Debian 17.12-0+deb13u1)",
    versionNum: 170012,
    currentLsn: CURRENT,
    timeline: 1,
    receiveLsn: null,
    replayLsn: null,
    lastReplayAgeMs: null,
    settings: SERVER_SETTINGS,
    senders: [],
    slots: [],
    receiver: null,
    elapsedMs: 3,
    ...over,
  };
}

export function standbyState(n: number, over: Partial<NodeState> = {}): NodeState {
  return {
    ...primaryState(),
    inRecovery: true,
    currentLsn: null,
    timeline: null,
    receiveLsn: CURRENT,
    replayLsn: CURRENT,
    // An idle cluster: the last replayed commit is old, and that is not lag.
    lastReplayAgeMs: 600_000,
    receiver: { status: "streaming", senderHost: "primary", senderPort: 5432, slotName: `replica_${n}`, receivedTli: 1 },
    ...over,
  };
}

/** A streaming standby that has everything (positions at CURRENT, read with the primary at CURRENT). */
export function sender(n: number, over: Partial<SenderRow> = {}): SenderRow {
  return {
    currentLsn: CURRENT,
    applicationName: `replica_${n}`,
    state: "streaming",
    syncState: "async",
    clientAddr: `172.18.0.${n + 2}`,
    sentLsn: CURRENT,
    writeLsn: CURRENT,
    flushLsn: CURRENT,
    replayLsn: CURRENT,
    writeLagMs: null,
    flushLagMs: null,
    replayLagMs: null,
    replyAgeMs: 120,
    ...over,
  };
}

export function slot(n: number, over: Partial<SlotRow> = {}): SlotRow {
  return { name: `replica_${n}`, type: "physical", active: true, walStatus: "reserved", restartLsn: CURRENT, retainedBytes: 0, ...over };
}

export function up(node: NodeRef, state: NodeState): NodeSnapshot {
  return { node, ok: true, state };
}

export function down(node: NodeRef, error = `cannot connect to ${node.endpoint} (connection refused): is the container running?`): NodeSnapshot {
  return { node, ok: false, kind: "unreachable", error };
}

/** A healthy cluster: every standby streaming with its active slot, nothing behind. */
export function healthy(l: LoadedOutputs = loaded()): { nodes: NodeRef[]; snapshot: ClusterSnapshot } {
  const nodes = clusterNodes(l);
  const n = l.outputs.replicas.length;
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const snapshot: ClusterSnapshot = {
    takenAt: new Date("2026-01-01T00:00:00Z"),
    nodes: [up(nodes[0], primaryState({ senders: ids.map((i) => sender(i)), slots: ids.map((i) => slot(i)) })), ...ids.map((i) => up(nodes[i], standbyState(i)))],
  };
  return { nodes, snapshot };
}

/** A standby that has replayed everything up to `lsn`, read while the primary was at `lsn`. */
export function caughtUp(n: number, lsn: string, over: Partial<SenderRow> = {}): SenderRow {
  return sender(n, { currentLsn: lsn, sentLsn: lsn, writeLsn: lsn, flushLsn: lsn, replayLsn: lsn, ...over });
}

/** Replaces node `i` of a snapshot. */
export function withNode(s: ClusterSnapshot, i: number, node: NodeSnapshot): ClusterSnapshot {
  return { ...s, nodes: s.nodes.map((x, j) => (j === i ? node : x)) };
}
