/**
 * The names a user types: `docker logs pg-dev-primary`, `docker start
 * pg-dev-replica-1` (docs/FAILURE-MODES.md), and the labels the day-2 scripts
 * and leftover searches filter on.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { discoverStandbys } from "../../../components/docker-shell";
import {
  labelsFor, networkName, primaryName, replicaAlias, replicaName, slotName, volumeName,
} from "../../../components/naming";

describe("names for stack dev", () => {
  it("are the ones the docs give: containers, volumes, network, aliases, slots", () => {
    assert.equal(primaryName("pg-dev"), "pg-dev-primary");
    assert.equal(replicaName("pg-dev", 1), "pg-dev-replica-1");
    assert.equal(replicaName("pg-dev", 12), "pg-dev-replica-12");
    assert.equal(volumeName(primaryName("pg-dev")), "pg-dev-primary-data");
    assert.equal(volumeName(replicaName("pg-dev", 2)), "pg-dev-replica-2-data");
    assert.equal(networkName("pg-dev"), "pg-dev-net");
    assert.equal(replicaAlias(2), "replica-2");
    assert.equal(slotName(2), "replica_2");
  });
});

describe("labels", () => {
  it("carry the stack, the cluster's prefix and the role", () => {
    assert.deepEqual(labelsFor("dev", "pg-dev", "replica"), [
      { label: "pg-replication.stack", value: "dev" },
      { label: "pg-replication.cluster", value: "pg-dev" },
      { label: "pg-replication.role", value: "replica" },
    ]);
  });

  it("are the ones the day-2 scripts find standbys by", () => {
    const filters = labelsFor("dev", "pg-dev", "replica").filter((l) => l.label !== "pg-replication.stack").map((l) => `label=${l.label}=${l.value}`);
    const discover = discoverStandbys("pg-dev");
    for (const filter of filters) assert.ok(discover.includes(`--filter '${filter}'`), `${discover} filters on ${filter}`);
  });
});
