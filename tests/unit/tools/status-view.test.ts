import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterStatus, renderStatus } from "../../../scripts/lib/status-view";
import { down, healthy, loaded, primaryState, sender, slot, standbyState, up, withNode } from "./fixtures";

describe("the status model", () => {
  it("a healthy cluster: one primary, standbys streaming with zero lag and active slots", () => {
    const l = loaded();
    const st = clusterStatus(l.outputs, healthy(l).snapshot);
    assert.deepEqual(st.writable, ["primary"]);
    assert.equal(st.topology, "primary (as declared)");
    assert.deepEqual(
      st.nodes.map((n) => [n.name, n.role, n.state, n.lag?.replayBytes ?? null, n.lag?.replayLagMs ?? null, n.slot?.active ?? null, n.syncState]),
      [
        ["primary", "primary", "read-write", null, null, null, null],
        ["replica-1", "standby", "streaming", 0, 0, true, "async"],
        ["replica-2", "standby", "streaming", 0, 0, true, "async"],
      ],
    );
  });

  it("a stopped standby: unreachable with the reason, missing from pg_stat_replication, its slot inactive and retaining WAL", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ currentLsn: "0/4000000", senders: [sender(1)], slots: [slot(1), slot(2, { active: false, restartLsn: "0/3000000", retainedBytes: 0x1000000 })] }));
    const st = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, primary), 2, down(nodes[2])));
    const r2 = st.nodes[2];
    assert.equal(r2.role, "unreachable");
    assert.equal(r2.state, "unreachable, not in pg_stat_replication");
    assert.match(r2.error ?? "", /connection refused/);
    assert.deepEqual(r2.slot, { name: "replica_2", active: false, walStatus: "reserved", retainedBytes: 0x1000000 });
    assert.equal(r2.lag, null);
  });

  it("a standby that runs but does not stream is measured on the standby: bytes behind the primary, time behind unknown", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ currentLsn: "0/3000200", senders: [sender(1)], slots: [slot(1), slot(2, { active: false })] }));
    const standby = up(nodes[2], standbyState(2, { receiver: null, receiveLsn: "0/3000148", replayLsn: "0/3000148", lastReplayAgeMs: 900_000 }));
    const st = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, primary), 2, standby));
    assert.equal(st.nodes[2].state, "not in pg_stat_replication (no receiver)");
    assert.deepEqual(st.nodes[2].lag, { measuredOn: "standby", sentBytes: null, writeBytes: null, flushBytes: null, replayBytes: 0xb8, replayLagMs: null });
  });

  it("a promoted standby shows as primary (promoted) and the topology says the outputs are stale", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const st = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, down(nodes[0])), 1, up(nodes[1], primaryState({ timeline: 2 }))));
    assert.deepEqual(st.writable, ["replica-1"]);
    assert.equal(st.topology, "replica-1 (promoted): the stack outputs still name primary");
    const text = renderStatus(st);
    assert.match(text, /replica-1 +127\.0\.0\.1:25431 +primary \(promoted\) +read-write/);
    assert.match(text, /^primary: cannot connect to 127\.0\.0\.1:25430/m);
  });

  it("renders one aligned row per node under a header, then notes", () => {
    const l = loaded();
    const lines = renderStatus(clusterStatus(l.outputs, healthy(l).snapshot)).split("\n");
    assert.match(lines[0], /^NODE +ENDPOINT +ROLE +STATE +CURRENT LSN +RECEIVE LSN +REPLAY LSN +LAG +LAG TIME +SLOT +RETAINED +ACTIVE +WAL STATUS +SYNC$/);
    const slotColumn = lines[0].indexOf("SLOT");
    assert.equal(lines[2].indexOf("replica_1"), slotColumn);
    assert.equal(lines[3].indexOf("replica_2"), slotColumn);
    assert.equal(lines[5], "writable: primary (as declared)");
  });
});
