/**
 * Checks about replication between the primary and each standby: the WAL
 * sender on the primary, the WAL receiver on the standby, the slot, sync
 * state and lag. Standbys are judged against the topology's source node
 * (the declared primary while it accepts writes). Pure.
 */
import type { ClusterOutputs, ReplicaOutput } from "../../components/outputs";
import { fail, pass, skip, warn, type Check, type Figure } from "./check";
import { containerOf } from "./checks-node";
import { reapplyCommand, rebuildStandbyCommand } from "./rebuild";
import { formatBytes, formatMs, lagFromSender, lsnBytesBehind, standbyReplayDelayMs, toNumber, type LagFigures } from "./lag";
import type { NodeRef } from "./nodes";
import { REBUILD_HINT, rebuildStandbyHint } from "./rebuild";
import type { SenderRow, SlotRow } from "./snapshot";
import { expectedSyncStates, synchronousCapacity } from "./sync";
import type { ReachableNode } from "./topology";

export interface LagLimits {
  /** Replay may trail the primary's current WAL position by at most this many bytes. */
  readonly maxBytes: number;
  readonly maxMs: number;
}

/** The streaming sender rows of `source`, by application name. */
export function streamingNames(source: ReachableNode): Set<string> {
  return new Set(source.state.senders.filter((r) => r.state === "streaming").map((r) => r.applicationName));
}

/** The sender row for a standby, preferring a streaming one if there are several. */
export function senderFor(source: ReachableNode, replica: ReplicaOutput): SenderRow | null {
  const rows = source.state.senders.filter((r) => r.applicationName === replica.applicationName);
  return rows.find((r) => r.state === "streaming") ?? rows[0] ?? null;
}

export function slotFor(source: ReachableNode, replica: ReplicaOutput): SlotRow | null {
  return source.state.slots.find((s) => s.name === replica.slot) ?? null;
}

/** WAL a slot keeps on the source, as bigint for the formatting helpers. */
export function retainedBytes(slot: SlotRow): bigint | null {
  return slot.retainedBytes === null ? null : BigInt(Math.round(slot.retainedBytes));
}

/**
 * A connected standby reports its positions at least every
 * wal_receiver_status_interval (10 s by default), however idle the cluster.
 * Silence for twice that means it is gone, long before the primary's
 * wal_sender_timeout (60 s) removes its row.
 */
export const SILENT_STANDBY_MS = 20_000;

export function senderCheck(outputs: ClusterOutputs, source: ReachableNode, standby: NodeRef, replica: ReplicaOutput): Check {
  const name = "replication";
  const row = senderFor(source, replica);
  if (row === null) {
    const container = containerOf(outputs, standby);
    return fail(
      standby.name,
      name,
      `no WAL sender for application_name ${replica.applicationName} in pg_stat_replication on ${source.node.name}: not connected`,
      `the standby does not stream: \`docker logs ${container}\` shows why (stopped, wrong primary_conninfo, slot missing)`,
      { state: null },
    );
  }
  const figures = { state: row.state, clientAddr: row.clientAddr };
  if (row.state !== "streaming") {
    return fail(standby.name, name, `pg_stat_replication on ${source.node.name} shows state ${row.state}, not streaming`, row.state === "catchup" ? "still catching up: re-run verify in a moment" : `\`docker logs ${containerOf(outputs, standby)}\``, figures);
  }
  if (row.replyAgeMs !== null && row.replyAgeMs > SILENT_STANDBY_MS) {
    return fail(standby.name, name,
      `pg_stat_replication on ${source.node.name} says streaming, but the standby has not replied for ${(row.replyAgeMs / 1000).toFixed(0)} s`,
      `it is probably cut off (stopped, or off the network); the primary drops the sender only after wal_sender_timeout: \`docker logs ${containerOf(outputs, standby)}\``,
      { ...figures, replyAgeMs: row.replyAgeMs });
  }
  return pass(standby.name, name, `streaming from ${source.node.name} (pg_stat_replication, client ${row.clientAddr ?? "local"})`, figures);
}

export function syncStateCheck(outputs: ClusterOutputs, source: ReachableNode, standby: NodeRef, replica: ReplicaOutput): Check {
  const name = "sync state";
  const row = senderFor(source, replica);
  const expected = expectedSyncStates(outputs.sync.mode, outputs.sync.count, outputs.replicas.map((r) => r.applicationName), streamingNames(source)).get(replica.applicationName);
  if (row === null) return skip(standby.name, name, "not checked: no WAL sender for this standby", { expected: expected ?? null });
  const figures = { syncState: row.syncState, expected: expected ?? null };
  const mode = outputs.sync.mode === "off" ? "asynchronous replication" : `${outputs.sync.mode.toUpperCase()} ${outputs.sync.count}`;
  if (row.syncState !== expected) {
    return fail(standby.name, name, `sync_state ${row.syncState}, expected ${expected ?? "?"} for ${mode}`, `synchronous_standby_names on the primary differs from the stack's sync settings: apply them again with \`${reapplyCommand(outputs, "sync")}\``, figures);
  }
  return pass(standby.name, name, `${row.syncState}, as expected for ${mode}`, figures);
}

/** On the primary: enough synchronous standbys are streaming, or commits wait. */
export function synchronousCapacityCheck(outputs: ClusterOutputs, source: ReachableNode): Check | null {
  const { mode, count, synchronousCommit } = outputs.sync;
  if (mode === "off") return null;
  const names = outputs.replicas.map((r) => r.applicationName);
  const { needed, available } = synchronousCapacity(mode, count, names, streamingNames(source));
  const figures = { needed, available };
  if (available < needed) {
    return fail(
      source.node.name,
      "synchronous standbys",
      `${available} of the ${needed} synchronous standbys that ${mode.toUpperCase()} ${count} needs are streaming: commits wait (synchronous_commit=${synchronousCommit})`,
      "writes hang until enough standbys reconnect: start the stopped standbys",
      figures,
    );
  }
  return pass(source.node.name, "synchronous standbys", `${available} standby${available === 1 ? "" : "s"} streaming, ${mode.toUpperCase()} ${count} needs ${needed}`, figures);
}

/**
 * On the standby: its WAL receiver streams, with its own slot, from the
 * source. "From the source" is proven by the source listing this standby's
 * application name as a streaming sender (the receiver's host is an alias
 * the tools cannot resolve), and by both being on the same timeline.
 */
export function receiverCheck(outputs: ClusterOutputs, source: ReachableNode | null, standby: ReachableNode, replica: ReplicaOutput): Check {
  const name = "wal receiver";
  const rx = standby.state.receiver;
  const container = containerOf(outputs, standby.node);
  if (rx === null) {
    return fail(standby.node.name, name, "no WAL receiver running (pg_stat_wal_receiver is empty)", `it cannot reach the primary: \`docker logs ${container}\``, { status: null });
  }
  const from = `${rx.senderHost ?? "?"}:${rx.senderPort ?? "?"}`;
  const figures: Record<string, Figure> = { status: rx.status, senderHost: rx.senderHost, senderPort: rx.senderPort, slotName: rx.slotName, timeline: rx.receivedTli };
  if (rx.status !== "streaming") {
    return fail(standby.node.name, name, `WAL receiver status ${rx.status} (from ${from})`, `\`docker logs ${container}\``, figures);
  }
  if (rx.slotName !== replica.slot) {
    return fail(standby.node.name, name, `streams with slot ${rx.slotName ?? "(none)"}, expected ${replica.slot}`, `primary_slot_name on the standby differs from the stack; a plain \`pulumi up\` sees no change: rebuild the standby with \`${rebuildStandbyCommand(outputs.stack, replica.containerName)}\``, figures);
  }
  if (source === null) return skip(standby.node.name, name, `streaming from ${from} with slot ${rx.slotName}; no writable primary to compare with`, figures);
  const listed = source.state.senders.some((r) => r.applicationName === replica.applicationName && r.state === "streaming");
  if (!listed) {
    return fail(standby.node.name, name, `streams from ${from}, but ${source.node.name} has no streaming WAL sender for ${replica.applicationName}: it follows another server`, `the standby does not follow the writable primary: ${REBUILD_HINT}`, figures);
  }
  if (source.state.timeline !== null && rx.receivedTli !== null && rx.receivedTli !== source.state.timeline) {
    return fail(standby.node.name, name, `receives timeline ${rx.receivedTli}, ${source.node.name} writes timeline ${source.state.timeline}`, REBUILD_HINT, figures);
  }
  return pass(standby.node.name, name, `streaming from ${from} with slot ${rx.slotName}, timeline ${rx.receivedTli ?? "?"}`, figures);
}

export function slotCheck(source: ReachableNode, standby: NodeRef, replica: ReplicaOutput): Check {
  const name = "slot";
  const slot = slotFor(source, replica);
  if (slot === null) {
    return fail(
      standby.name,
      name,
      `no replication slot ${replica.slot} on ${source.node.name}`,
      `without its slot the primary may remove WAL the standby still needs: create it with SELECT pg_create_physical_replication_slot('${replica.slot}'), or rebuild: ${REBUILD_HINT}`,
      { slot: replica.slot, exists: false },
    );
  }
  const retained = retainedBytes(slot);
  const figures = { slot: slot.name, type: slot.type, active: slot.active, walStatus: slot.walStatus, retainedBytes: toNumber(retained) };
  const keeps = `retains ${formatBytes(retained)} of WAL`;
  if (slot.type !== "physical") return fail(standby.name, name, `${slot.name} is a ${slot.type} slot, expected physical`, REBUILD_HINT, figures);
  if (slot.walStatus === "lost") {
    return fail(standby.name, name, `${slot.name}: wal_status lost: WAL the standby needs was removed`, `the standby can never catch up: ${rebuildStandbyHint(replica.containerName)}`, figures);
  }
  if (!slot.active) {
    return fail(
      standby.name,
      name,
      `${slot.name} inactive, ${keeps} (wal_status ${slot.walStatus ?? "-"})`,
      "no standby uses the slot: start the standby; until then the slot keeps WAL up to max_slot_wal_keep_size, then it is lost",
      figures,
    );
  }
  if (slot.walStatus === "unreserved") {
    return warn(standby.name, name, `${slot.name} active, ${keeps}, wal_status unreserved`, "the standby is so far behind that its WAL goes at the next checkpoint unless it catches up", figures);
  }
  return pass(standby.name, name, `${slot.name} physical, active, wal_status ${slot.walStatus ?? "-"}, ${keeps}`, figures);
}

/** On the primary: slots no declared standby owns keep WAL for nobody. */
export function extraSlotsCheck(outputs: ClusterOutputs, source: ReachableNode): Check {
  const declared = new Set(outputs.replicas.map((r) => r.slot));
  const extra = source.state.slots.filter((s) => !declared.has(s.name));
  if (extra.length === 0) return pass(source.node.name, "extra slots", "none: every slot belongs to a declared standby", { extra: 0 });
  const list = extra.map((s) => `${s.name} (${s.type}, ${s.active ? "active" : "inactive"}, retains ${formatBytes(retainedBytes(s))})`).join(", ");
  return warn(
    source.node.name,
    "extra slots",
    `slots no declared standby owns: ${list}`,
    `an unused slot keeps WAL until max_slot_wal_keep_size: drop it if nothing uses it (SELECT pg_drop_replication_slot('${extra[0].name}'))`,
    { extra: extra.length },
  );
}

export function lagFiguresRecord(f: LagFigures): Record<string, Figure> {
  return {
    sentBytes: toNumber(f.sentBytes),
    writeBytes: toNumber(f.writeBytes),
    flushBytes: toNumber(f.flushBytes),
    replayBytes: toNumber(f.replayBytes),
    writeLagMs: f.writeLagMs,
    flushLagMs: f.flushLagMs,
    replayLagMs: f.replayLagMs,
  };
}

/**
 * Lag of one standby, bytes and time. Bytes matter because a standby can be
 * `streaming` while its replay is far behind (a long query holding replay,
 * a slow disk): the state alone would hide it.
 */
export function lagCheck(source: ReachableNode, standby: NodeRef, standbyState: ReachableNode | null, replica: ReplicaOutput, limits: LagLimits): Check {
  const name = "lag";
  const row = senderFor(source, replica);
  const currentLsn = row?.currentLsn ?? source.state.currentLsn;
  if (row === null || currentLsn === null) {
    if (standbyState === null) return skip(standby.name, name, "not measured: the standby is neither streaming nor reachable");
    const bytes = lsnBytesBehind(source.state.currentLsn, standbyState.state.replayLsn);
    const ms = standbyReplayDelayMs(standbyState.state.receiveLsn, standbyState.state.replayLsn, standbyState.state.lastReplayAgeMs);
    return skip(standby.name, name, `not streaming; replay is ${formatBytes(bytes)} behind ${source.node.name} (measured on the standby)`, { replayBytes: toNumber(bytes), replayDelayMs: ms });
  }
  const f = lagFromSender(currentLsn, row);
  const figures = lagFiguresRecord(f);
  const detail = `replay ${formatBytes(f.replayBytes)} / ${formatMs(f.replayLagMs)} behind (sent ${formatBytes(f.sentBytes)}, write ${formatBytes(f.writeBytes)}, flush ${formatBytes(f.flushBytes)} behind)`;
  const overBytes = f.replayBytes !== null && f.replayBytes > BigInt(limits.maxBytes);
  const overTime = f.replayLagMs !== null && f.replayLagMs > limits.maxMs;
  if (overBytes || overTime) {
    return fail(
      standby.name,
      name,
      `${detail}; limit ${formatBytes(limits.maxBytes)} / ${formatMs(limits.maxMs)}`,
      "replay is behind: look for long queries on the standby (they pause replay) or a slow disk; raise --max-lag-bytes / --max-lag-seconds if this is expected",
      figures,
    );
  }
  return pass(standby.name, name, detail, figures);
}
