/**
 * What `npm run status` shows for each node, derived from a snapshot. Pure:
 * the same model feeds the table and --json.
 */
import type { ClusterOutputs } from "../../components/outputs";
import { senderFor, slotFor } from "./checks-replication";
import { formatBytes, formatLsn, formatMs, lagFromSender, lsnBytesBehind, parseLsn, standbyReplayDelayMs, toNumber } from "./lag";
import { renderTable, type Column } from "./render";
import type { ClusterSnapshot } from "./snapshot";
import { describeWritable, reachable, topologyOf, type Topology } from "./topology";

export interface NodeStatus {
  readonly name: string;
  readonly declaredRole: "primary" | "standby";
  readonly endpoint: string;
  /** What the server says: primary (accepts writes), standby (in recovery), or unreachable. */
  readonly role: "primary" | "standby" | "unreachable";
  /** read-write, or the WAL sender's state on the primary, or why there is none. */
  readonly state: string;
  readonly error: string | null;
  readonly currentLsn: string | null;
  readonly receiveLsn: string | null;
  readonly replayLsn: string | null;
  readonly lag: {
    /** "primary": from pg_stat_replication; "standby": its replay position against the primary's, the sender being absent. */
    readonly measuredOn: "primary" | "standby";
    readonly sentBytes: number | null;
    readonly writeBytes: number | null;
    readonly flushBytes: number | null;
    readonly replayBytes: number | null;
    readonly replayLagMs: number | null;
  } | null;
  readonly slot: { readonly name: string; readonly active: boolean; readonly walStatus: string | null; readonly retainedBytes: number | null } | null;
  readonly syncState: string | null;
}

export interface ClusterStatus {
  readonly stack: string;
  readonly takenAt: string;
  readonly writable: readonly string[];
  /** "primary (as declared)", "replica-1 (promoted): the stack outputs still name primary"... */
  readonly topology: string;
  readonly nodes: readonly NodeStatus[];
  /** Slots on the writable primary that no declared standby owns. */
  readonly extraSlots: readonly { readonly name: string; readonly active: boolean; readonly retainedBytes: number | null }[];
}

export function clusterStatus(outputs: ClusterOutputs, snapshot: ClusterSnapshot): ClusterStatus {
  const topology = topologyOf(snapshot);
  const { source } = topology;
  const nodes = snapshot.nodes.map((s): NodeStatus => {
    const base = { name: s.node.name, declaredRole: s.node.declaredRole, endpoint: s.node.endpoint };
    const r = reachable(s);
    const replica = s.node.replica;
    const sender = source !== null && replica !== null && source.node !== s.node ? senderFor(source, replica) : null;
    const slotRow = source !== null && replica !== null && source.node !== s.node ? slotFor(source, replica) : null;
    const slot = slotRow === null || source === null ? null : { name: slotRow.name, active: slotRow.active, walStatus: slotRow.walStatus, retainedBytes: slotRow.retainedBytes };
    let lag: NodeStatus["lag"] = null;
    const senderCurrent = sender?.currentLsn ?? source?.state.currentLsn ?? null;
    if (sender !== null && senderCurrent !== null) {
      const f = lagFromSender(senderCurrent, sender);
      lag = { measuredOn: "primary", sentBytes: toNumber(f.sentBytes), writeBytes: toNumber(f.writeBytes), flushBytes: toNumber(f.flushBytes), replayBytes: toNumber(f.replayBytes), replayLagMs: f.replayLagMs };
    } else if (r !== null && r.state.inRecovery && source !== null) {
      const replayBytes = toNumber(lsnBytesBehind(source.state.currentLsn, r.state.replayLsn));
      // Behind the primary with nothing coming in: how far behind in time is unknown, not 0.
      const starved = r.state.receiver === null && replayBytes !== null && replayBytes > 0;
      const replayLagMs = starved ? null : standbyReplayDelayMs(r.state.receiveLsn, r.state.replayLsn, r.state.lastReplayAgeMs);
      lag = { measuredOn: "standby", sentBytes: null, writeBytes: null, flushBytes: null, replayBytes, replayLagMs };
    }
    let state: string;
    if (r === null) state = replica !== null && source !== null && source.node !== s.node && sender === null ? "unreachable, not in pg_stat_replication" : "unreachable";
    else if (!r.state.inRecovery) state = source !== null && source.node === s.node ? "read-write" : "read-write (split brain)";
    else if (sender !== null) state = sender.state;
    else if (replica === null) state = "in recovery";
    else state = `not in pg_stat_replication${r.state.receiver !== null ? ` (receiver ${r.state.receiver.status})` : " (no receiver)"}`;
    return {
      ...base,
      role: r === null ? "unreachable" : r.state.inRecovery ? "standby" : "primary",
      state,
      error: s.ok ? null : s.error,
      currentLsn: r?.state.currentLsn ?? null,
      receiveLsn: r?.state.receiveLsn ?? null,
      replayLsn: r?.state.replayLsn ?? null,
      lag,
      slot,
      syncState: sender?.syncState ?? null,
    };
  });
  const declared = new Set(outputs.replicas.map((x) => x.slot));
  const extraSlots =
    source === null ? [] : source.state.slots.filter((sl) => !declared.has(sl.name)).map((sl) => ({ name: sl.name, active: sl.active, retainedBytes: sl.retainedBytes }));
  return {
    stack: outputs.stack,
    takenAt: snapshot.takenAt.toISOString(),
    writable: topology.writable.map((w) => w.node.name),
    topology: describeTopology(topology),
    nodes,
    extraSlots,
  };
}

const dash = (v: string | null | undefined): string => (v === null || v === undefined || v === "" ? "-" : v);
/** LSNs are printed as the server prints them; re-formatting just normalises case. */
const lsn = (v: string | null): string => (v === null ? "-" : formatLsn(parseLsn(v)));

const COLUMNS: readonly Column[] = [
  { header: "NODE" },
  { header: "ENDPOINT" },
  { header: "ROLE" },
  { header: "STATE" },
  { header: "CURRENT LSN", align: "right" },
  { header: "RECEIVE LSN", align: "right" },
  { header: "REPLAY LSN", align: "right" },
  { header: "LAG", align: "right" },
  { header: "LAG TIME", align: "right" },
  { header: "SLOT" },
  { header: "RETAINED", align: "right" },
  { header: "ACTIVE" },
  { header: "WAL STATUS" },
  { header: "SYNC" },
];

export function renderStatus(status: ClusterStatus): string {
  const rows = status.nodes.map((n) => [
    n.name,
    n.endpoint,
    n.role === "primary" && n.declaredRole === "standby" ? "primary (promoted)" : n.role,
    n.state,
    lsn(n.currentLsn),
    lsn(n.receiveLsn),
    lsn(n.replayLsn),
    n.lag === null ? "-" : formatBytes(n.lag.replayBytes),
    n.lag === null ? "-" : formatMs(n.lag.replayLagMs),
    dash(n.slot?.name),
    n.slot === null ? "-" : formatBytes(n.slot.retainedBytes),
    n.slot === null ? "-" : n.slot.active ? "yes" : "no",
    dash(n.slot?.walStatus),
    dash(n.syncState),
  ]);
  const notes = [`writable: ${status.topology}`];
  for (const n of status.nodes) if (n.error !== null) notes.push(`${n.name}: ${n.error}`);
  for (const n of status.nodes) if (n.lag?.measuredOn === "standby") notes.push(`${n.name}: lag measured on the standby (no WAL sender on the primary)`);
  for (const x of status.extraSlots) notes.push(`extra slot ${x.name}: ${x.active ? "active" : "inactive"}, retains ${formatBytes(x.retainedBytes)} (no declared standby owns it)`);
  return [renderTable(COLUMNS, rows), "", ...notes].join("\n");
}

/** Names the promoted node when the stack and the servers disagree. */
function describeTopology(t: Topology): string {
  if (t.asDeclared) return "primary (as declared)";
  if (t.writable.length === 0) return "none: no reachable node accepts writes";
  const suffix = t.writable.length > 1 ? ": split brain" : ": the stack outputs still name primary";
  return `${describeWritable(t)}${suffix}`;
}
