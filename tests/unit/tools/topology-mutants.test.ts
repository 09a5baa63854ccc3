import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeWritable, topologyOf } from "../../../scripts/lib/topology";
import { down, healthy, primaryState, standbyState, up, withNode } from "./fixtures";

describe("who is primary (mutation-testing follow-up)", () => {
  it("as declared: only the primary is writable, nothing promoted", () => {
    const t = topologyOf(healthy().snapshot);
    assert.deepEqual(t.writable.map((w) => w.node.name), ["primary"]);
    assert.deepEqual(t.promoted, []);
    assert.equal(t.source?.node.name, "primary");
    assert.equal(t.asDeclared, true);
    assert.equal(describeWritable(t), "primary");
  });

  it("a promoted standby next to the declared primary: the primary stays the source", () => {
    const { nodes, snapshot } = healthy();
    const t = topologyOf(withNode(snapshot, 2, up(nodes[2], primaryState())));
    assert.deepEqual(t.promoted.map((w) => w.node.name), ["replica-2"]);
    assert.equal(t.source?.node.name, "primary");
    assert.equal(t.asDeclared, false);
    assert.equal(describeWritable(t), "primary, replica-2 (promoted)");
  });

  it("two promoted standbys and the primary down: no source to judge the standbys against", () => {
    const { nodes, snapshot } = healthy();
    let s = withNode(snapshot, 0, down(nodes[0]));
    s = withNode(s, 1, up(nodes[1], primaryState()));
    s = withNode(s, 2, up(nodes[2], primaryState()));
    const t = topologyOf(s);
    assert.deepEqual(t.promoted.map((w) => w.node.name), ["replica-1", "replica-2"]);
    assert.equal(t.source, null);
    assert.equal(describeWritable(t), "replica-1 (promoted), replica-2 (promoted)");
  });

  it("one promoted standby and the primary down: it is the source", () => {
    const { nodes, snapshot } = healthy();
    const t = topologyOf(withNode(withNode(snapshot, 0, down(nodes[0])), 1, up(nodes[1], primaryState())));
    assert.equal(t.source?.node.name, "replica-1");
    assert.equal(t.asDeclared, false);
  });

  it("nothing writable: no source, and reports say none", () => {
    const { nodes, snapshot } = healthy();
    const t = topologyOf(withNode(snapshot, 0, up(nodes[0], standbyState(0))));
    assert.deepEqual(t.writable, []);
    assert.equal(t.source, null);
    assert.equal(describeWritable(t), "none");
  });
});
