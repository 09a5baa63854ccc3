import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clusterStatus, renderStatus, type ClusterStatus } from "../../../scripts/lib/status-view";
import { down, healthy, loaded, primaryState, sender, slot, standbyState, up, withNode } from "./fixtures";

/** The cells of one rendered table row (cells are separated by two spaces or more). */
function row(text: string, node: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${node} `));
  assert.ok(line !== undefined, `no row for ${node} in:\n${text}`);
  return line.split(/ {2,}/);
}

/** The lines under the table. */
function notes(text: string): string[] {
  const lines = text.split("\n");
  return lines.slice(lines.indexOf("") + 1);
}

const states = (st: ClusterStatus): string[] => st.nodes.map((n) => `${n.name}: ${n.role}, ${n.state}`);

describe("status: lag of a standby measured on the standby (mutation-testing follow-up)", () => {
  it("no receiver but nothing behind: replay delay 0, not unknown", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ senders: [sender(1)], slots: [slot(1), slot(2, { active: false })] }));
    const st = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, primary), 2, up(nodes[2], standbyState(2, { receiver: null }))));
    assert.deepEqual(st.nodes[2].lag, { measuredOn: "standby", sentBytes: null, writeBytes: null, flushBytes: null, replayBytes: 0, replayLagMs: 0 });
  });

  it("a receiver that is up but not listed, behind: the replay delay comes from the standby, and the state names the receiver's status", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ currentLsn: "0/3000200", senders: [sender(1)], slots: [slot(1), slot(2)] }));
    const rx = { status: "waiting", senderHost: "primary", senderPort: 5432, slotName: "replica_2", receivedTli: 1 };
    const standby = up(nodes[2], standbyState(2, { receiver: rx, receiveLsn: "0/3000200", replayLsn: "0/3000148", lastReplayAgeMs: 5_000 }));
    const st = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, primary), 2, standby));
    assert.equal(st.nodes[2].state, "not in pg_stat_replication (receiver waiting)");
    assert.deepEqual(st.nodes[2].lag, { measuredOn: "standby", sentBytes: null, writeBytes: null, flushBytes: null, replayBytes: 0xb8, replayLagMs: 5_000 });
    const text = renderStatus(st);
    assert.deepEqual(row(text, "replica-2").slice(7, 9), ["184 B", "5 s"]);
    assert.ok(notes(text).includes("replica-2: lag measured on the standby (no WAL sender on the primary)"), text);
    assert.ok(!notes(text).some((n) => n.startsWith("replica-1: lag measured")), text);
  });
});

describe("status: state texts (mutation-testing follow-up)", () => {
  it("primary down, replica-1 promoted: the primary is just unreachable, replica-2 (not following) says so", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = withNode(withNode(snapshot, 0, down(nodes[0])), 1, up(nodes[1], primaryState({ timeline: 2 })));
    const st = clusterStatus(l.outputs, s);
    assert.deepEqual(states(st), [
      "primary: unreachable, unreachable",
      "replica-1: primary, read-write",
      "replica-2: standby, not in pg_stat_replication (receiver streaming)",
    ]);
  });

  it("a stopped standby whose sender row is still listed is just unreachable; with no writable primary, too", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const listed = clusterStatus(l.outputs, withNode(snapshot, 2, down(nodes[2])));
    assert.equal(listed.nodes[2].state, "unreachable");
    const noSource = clusterStatus(l.outputs, withNode(withNode(snapshot, 0, down(nodes[0])), 2, down(nodes[2])));
    assert.deepEqual(states(noSource), ["primary: unreachable, unreachable", "replica-1: standby, not in pg_stat_replication (receiver streaming)", "replica-2: unreachable, unreachable"]);
  });

  it("split brain: the declared primary is read-write, the promoted standby read-write (split brain)", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const st = clusterStatus(l.outputs, withNode(snapshot, 2, up(nodes[2], primaryState({ timeline: 2 }))));
    assert.deepEqual(states(st), ["primary: primary, read-write", "replica-1: standby, streaming", "replica-2: primary, read-write (split brain)"]);
    assert.equal(st.topology, "primary, replica-2 (promoted): split brain");
  });

  it("declared primary in recovery next to a promoted standby: 'in recovery'", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = withNode(withNode(snapshot, 0, up(nodes[0], standbyState(1, { receiver: null }))), 1, up(nodes[1], primaryState({ timeline: 2 })));
    const st = clusterStatus(l.outputs, s);
    assert.equal(st.nodes[0].role, "standby");
    assert.equal(st.nodes[0].state, "in recovery");
  });

  it("nothing writable: the topology says none", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const st = clusterStatus(l.outputs, withNode(snapshot, 0, down(nodes[0])));
    assert.deepEqual(st.writable, []);
    assert.equal(st.topology, "none: no reachable node accepts writes");
    assert.equal(notes(renderStatus(st))[0], "writable: none: no reachable node accepts writes");
  });
});

describe("status: extra slots (mutation-testing follow-up)", () => {
  it("lists only the slots no declared standby owns, in the model and as notes", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const slots = [slot(1), slot(2), slot(7, { name: "old_a", active: true, retainedBytes: 2048 }), slot(8, { name: "old_b", active: false, retainedBytes: null })];
    const st = clusterStatus(l.outputs, withNode(snapshot, 0, up(nodes[0], primaryState({ senders: [sender(1), sender(2)], slots }))));
    assert.deepEqual(st.extraSlots, [
      { name: "old_a", active: true, retainedBytes: 2048 },
      { name: "old_b", active: false, retainedBytes: null },
    ]);
    assert.deepEqual(notes(renderStatus(st)), [
      "writable: primary (as declared)",
      "extra slot old_a: active, retains 2.0 kB (no declared standby owns it)",
      "extra slot old_b: inactive, retains - (no declared standby owns it)",
    ]);
  });

  it("a healthy cluster has no extra slots and no notes but the topology", () => {
    const l = loaded();
    const st = clusterStatus(l.outputs, healthy(l).snapshot);
    assert.deepEqual(st.extraSlots, []);
    assert.deepEqual(notes(renderStatus(st)), ["writable: primary (as declared)"]);
  });

  it("no writable primary: no extra slots reported", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    assert.deepEqual(clusterStatus(l.outputs, withNode(snapshot, 0, down(nodes[0]))).extraSlots, []);
  });
});

describe("status: the rendered table (mutation-testing follow-up)", () => {
  it("the real primary's row says primary (not promoted), with dashes where it has no receiver, replay, lag, slot or sync state", () => {
    const l = loaded();
    const text = renderStatus(clusterStatus(l.outputs, healthy(l).snapshot));
    assert.deepEqual(row(text, "primary"), ["primary", "127.0.0.1:25430", "primary", "read-write", "0/3000148", "-", "-", "-", "-", "-", "-", "-", "-", "-"]);
    assert.deepEqual(row(text, "replica-1"), ["replica-1", "127.0.0.1:25431", "standby", "streaming", "-", "0/3000148", "0/3000148", "0 B", "0 ms", "replica_1", "0 B", "yes", "reserved", "async"]);
  });

  it("a stopped standby's row: no LSNs, an inactive slot retaining WAL, ACTIVE no; its error and no lag note under the table", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ currentLsn: "0/4000000", senders: [sender(1)], slots: [slot(1), slot(2, { active: false, retainedBytes: 0x1000000 })] }));
    const text = renderStatus(clusterStatus(l.outputs, withNode(withNode(snapshot, 0, primary), 2, down(nodes[2]))));
    assert.deepEqual(row(text, "replica-2"), [
      "replica-2",
      "127.0.0.1:25432",
      "unreachable",
      "unreachable, not in pg_stat_replication",
      "-",
      "-",
      "-",
      "-",
      "-",
      "replica_2",
      "16.0 MB",
      "no",
      "reserved",
      "-",
    ]);
    assert.deepEqual(notes(text), ["writable: primary (as declared)", "replica-2: cannot connect to 127.0.0.1:25432 (connection refused): is the container running?"]);
  });

  it("LSNs are shown in the server's upper-case form", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const text = renderStatus(clusterStatus(l.outputs, withNode(snapshot, 0, up(nodes[0], primaryState({ currentLsn: "0/3000abc", senders: [sender(1), sender(2)], slots: [slot(1), slot(2)] })))));
    assert.equal(row(text, "primary")[4], "0/3000ABC");
  });
});
