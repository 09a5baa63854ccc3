import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Check } from "../../../scripts/lib/check";
import { evaluate } from "../../../scripts/lib/checks";
import { caughtUp, CURRENT, down, healthy, loaded, primaryState, sender, slot, standbyState, up, withNode } from "./fixtures";

const limits = { maxBytes: 16 * 1024 * 1024, maxMs: 30_000 };

function find(checks: readonly Check[], node: string, name: string): Check {
  const c = checks.find((x) => x.node === node && x.name === name);
  assert.ok(c, `no check ${node} ${name}; have: ${checks.map((x) => `${x.node}/${x.name}`).join(", ")}`);
  return c;
}

const failed = (checks: readonly Check[]): string[] => checks.filter((c) => c.status === "fail").map((c) => `${c.node}/${c.name}`);

describe("verify's checks on a healthy cluster", () => {
  const l = loaded();
  const { snapshot } = healthy(l);
  const checks = evaluate(l.outputs, snapshot, limits);

  it("pass without exception", () => {
    assert.deepEqual(failed(checks), []);
    assert.deepEqual(checks.filter((c) => c.status === "warn"), []);
  });

  it("cover topology, versions, and every node's role and settings", () => {
    for (const [node, name] of [
      ["cluster", "writable primary"],
      ["cluster", "same major version"],
      ["cluster", "expected major version"],
      ["primary", "role"],
      ["primary", "wal_level"],
      ["primary", "max_slot_wal_keep_size"],
      ["primary", "synchronous_standby_names"],
      ["primary", "other settings"],
      ["primary", "extra slots"],
      ["replica-1", "hot_standby_feedback"],
      ["replica-2", "role"],
    ]) {
      assert.equal(find(checks, node, name).status, "pass", `${node} ${name}`);
    }
  });

  it("cover each standby's sender, sync state, receiver, slot and lag", () => {
    for (const node of ["replica-1", "replica-2"]) {
      for (const name of ["replication", "sync state", "wal receiver", "slot", "lag"]) assert.equal(find(checks, node, name).status, "pass", `${node} ${name}`);
    }
  });

  it("report an idle cluster's lag as zero bytes and zero time", () => {
    const lag = find(checks, "replica-1", "lag");
    assert.equal(lag.figures?.replayBytes, 0);
    assert.equal(lag.figures?.replayLagMs, 0);
  });
});

describe("verify's checks on a broken cluster", () => {
  it("a stopped standby fails its reachability, its sender and its inactive slot, naming the standby", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    // The primary wrote 32 MB since replica-2 stopped; replica-1 kept up.
    const at = "0/5000000";
    const primary = up(nodes[0], primaryState({ currentLsn: at, senders: [caughtUp(1, at)], slots: [slot(1, { restartLsn: at }), slot(2, { active: false, retainedBytes: 0x5000000 - 0x3000148 })] }));
    const s = withNode(withNode(snapshot, 0, primary), 2, down(nodes[2]));
    const checks = evaluate(l.outputs, s, limits);
    assert.deepEqual(failed(checks), ["replica-2/reachable", "replica-2/replication", "replica-2/slot"]);
    assert.match(find(checks, "replica-2", "reachable").hint ?? "", /docker start pg-t-replica-2/);
    const slotCheck = find(checks, "replica-2", "slot");
    assert.match(slotCheck.detail, /inactive, retains 32\.0 MB of WAL/);
    assert.equal(slotCheck.figures?.retainedBytes, 0x5000000 - 0x3000148);
  });

  it("a promoted standby: the writable node and both roles fail, with the rebuild hint", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const promoted = up(nodes[1], primaryState({ timeline: 2, currentLsn: "0/3000200" }));
    const s = withNode(withNode(snapshot, 0, down(nodes[0])), 1, promoted);
    const checks = evaluate(l.outputs, s, limits);
    const writable = find(checks, "cluster", "writable primary");
    assert.equal(writable.status, "fail");
    assert.match(writable.detail, /writable now: replica-1 \(promoted\); the declared primary is unreachable/);
    assert.match(writable.hint ?? "", /pulumi up/);
    assert.equal(find(checks, "replica-1", "role").status, "fail");
    const roleHint = find(checks, "replica-1", "role").hint ?? "";
    assert.match(roleHint, /`pulumi up --replace '<URN of the standby's volume>'` \(`pulumi stack --show-urns` lists them\)/);
    assert.match(roleHint, /start over with an empty cluster: `pulumi destroy`, then `pulumi up`$/);
    assert.doesNotMatch(roleHint, /sandbox/);
    // replica-2 is judged against the node that accepts writes now.
    assert.match(find(checks, "replica-2", "replication").detail, /on replica-1/);
    assert.equal(find(checks, "replica-2", "slot").status, "fail");
  });

  it("two writable nodes are a split brain", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const checks = evaluate(l.outputs, withNode(snapshot, 2, up(nodes[2], primaryState({ timeline: 2 }))), limits);
    assert.match(find(checks, "cluster", "writable primary").detail, /2 nodes accept writes: primary, replica-2 \(promoted\): split brain/);
  });

  it("a setting that differs from the declared value fails, naming both values", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const settings = primaryState().settings.map((x) => (x.name === "max_slot_wal_keep_size" ? { ...x, setting: "64", shown: "64MB" } : x));
    const s = withNode(snapshot, 0, up(nodes[0], { ...(snapshot.nodes[0].ok ? snapshot.nodes[0].state : primaryState()), settings }));
    const c = find(evaluate(l.outputs, s, limits), "primary", "max_slot_wal_keep_size");
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "max_slot_wal_keep_size is 64MB, declared 1GB");
  });

  it("a standby replaying far behind fails the lag check even while streaming", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const behind = caughtUp(1, "0/9000000", { replayLsn: "0/3000000", replayLagMs: 2500 });
    const primary = up(nodes[0], primaryState({ currentLsn: "0/9000000", senders: [behind, caughtUp(2, "0/9000000")], slots: [slot(1), slot(2)] }));
    const checks = evaluate(l.outputs, withNode(snapshot, 0, primary), limits);
    assert.equal(find(checks, "replica-1", "replication").status, "pass");
    const lag = find(checks, "replica-1", "lag");
    assert.equal(lag.status, "fail");
    assert.match(lag.detail, /^replay 96\.0 MB \/ 2\.50 s behind/);
    assert.equal(find(checks, "replica-2", "lag").status, "pass");
  });

  it("a standby that has not replied for 20 s fails its replication check though the sender still says streaming", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const silent = sender(1, { replyAgeMs: 25_000 });
    const primary = up(nodes[0], primaryState({ senders: [silent, sender(2, { replyAgeMs: 9_000 })], slots: [slot(1), slot(2)] }));
    const checks = evaluate(l.outputs, withNode(snapshot, 0, primary), limits);
    const replication = find(checks, "replica-1", "replication");
    assert.equal(replication.status, "fail");
    assert.match(replication.detail, /says streaming, but the standby has not replied for 25 s/);
    assert.match(replication.hint ?? "", /wal_sender_timeout/);
    assert.equal(find(checks, "replica-2", "replication").status, "pass");
  });

  it("measures lag against the primary's position read with the sender row, not an older one", () => {
    // Under load the standby moves on between two queries: against the older
    // position (0/3000148 here) it would look ahead, i.e. zero lag.
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const moving = sender(1, { currentLsn: "0/3100000", sentLsn: "0/30FF000", writeLsn: "0/30FF000", flushLsn: "0/30FE000", replayLsn: "0/30F0000", replayLagMs: 4 });
    const primary = up(nodes[0], primaryState({ senders: [moving, sender(2)], slots: [slot(1), slot(2)] }));
    const lag = find(evaluate(l.outputs, withNode(snapshot, 0, primary), limits), "replica-1", "lag");
    assert.equal(lag.figures?.replayBytes, 0x10000);
    assert.equal(lag.figures?.sentBytes, 0x1000);
    assert.equal(lag.figures?.replayLagMs, 4);
  });

  it("an unexpected slot is a warning, not a failure", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const primary = up(nodes[0], primaryState({ senders: [sender(1), sender(2)], slots: [slot(1), slot(2), slot(9, { name: "old_standby", active: false })] }));
    const checks = evaluate(l.outputs, withNode(snapshot, 0, primary), limits);
    const extra = find(checks, "primary", "extra slots");
    assert.equal(extra.status, "warn");
    assert.match(extra.detail, /old_standby \(physical, inactive, retains 0 B\)/);
    assert.deepEqual(failed(checks), []);
  });

  it("a standby streaming with someone else's slot fails the receiver check", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const rx = { status: "streaming", senderHost: "primary", senderPort: 5432, slotName: "replica_2", receivedTli: 1 };
    const c = find(evaluate(l.outputs, withNode(snapshot, 1, up(nodes[1], standbyState(1, { receiver: rx }))), limits), "replica-1", "wal receiver");
    assert.equal(c.status, "fail");
    assert.match(c.detail, /streams with slot replica_2, expected replica_1/);
  });

  it("a standby on an older timeline fails the receiver check", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = withNode(snapshot, 0, up(nodes[0], { ...(snapshot.nodes[0].ok ? snapshot.nodes[0].state : primaryState()), timeline: 2 }));
    assert.match(find(evaluate(l.outputs, s, limits), "replica-1", "wal receiver").detail, /receives timeline 1, primary writes timeline 2/);
  });

  it("different major versions fail; an image without a version skips the expected-version check with a note", () => {
    const l = loaded(2, { expectedMajorVersion: null, image: "my/postgres:latest" });
    const { nodes, snapshot } = healthy(l);
    const s = withNode(snapshot, 2, up(nodes[2], standbyState(2, { versionNum: 160004, serverVersion: "16.4" })));
    const checks = evaluate(l.outputs, s, limits);
    assert.equal(find(checks, "cluster", "same major version").status, "fail");
    const expected = evaluate(l.outputs, snapshot, limits).find((c) => c.name === "expected major version");
    assert.equal(expected?.status, "skip");
    assert.match(expected?.detail ?? "", /image tag of my\/postgres:latest names no version/);
  });
});

describe("sync state expectations in verify", () => {
  it("FIRST 1: replica-1 sync and replica-2 potential pass; swapped they fail", () => {
    const l = loaded(2, { sync: { mode: "first", count: 1, synchronousCommit: "on", standbyNames: 'FIRST 1 ("replica_1", "replica_2")' } });
    const { nodes, snapshot } = healthy(l);
    const settings = primaryState().settings.map((x) => (x.name === "synchronous_standby_names" ? { ...x, setting: 'FIRST 1 ("replica_1", "replica_2")', shown: 'FIRST 1 ("replica_1", "replica_2")' } : x));
    const make = (s1: string, s2: string) =>
      withNode(snapshot, 0, up(nodes[0], primaryState({ settings, senders: [sender(1, { syncState: s1 }), sender(2, { syncState: s2 })], slots: [slot(1), slot(2)] })));
    const good = evaluate(l.outputs, make("sync", "potential"), limits);
    assert.deepEqual(failed(good), []);
    assert.equal(find(good, "primary", "synchronous standbys").status, "pass");
    const bad = evaluate(l.outputs, make("potential", "sync"), limits);
    assert.deepEqual(failed(bad), ["replica-1/sync state", "replica-2/sync state"]);
  });

  it("FIRST 1 with no standby streaming: commits would wait, and the primary says so", () => {
    const l = loaded(1, { sync: { mode: "first", count: 1, synchronousCommit: "on", standbyNames: 'FIRST 1 ("replica_1")' } });
    const { nodes, snapshot } = healthy(l);
    const s = withNode(withNode(snapshot, 0, up(nodes[0], primaryState({ slots: [slot(1, { active: false })] }))), 1, down(nodes[1]));
    const c = find(evaluate(l.outputs, s, limits), "primary", "synchronous standbys");
    assert.equal(c.status, "fail");
    assert.match(c.detail, /0 of the 1 synchronous standbys that FIRST 1 needs are streaming: commits wait/);
  });
});

describe("fixture sanity", () => {
  it("the healthy snapshot's positions are all at the current LSN", () => {
    const { snapshot } = healthy();
    const p = snapshot.nodes[0];
    assert.ok(p.ok && p.state.currentLsn === CURRENT);
  });
});
