import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Check } from "../../../scripts/lib/check";
import { evaluate } from "../../../scripts/lib/checks";
import { down, healthy, loaded, primaryState, up, withNode } from "./fixtures";

const limits = { maxBytes: 16 * 1024 * 1024, maxMs: 30_000 };
const list = (checks: readonly Check[], node: string): string[] => checks.filter((c) => c.node === node).map((c) => `${c.name}: ${c.status}`);
const detail = (checks: readonly Check[], node: string, name: string): string | undefined => checks.find((c) => c.node === node && c.name === name)?.detail;

describe("which checks verify runs when the topology changed (mutation-testing follow-up)", () => {
  it("primary down, replica-1 promoted: replica-1 is the source, judged for nothing it would stream, and no primary-only checks run", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = withNode(withNode(snapshot, 0, down(nodes[0])), 1, up(nodes[1], primaryState({ timeline: 2, currentLsn: "0/3000200" })));
    const checks = evaluate(l.outputs, s, limits);
    assert.deepEqual(list(checks, "primary"), ["reachable: fail"]);
    assert.deepEqual(list(checks, "replica-1"), ["reachable: pass", "role: fail", "hot_standby: pass", "hot_standby_feedback: pass", "max_slot_wal_keep_size: pass", "replication: skip"]);
    assert.equal(detail(checks, "replica-1", "replication"), "not checked: this node is the writable primary now");
    assert.deepEqual(list(checks, "replica-2"), [
      "reachable: pass",
      "role: pass",
      "hot_standby: pass",
      "hot_standby_feedback: pass",
      "max_slot_wal_keep_size: pass",
      "replication: fail",
      "sync state: skip",
      "wal receiver: fail",
      "slot: fail",
      "lag: skip",
    ]);
  });

  it("primary down and nothing writable: the standbys' replication is skipped, not failed", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const checks = evaluate(l.outputs, withNode(snapshot, 0, down(nodes[0])), limits);
    for (const node of ["replica-1", "replica-2"]) {
      assert.deepEqual(list(checks, node), ["reachable: pass", "role: pass", "hot_standby: pass", "hot_standby_feedback: pass", "max_slot_wal_keep_size: pass", "replication: skip", "wal receiver: skip"]);
      assert.equal(detail(checks, node, "replication"), "not checked: no writable primary");
    }
  });
});
