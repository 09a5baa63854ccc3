import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextStepsAfterPromotion } from "../../../scripts/lib/rebuild";

describe("next steps after a promotion", () => {
  it("lists several other standbys comma-separated", () => {
    const steps = nextStepsAfterPromotion({ stack: "t", primaryContainerName: "pg-t-primary" }, { name: "replica-1", containerName: "pg-t-replica-1", endpoint: "127.0.0.1:25431" }, ["replica-2", "replica-3"]);
    assert.equal(steps[1], "The other standbys (replica-2, replica-3) still follow the old primary and do not replicate from replica-1.");
  });
});
