import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { synchronousCapacity } from "../../../scripts/lib/sync";

describe("synchronous capacity with replication off", () => {
  it("needs no standby whatever count the outputs carry", () => {
    assert.deepEqual(synchronousCapacity("off", 1, ["replica_1", "replica_2"], new Set(["replica_1"])), { needed: 0, available: 0 });
  });
});
