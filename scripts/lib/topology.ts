/**
 * Who is actually primary, pure. After a promotion the outputs no longer say
 * the truth: the declared primary may be down or a standby, and a declared
 * standby may accept writes. The tools report what the servers say.
 */
import type { NodeRef } from "./nodes";
import type { ClusterSnapshot, NodeSnapshot, NodeState } from "./snapshot";

export type ReachableNode = { readonly node: NodeRef; readonly state: NodeState };

export interface Topology {
  readonly declaredPrimary: NodeSnapshot;
  /** Reachable nodes not in recovery: they accept writes. */
  readonly writable: readonly ReachableNode[];
  /** Declared standbys that accept writes (promoted). */
  readonly promoted: readonly ReachableNode[];
  /**
   * The node whose senders and slots the standbys are judged against: the
   * declared primary while it accepts writes (the standbys follow it), else
   * the only writable node, else null.
   */
  readonly source: ReachableNode | null;
  /** True when the writable set is exactly the declared primary. */
  readonly asDeclared: boolean;
}

export function reachable(s: NodeSnapshot): ReachableNode | null {
  return s.ok ? { node: s.node, state: s.state } : null;
}

export function topologyOf(snapshot: ClusterSnapshot): Topology {
  const declaredPrimary = snapshot.nodes[0];
  const writable = snapshot.nodes.flatMap((s) => {
    const r = reachable(s);
    return r !== null && !r.state.inRecovery ? [r] : [];
  });
  const promoted = writable.filter((w) => w.node.declaredRole === "standby");
  const primaryWritable = writable.find((w) => w.node.declaredRole === "primary") ?? null;
  const source = primaryWritable ?? (writable.length === 1 ? writable[0] : null);
  return { declaredPrimary, writable, promoted, source, asDeclared: primaryWritable !== null && writable.length === 1 };
}

/** "replica-1 (promoted)", "primary": how the writable nodes are named in reports. */
export function describeWritable(t: Topology): string {
  if (t.writable.length === 0) return "none";
  return t.writable.map((w) => (w.node.declaredRole === "standby" ? `${w.node.name} (promoted)` : w.node.name)).join(", ");
}
