import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { byNode, pass, type Check } from "../../../scripts/lib/check";

describe("report order of checks (mutation-testing follow-up)", () => {
  it("puts cluster checks first, then the nodes in declared order, unknown nodes last, each node's checks in their own order", () => {
    const c = (node: string, name: string): Check => pass(node, name, "");
    const checks = [c("replica-2", "a"), c("other", "x"), c("primary", "b"), c("cluster", "c"), c("replica-1", "d"), c("primary", "e"), c("cluster", "f"), c("replica-2", "g"), c("primary", "h")];
    assert.deepEqual(
      byNode(checks, ["primary", "replica-1", "replica-2"]).map((x) => `${x.node}/${x.name}`),
      ["cluster/c", "cluster/f", "primary/b", "primary/e", "primary/h", "replica-1/d", "replica-2/a", "replica-2/g", "other/x"],
    );
  });
});
