import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as pulumi from "@pulumi/pulumi";

import { RecordingMocks, valueOf } from "./mocks";

const mocks = new RecordingMocks();
pulumi.runtime.setMocks(mocks, "pg-replication", "dev", false);
pulumi.runtime.setAllConfig({
  "pg-replication:replicas": "2",
  "pg-replication:initSql": "CREATE TABLE users (id serial primary key);",
  "pg-replication:superuserPassword": "a-superuser-password",
}, ["pg-replication:superuserPassword"]);

type Program = typeof import("../../../index");

describe("the program (index.ts) with the dev stack's defaults", () => {
  let program: Program;
  before(async () => {
    program = await import("../../../index");
  });

  it("exports the primary's endpoint and container name as plain outputs", async () => {
    assert.equal(await valueOf(program.primaryHost), "127.0.0.1");
    assert.equal(await valueOf(program.primaryPort), 15432);
    assert.equal(await valueOf(program.primaryContainerName), "pg-dev-primary");
    assert.equal(await pulumi.isSecret(program.primaryPort), false);
  });

  it("exports each standby's name, port and slot", async () => {
    const replicas = await valueOf(program.replicas);
    assert.deepEqual(replicas.map((r) => [r.containerName, r.port, r.slot]), [
      ["pg-dev-replica-1", 15433, "replica_1"],
      ["pg-dev-replica-2", 15434, "replica_2"],
    ]);
  });

  it("exports connection strings only as secrets", async () => {
    assert.equal(await pulumi.isSecret(program.primaryConnectionString), true);
    assert.equal(await pulumi.isSecret(program.replicaConnectionStrings), true);
    assert.equal(await valueOf(program.primaryConnectionString), "postgresql://postgres:a-superuser-password@127.0.0.1:15432/postgres");
  });

  it("registers the component under its type token", () => {
    assert.ok(mocks.resources.some((r) => r.type === "pg-replication:index:Cluster" && r.name === "pg-dev"));
  });
});
