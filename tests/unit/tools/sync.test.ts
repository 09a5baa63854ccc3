import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { expectedSyncStates, synchronousCapacity } from "../../../scripts/lib/sync";

const names = ["replica_1", "replica_2", "replica_3"];
const all = new Set(names);

describe("expected sync_state per standby", () => {
  it("off: every standby is async", () => {
    assert.deepEqual([...expectedSyncStates("off", 0, names, all)], [
      ["replica_1", "async"],
      ["replica_2", "async"],
      ["replica_3", "async"],
    ]);
  });

  it("first k: the first k standbys in order are sync, the others potential", () => {
    assert.deepEqual([...expectedSyncStates("first", 1, names, all).values()], ["sync", "potential", "potential"]);
    assert.deepEqual([...expectedSyncStates("first", 2, names, all).values()], ["sync", "sync", "potential"]);
  });

  it("first k: a standby that is not streaming gives its place to the next one", () => {
    const without1 = new Set(["replica_2", "replica_3"]);
    assert.deepEqual([...expectedSyncStates("first", 1, names, without1)], [
      ["replica_1", "potential"],
      ["replica_2", "sync"],
      ["replica_3", "potential"],
    ]);
  });

  it("any k: every standby is quorum", () => {
    assert.deepEqual([...expectedSyncStates("any", 2, names, all).values()], ["quorum", "quorum", "quorum"]);
  });
});

describe("synchronous capacity", () => {
  it("asynchronous replication needs no standby", () => {
    assert.deepEqual(synchronousCapacity("off", 0, names, new Set()), { needed: 0, available: 0 });
  });

  it("counts the streaming standbys against the number commits wait for", () => {
    assert.deepEqual(synchronousCapacity("first", 2, names, new Set(["replica_3"])), { needed: 2, available: 1 });
    assert.deepEqual(synchronousCapacity("any", 1, names, all), { needed: 1, available: 3 });
  });
});
