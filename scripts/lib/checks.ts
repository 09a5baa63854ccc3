/**
 * All checks verify derives from one snapshot, in report order. Pure: the
 * active probes (round trip, write refusal) are added by verify itself.
 */
import type { ClusterOutputs } from "../../components/outputs";
import { skip, type Check } from "./check";
import { reachableCheck, roleCheck, settingChecks, versionChecks, writableCheck } from "./checks-node";
import { extraSlotsCheck, lagCheck, receiverCheck, senderCheck, slotCheck, syncStateCheck, synchronousCapacityCheck, type LagLimits } from "./checks-replication";
import type { ClusterSnapshot } from "./snapshot";
import { reachable, topologyOf } from "./topology";

export function evaluate(outputs: ClusterOutputs, snapshot: ClusterSnapshot, limits: LagLimits): Check[] {
  const topology = topologyOf(snapshot);
  const { source } = topology;
  const checks: Check[] = [writableCheck(topology), ...versionChecks(outputs, snapshot)];
  for (const s of snapshot.nodes) {
    checks.push(reachableCheck(outputs, s));
    const r = reachable(s);
    if (r !== null) checks.push(roleCheck(r), ...settingChecks(outputs, r));
    if (s.node.declaredRole === "primary") {
      if (source !== null && source.node === s.node) {
        const capacity = synchronousCapacityCheck(outputs, source);
        if (capacity !== null) checks.push(capacity);
        checks.push(extraSlotsCheck(outputs, source));
      }
      continue;
    }
    const replica = s.node.replica;
    if (replica === null) continue;
    if (source === null) {
      checks.push(skip(s.node.name, "replication", "not checked: no writable primary"));
    } else if (source.node === s.node) {
      // A promoted standby is the source itself: it streams from nobody.
      checks.push(skip(s.node.name, "replication", "not checked: this node is the writable primary now"));
    } else {
      checks.push(senderCheck(outputs, source, s.node, replica), syncStateCheck(outputs, source, s.node, replica));
    }
    if (r !== null && r.state.inRecovery) checks.push(receiverCheck(outputs, source, r, replica));
    if (source !== null && source.node !== s.node) {
      checks.push(slotCheck(source, s.node, replica), lagCheck(source, s.node, r, replica, limits));
    }
  }
  return checks;
}
