import assert from "node:assert/strict";
import { describe, it } from "node:test";

import * as pulumi from "@pulumi/pulumi";

import { RecordingMocks } from "./mocks";

const mocks = new RecordingMocks();
pulumi.runtime.setMocks(mocks, "pg-replication", "dev", true);
pulumi.runtime.setAllConfig({ "pg-replication:replicas": "0", "pg-replication:superuserPassword": "short" }, ["pg-replication:superuserPassword"]);

describe("the program with invalid config", () => {
  it("fails at preview with a one-line RunError naming the key, before creating anything", async () => {
    await assert.rejects(import("../../../index"), (error: unknown) => {
      assert.ok(error instanceof pulumi.RunError, "RunError: Pulumi prints its message without a stack trace");
      assert.equal(error.message, "pg-replication:replicas: 0 is out of range; allowed: 1 to 8");
      return true;
    });
    assert.equal(mocks.resources.length, 0);
  });
});
