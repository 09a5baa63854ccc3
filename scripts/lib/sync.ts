/**
 * What `pg_stat_replication.sync_state` each standby should show, pure.
 */
import type { SyncMode } from "../../components/outputs";

export type SyncState = "async" | "potential" | "sync" | "quorum";

/**
 * Expected `sync_state` per application name, for standbys listed in order.
 *
 * - off: every standby is `async`.
 * - first k (`FIRST k (...)`): the k highest-priority standbys that are
 *   streaming are `sync`, the others `potential`. Priority is list order, and
 *   a standby that is not streaming does not count, so when standby 1 is down
 *   standby 2 moves up: that is PostgreSQL's rule, and what keeps commits
 *   flowing after a standby fails.
 * - any k (`ANY k (...)`): every listed standby is `quorum`.
 */
export function expectedSyncStates(
  mode: SyncMode,
  count: number,
  applicationNames: readonly string[],
  streaming: ReadonlySet<string>,
): Map<string, SyncState> {
  const expected = new Map<string, SyncState>();
  let syncAssigned = 0;
  for (const name of applicationNames) {
    if (mode === "off") {
      expected.set(name, "async");
    } else if (mode === "any") {
      expected.set(name, "quorum");
    } else if (streaming.has(name) && syncAssigned < count) {
      expected.set(name, "sync");
      syncAssigned += 1;
    } else {
      expected.set(name, "potential");
    }
  }
  return expected;
}

/**
 * How many standbys can acknowledge commits right now versus how many the
 * configuration waits for. With fewer, every commit that asks for synchronous
 * replication waits until enough standbys reconnect: writes appear to hang.
 */
export function synchronousCapacity(mode: SyncMode, count: number, applicationNames: readonly string[], streaming: ReadonlySet<string>): { needed: number; available: number } {
  if (mode === "off") return { needed: 0, available: 0 };
  return { needed: count, available: applicationNames.filter((n) => streaming.has(n)).length };
}
