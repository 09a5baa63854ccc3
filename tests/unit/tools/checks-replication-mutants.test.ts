import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  extraSlotsCheck,
  lagCheck,
  receiverCheck,
  senderCheck,
  senderFor,
  slotCheck,
  streamingNames,
  syncStateCheck,
  synchronousCapacityCheck,
} from "../../../scripts/lib/checks-replication";
import { REBUILD_HINT, reapplyCommand, rebuildStandbyCommand, rebuildStandbyHint } from "../../../scripts/lib/rebuild";
import type { ReceiverRow, SenderRow, SlotRow } from "../../../scripts/lib/snapshot";
import type { ReachableNode } from "../../../scripts/lib/topology";
import { caughtUp, healthy, loaded, primaryState, sender, slot, standbyState } from "./fixtures";

const limits = { maxBytes: 16 * 1024 * 1024, maxMs: 30_000 };

/** Outputs (sync off unless given), the primary as source with these senders and slots, and the node refs. */
function cluster(senders: SenderRow[], slots: SlotRow[] = [slot(1), slot(2)], sync?: { mode: string; count: number; standbyNames: string }) {
  const l = sync === undefined ? loaded() : loaded(2, { sync: { ...sync, synchronousCommit: "on" } });
  const { nodes } = healthy(l);
  const source: ReachableNode = { node: nodes[0], state: primaryState({ senders, slots }) };
  const replicas = l.outputs.replicas;
  return { l, outputs: l.outputs, nodes, source, replicas };
}

function standby(n: number, receiver: ReceiverRow | null): ReachableNode {
  const { nodes } = healthy();
  return { node: nodes[n], state: standbyState(n, { receiver }) };
}

const rx = (over: Partial<ReceiverRow> = {}): ReceiverRow => ({ status: "streaming", senderHost: "primary", senderPort: 5432, slotName: "replica_1", receivedTli: 1, ...over });

describe("the WAL sender row for a standby (mutation-testing follow-up)", () => {
  it("senderFor prefers the streaming row when a stale row for the same application name comes first", () => {
    const stale = sender(1, { state: "startup", syncState: "potential", clientAddr: "172.18.0.9" });
    const live = sender(1);
    const { source, replicas } = cluster([stale, live, sender(2)]);
    assert.equal(senderFor(source, replicas[0]), live);
  });

  it("senderFor falls back to the only row when none streams, and to null when there is none", () => {
    const catchup = sender(1, { state: "catchup" });
    const { source, replicas } = cluster([catchup]);
    assert.equal(senderFor(source, replicas[0]), catchup);
    assert.equal(senderFor(source, replicas[1]), null);
  });

  it("a stale row before the live one: replication passes, judged on the live row", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1, { state: "startup", clientAddr: "172.18.0.9" }), sender(1), sender(2)]);
    const c = senderCheck(outputs, source, nodes[1], replicas[0]);
    assert.equal(c.status, "pass");
    assert.deepEqual(c.figures, { state: "streaming", clientAddr: "172.18.0.3" });
  });

  it("streamingNames counts only streaming senders", () => {
    const { source } = cluster([sender(1, { state: "catchup" }), sender(2)]);
    assert.deepEqual([...streamingNames(source)], ["replica_2"]);
  });
});

describe("the replication (sender) check (mutation-testing follow-up)", () => {
  it("no sender row: fails with the docker logs hint naming the standby's container, state null in --json", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1)]);
    const c = senderCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "no WAL sender for application_name replica_2 in pg_stat_replication on primary: not connected");
    assert.equal(c.hint, "the standby does not stream: `docker logs pg-t-replica-2` shows why (stopped, wrong primary_conninfo, slot missing)");
    assert.deepEqual(c.figures, { state: null });
  });

  it("a sender in catchup fails with the still-catching-up hint", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1, { state: "catchup" }), sender(2)]);
    const c = senderCheck(outputs, source, nodes[1], replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "pg_stat_replication on primary shows state catchup, not streaming");
    assert.equal(c.hint, "still catching up: re-run verify in a moment");
    assert.deepEqual(c.figures, { state: "catchup", clientAddr: "172.18.0.3" });
  });

  it("a sender in startup fails with the docker logs hint", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1), sender(2, { state: "startup" })]);
    const c = senderCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "pg_stat_replication on primary shows state startup, not streaming");
    assert.equal(c.hint, "`docker logs pg-t-replica-2`");
  });

  it("a standby that replied exactly 20 s ago still passes; 20.001 s fails", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1, { replyAgeMs: 20_000 }), sender(2, { replyAgeMs: 20_001 })]);
    assert.equal(senderCheck(outputs, source, nodes[1], replicas[0]).status, "pass");
    const c = senderCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c.status, "fail");
    assert.deepEqual(c.figures, { state: "streaming", clientAddr: "172.18.0.4", replyAgeMs: 20_001 });
  });

  it("a streaming sender passes, naming the client address, or 'local' for a Unix socket", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1), sender(2, { clientAddr: null })]);
    const c1 = senderCheck(outputs, source, nodes[1], replicas[0]);
    assert.equal(c1.detail, "streaming from primary (pg_stat_replication, client 172.18.0.3)");
    assert.deepEqual(c1.figures, { state: "streaming", clientAddr: "172.18.0.3" });
    const c2 = senderCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c2.status, "pass");
    assert.equal(c2.detail, "streaming from primary (pg_stat_replication, client local)");
  });
});

describe("sync state and synchronous capacity (mutation-testing follow-up)", () => {
  const FIRST1 = { mode: "first", count: 1, standbyNames: 'FIRST 1 ("replica_1", "replica_2")' };
  const FIRST2 = { mode: "first", count: 2, standbyNames: 'FIRST 2 ("replica_1", "replica_2")' };
  const ANY2 = { mode: "any", count: 2, standbyNames: 'ANY 2 ("replica_1", "replica_2")' };

  it("FIRST 1 with replica-1 in catchup: replica-2, the only streaming one, is expected sync", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1, { state: "catchup", syncState: "potential" }), sender(2, { syncState: "sync" })], undefined, FIRST1);
    const c = syncStateCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "sync, as expected for FIRST 1");
    assert.deepEqual(c.figures, { syncState: "sync", expected: "sync" });
  });

  it("a wrong sync_state fails, naming the expected one and the mode, with the sync re-apply hint", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1, { syncState: "async" }), sender(2, { syncState: "potential" })], undefined, FIRST1);
    const c = syncStateCheck(outputs, source, nodes[1], replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "sync_state async, expected sync for FIRST 1");
    assert.equal(c.hint, `synchronous_standby_names on the primary differs from the stack's sync settings: apply them again with \`${reapplyCommand(outputs, "sync")}\``);
    assert.deepEqual(c.figures, { syncState: "async", expected: "sync" });
  });

  it("sync off: async passes as asynchronous replication; ANY: quorum is named ANY k", () => {
    const off = cluster([sender(1), sender(2)]);
    assert.equal(syncStateCheck(off.outputs, off.source, off.nodes[1], off.replicas[0]).detail, "async, as expected for asynchronous replication");
    const any = cluster([sender(1, { syncState: "quorum" }), sender(2, { syncState: "async" })], undefined, ANY2);
    assert.equal(syncStateCheck(any.outputs, any.source, any.nodes[1], any.replicas[0]).detail, "quorum, as expected for ANY 2");
    assert.equal(syncStateCheck(any.outputs, any.source, any.nodes[2], any.replicas[1]).detail, "sync_state async, expected quorum for ANY 2");
  });

  it("no sender: sync state is skipped, with the expected state in --json", () => {
    const { outputs, nodes, source, replicas } = cluster([sender(1)], undefined, FIRST1);
    const c = syncStateCheck(outputs, source, nodes[2], replicas[1]);
    assert.equal(c.status, "skip");
    assert.equal(c.detail, "not checked: no WAL sender for this standby");
    assert.deepEqual(c.figures, { expected: "potential" });
  });

  it("sync off: no synchronous-standbys check at all", () => {
    const { outputs, source } = cluster([sender(1), sender(2)]);
    assert.equal(synchronousCapacityCheck(outputs, source), null);
  });

  it("exactly as many streaming standbys as FIRST k needs passes (commits do not wait)", () => {
    const { outputs, source } = cluster([sender(1, { syncState: "sync" }), sender(2, { syncState: "sync" })], undefined, FIRST2);
    const c = synchronousCapacityCheck(outputs, source);
    assert.equal(c?.status, "pass");
    assert.equal(c?.detail, "2 standbys streaming, FIRST 2 needs 2");
    assert.deepEqual(c?.figures, { needed: 2, available: 2 });
  });

  it("one streaming standby for FIRST 1 passes in the singular", () => {
    const { outputs, source } = cluster([sender(1, { syncState: "sync" })], undefined, FIRST1);
    const c = synchronousCapacityCheck(outputs, source);
    assert.equal(c?.status, "pass");
    assert.equal(c?.detail, "1 standby streaming, FIRST 1 needs 1");
  });

  it("a standby in catchup does not count as synchronous capacity: FIRST 2 with one streaming fails", () => {
    const { outputs, source } = cluster([sender(1, { state: "catchup", syncState: "potential" }), sender(2, { syncState: "sync" })], undefined, FIRST2);
    const c = synchronousCapacityCheck(outputs, source);
    assert.equal(c?.status, "fail");
    assert.equal(c?.name, "synchronous standbys");
    assert.equal(c?.detail, "1 of the 2 synchronous standbys that FIRST 2 needs are streaming: commits wait (synchronous_commit=on)");
    assert.equal(c?.hint, "writes hang until enough standbys reconnect: start the stopped standbys");
    assert.deepEqual(c?.figures, { needed: 2, available: 1 });
  });
});

describe("the WAL receiver check (mutation-testing follow-up)", () => {
  it("no WAL receiver fails with the docker logs hint, status null in --json", () => {
    const { outputs, source, replicas } = cluster([sender(1), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, null), replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "no WAL receiver running (pg_stat_wal_receiver is empty)");
    assert.equal(c.hint, "it cannot reach the primary: `docker logs pg-t-replica-1`");
    assert.deepEqual(c.figures, { status: null });
  });

  it("a receiver that is not streaming fails, naming its status and where it connects", () => {
    const { outputs, source, replicas } = cluster([sender(1), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx({ status: "waiting" })), replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "WAL receiver status waiting (from primary:5432)");
    assert.equal(c.hint, "`docker logs pg-t-replica-1`");
    assert.deepEqual(c.figures, { status: "waiting", senderHost: "primary", senderPort: 5432, slotName: "replica_1", timeline: 1 });
  });

  it("a receiver with unknown host and port shows them as ?", () => {
    const { outputs, source, replicas } = cluster([sender(1), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx({ status: "stopping", senderHost: null, senderPort: null })), replicas[0]);
    assert.equal(c.detail, "WAL receiver status stopping (from ?:?)");
  });

  it("a receiver without a slot fails naming (none), with the rebuild command for that standby", () => {
    const { outputs, source, replicas } = cluster([sender(1), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx({ slotName: null })), replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "streams with slot (none), expected replica_1");
    assert.equal(
      c.hint,
      `primary_slot_name on the standby differs from the stack; a plain \`pulumi up\` sees no change: rebuild the standby with \`${rebuildStandbyCommand("t", "pg-t-replica-1")}\``,
    );
  });

  it("no writable primary: skipped, saying where it streams from", () => {
    const { outputs, replicas } = cluster([]);
    const c = receiverCheck(outputs, null, standby(1, rx()), replicas[0]);
    assert.equal(c.status, "skip");
    assert.equal(c.detail, "streaming from primary:5432 with slot replica_1; no writable primary to compare with");
  });

  it("a streaming receiver the source does not list fails: it follows another server", () => {
    const { outputs, source, replicas } = cluster([sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx()), replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "streams from primary:5432, but primary has no streaming WAL sender for replica_1: it follows another server");
    assert.equal(c.hint, `the standby does not follow the writable primary: ${REBUILD_HINT}`);
  });

  it("a streaming receiver the source lists only as not streaming fails: it follows another server", () => {
    const { outputs, source, replicas } = cluster([sender(1, { state: "catchup" }), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx()), replicas[0]);
    assert.equal(c.status, "fail");
    assert.match(c.detail, /it follows another server$/);
  });

  it("a receiver on another timeline than the source fails with the rebuild hint", () => {
    const { outputs, nodes, replicas } = cluster([]);
    const source: ReachableNode = { node: nodes[0], state: primaryState({ timeline: 3, senders: [sender(1)], slots: [slot(1)] }) };
    const c = receiverCheck(outputs, source, standby(1, rx({ receivedTli: 2 })), replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "receives timeline 2, primary writes timeline 3");
    assert.equal(c.hint, REBUILD_HINT);
    assert.deepEqual(c.figures, { status: "streaming", senderHost: "primary", senderPort: 5432, slotName: "replica_1", timeline: 2 });
  });

  it("the same timeline passes, naming it", () => {
    const { outputs, source, replicas } = cluster([sender(1), sender(2)]);
    const c = receiverCheck(outputs, source, standby(1, rx()), replicas[0]);
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "streaming from primary:5432 with slot replica_1, timeline 1");
  });

  it("an unknown timeline on either side is not a mismatch", () => {
    const { outputs, nodes, replicas } = cluster([]);
    const known: ReachableNode = { node: nodes[0], state: primaryState({ timeline: 1, senders: [sender(1)] }) };
    const unknown: ReachableNode = { node: nodes[0], state: primaryState({ timeline: null, senders: [sender(1)] }) };
    const noTli = receiverCheck(outputs, known, standby(1, rx({ receivedTli: null })), replicas[0]);
    assert.equal(noTli.status, "pass");
    assert.equal(noTli.detail, "streaming from primary:5432 with slot replica_1, timeline ?");
    assert.equal(receiverCheck(outputs, unknown, standby(1, rx({ receivedTli: 2 })), replicas[0]).status, "pass");
  });
});

describe("the slot check (mutation-testing follow-up)", () => {
  it("a missing slot fails, with the create-or-rebuild hint and exists false in --json", () => {
    const { nodes, source, replicas } = cluster([sender(1)], [slot(1)]);
    const c = slotCheck(source, nodes[2], replicas[1]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "no replication slot replica_2 on primary");
    assert.equal(
      c.hint,
      `without its slot the primary may remove WAL the standby still needs: create it with SELECT pg_create_physical_replication_slot('replica_2'), or rebuild: ${REBUILD_HINT}`,
    );
    assert.deepEqual(c.figures, { slot: "replica_2", exists: false });
  });

  it("a logical slot under the standby's name fails", () => {
    const { nodes, source, replicas } = cluster([sender(1)], [slot(1, { type: "logical" })]);
    const c = slotCheck(source, nodes[1], replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "replica_1 is a logical slot, expected physical");
    assert.equal(c.hint, REBUILD_HINT);
  });

  it("an active slot with wal_status lost fails: the standby can never catch up, rebuild it", () => {
    const { nodes, source, replicas } = cluster([sender(1)], [slot(1, { walStatus: "lost", active: true, retainedBytes: null })]);
    const c = slotCheck(source, nodes[1], replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "replica_1: wal_status lost: WAL the standby needs was removed");
    assert.equal(c.hint, `the standby can never catch up: ${rebuildStandbyHint("pg-t-replica-1")}`);
    assert.deepEqual(c.figures, { slot: "replica_1", type: "physical", active: true, walStatus: "lost", retainedBytes: null });
  });

  it("an inactive slot fails, saying how much WAL it keeps", () => {
    const { nodes, source, replicas } = cluster([], [slot(1, { active: false, retainedBytes: 2048, walStatus: null })]);
    const c = slotCheck(source, nodes[1], replicas[0]);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "replica_1 inactive, retains 2.0 kB of WAL (wal_status -)");
    assert.equal(c.hint, "no standby uses the slot: start the standby; until then the slot keeps WAL up to max_slot_wal_keep_size, then it is lost");
  });

  it("an active slot with wal_status unreserved is a warning", () => {
    const { nodes, source, replicas } = cluster([sender(1)], [slot(1, { walStatus: "unreserved", retainedBytes: 1024 })]);
    const c = slotCheck(source, nodes[1], replicas[0]);
    assert.equal(c.status, "warn");
    assert.equal(c.detail, "replica_1 active, retains 1.0 kB of WAL, wal_status unreserved");
    assert.equal(c.hint, "the standby is so far behind that its WAL goes at the next checkpoint unless it catches up");
  });

  it("an active reserved physical slot passes", () => {
    const { nodes, source, replicas } = cluster([sender(1)], [slot(1)]);
    const c = slotCheck(source, nodes[1], replicas[0]);
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "replica_1 physical, active, wal_status reserved, retains 0 B of WAL");
  });
});

describe("extra slots (mutation-testing follow-up)", () => {
  it("slots no declared standby owns warn, each listed, the hint naming the first to drop, the count in --json", () => {
    const { outputs, source } = cluster([], [slot(1), slot(2), slot(8, { name: "old_a", active: true, retainedBytes: 1024 }), slot(9, { name: "old_b", type: "logical", active: false })]);
    const c = extraSlotsCheck(outputs, source);
    assert.equal(c.status, "warn");
    assert.equal(c.detail, "slots no declared standby owns: old_a (physical, active, retains 1.0 kB), old_b (logical, inactive, retains 0 B)");
    assert.equal(c.hint, "an unused slot keeps WAL until max_slot_wal_keep_size: drop it if nothing uses it (SELECT pg_drop_replication_slot('old_a'))");
    assert.deepEqual(c.figures, { extra: 2 });
  });

  it("no extra slot passes with extra 0", () => {
    const { outputs, source } = cluster([], [slot(1), slot(2)]);
    const c = extraSlotsCheck(outputs, source);
    assert.deepEqual([c.status, c.detail, c.figures], ["pass", "none: every slot belongs to a declared standby", { extra: 0 }]);
  });
});

describe("the lag check (mutation-testing follow-up)", () => {
  const AT = "0/9000000";

  it("replay over the time limit but under the byte limit fails", () => {
    const { nodes, replicas } = cluster([]);
    const source: ReachableNode = { node: nodes[0], state: primaryState({ currentLsn: AT, senders: [caughtUp(1, AT, { replayLsn: "0/8FFFF00", replayLagMs: 45_000 })] }) };
    const c = lagCheck(source, nodes[1], null, replicas[0], limits);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "replay 256 B / 45 s behind (sent 0 B, write 0 B, flush 0 B behind); limit 16.0 MB / 30 s");
    assert.equal(c.hint, "replay is behind: look for long queries on the standby (they pause replay) or a slow disk; raise --max-lag-bytes / --max-lag-seconds if this is expected");
  });

  it("replay exactly at both limits passes", () => {
    const { nodes, replicas } = cluster([]);
    const replayLsn = "0/8000000"; // 0x1000000 = 16 MB behind 0/9000000
    const source: ReachableNode = { node: nodes[0], state: primaryState({ currentLsn: AT, senders: [caughtUp(1, AT, { replayLsn, replayLagMs: 30_000 })] }) };
    const c = lagCheck(source, nodes[1], null, replicas[0], limits);
    assert.equal(c.status, "pass");
    assert.equal(c.figures?.replayBytes, limits.maxBytes);
    assert.equal(c.figures?.replayLagMs, limits.maxMs);
  });

  it("one byte over the byte limit fails", () => {
    const { nodes, replicas } = cluster([]);
    const source: ReachableNode = { node: nodes[0], state: primaryState({ currentLsn: AT, senders: [caughtUp(1, AT, { replayLsn: "0/7FFFFFF", replayLagMs: 10 })] }) };
    assert.equal(lagCheck(source, nodes[1], null, replicas[0], limits).status, "fail");
  });

  it("no sender and the standby unreachable: skipped as not measured", () => {
    const { nodes, source, replicas } = cluster([]);
    const c = lagCheck(source, nodes[1], null, replicas[0], limits);
    assert.equal(c.status, "skip");
    assert.equal(c.detail, "not measured: the standby is neither streaming nor reachable");
  });

  it("no sender but the standby reachable: skipped, with the bytes behind measured on the standby", () => {
    const { nodes, replicas } = cluster([]);
    const source: ReachableNode = { node: nodes[0], state: primaryState({ currentLsn: "0/3000200" }) };
    const c = lagCheck(source, nodes[1], standby(1, null), replicas[0], limits);
    assert.equal(c.status, "skip");
    assert.equal(c.detail, "not streaming; replay is 184 B behind primary (measured on the standby)");
    assert.deepEqual(c.figures, { replayBytes: 0xb8, replayDelayMs: 0 });
  });
});
