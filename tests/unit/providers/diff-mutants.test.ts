/**
 * diff.ts, mutation-testing follow-up: the SDKv2 zero values, how values are
 * normalised before they are compared (object key order, zero members, set
 * vs list order), the DiffSuppressFunc seeing the OLD state, and
 * pulumi-go-provider infer's diff of old inputs (unknowns, list growth,
 * `version` and `__*` keys dropped).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { diffInputs, diffState, isZero } from "../../providers/diff";
import { networkType } from "../../providers/docker/network";
import { CONTAINER_TABLE, REMOTE_IMAGE_TABLE } from "../../providers/docker/tables";
import { UNKNOWN } from "../../providers/values";

const NONE = { changes: [], deleteBeforeReplace: false };

describe("isZero: Terraform SDKv2 keeps no difference between absent and the zero value", () => {
  it("null, undefined, \"\", 0, false, [] and {} are zero; anything else is not", () => {
    for (const zero of [undefined, null, "", 0, false, [], {}]) assert.equal(isZero(zero), true, JSON.stringify(zero));
    for (const value of [" ", "0", "false", 1, -1, true, [0], [""], { a: 0 }]) assert.equal(isZero(value), false, JSON.stringify(value));
  });

  it("a state holding \"\" or false for an input now absent does not diff (remote image after Read)", () => {
    const state = { name: "postgres:17", keepLocally: false, forceRemove: false, platform: "", imageId: "sha256:0123", repoDigest: "" };
    assert.deepEqual(diffState(REMOTE_IMAGE_TABLE, state, { name: "postgres:17" }, false), NONE);
    // ...but a non-zero value now absent is a delete.
    assert.deepEqual(diffState(REMOTE_IMAGE_TABLE, { ...state, keepLocally: true }, { name: "postgres:17" }, false),
      { changes: [{ path: "keepLocally", kind: "delete" }], deleteBeforeReplace: false });
  });
});

describe("diffState: what counts as the same value", () => {
  it("ignores the key order inside set elements", () => {
    const state = { networksAdvanced: [{ name: "pg-net", aliases: ["primary"] }] };
    assert.deepEqual(diffState(CONTAINER_TABLE, state, { networksAdvanced: [{ aliases: ["primary"], name: "pg-net" }] }, true), NONE);
  });

  it("ignores a zero-valued member a set element has in the state and not in the inputs", () => {
    const state = { volumes: [{ volumeName: "data", containerPath: "/var/lib/postgresql/data", readOnly: false }] };
    assert.deepEqual(diffState(CONTAINER_TABLE, state, { volumes: [{ volumeName: "data", containerPath: "/var/lib/postgresql/data" }] }, true), NONE);
  });

  it("keeps list order significant for a TypeList (command), unlike a TypeSet", () => {
    assert.deepEqual(diffState(CONTAINER_TABLE, { command: ["postgres", "-c"] }, { command: ["-c", "postgres"] }, true),
      { changes: [{ path: "command", kind: "update-replace" }], deleteBeforeReplace: true });
  });

  it("keeps list order significant inside a nested block member (healthcheck.tests)", () => {
    const hc = (tests: string[]): { healthcheck: { tests: string[]; interval: string } } => ({ healthcheck: { tests, interval: "1s" } });
    assert.deepEqual(diffState(CONTAINER_TABLE, hc(["CMD-SHELL", "pg_isready"]), hc(["pg_isready", "CMD-SHELL"]), true),
      { changes: [{ path: "healthcheck.tests", kind: "update" }], deleteBeforeReplace: false });
  });

  it("hands the old state to the DiffSuppressFunc: reordered ports do not diff, a changed external port replaces", () => {
    const a = { internal: 5432, external: 26433, ip: "127.0.0.1", protocol: "tcp" };
    const b = { internal: 8008, external: 26434, ip: "127.0.0.1", protocol: "tcp" };
    assert.deepEqual(diffState(CONTAINER_TABLE, { ports: [a, b] }, { ports: [b, a] }, true), NONE);
    assert.deepEqual(diffState(CONTAINER_TABLE, { ports: [a, b] }, { ports: [a, { ...b, external: 26435 }] }, true),
      { changes: [{ path: "ports", kind: "update-replace" }], deleteBeforeReplace: true });
  });

  it("does not fail on a null element of a set (a network's labels as sent)", () => {
    const net = { name: "pg-net", driver: "bridge", ipamDriver: "default", labels: [null] };
    assert.deepEqual(networkType.diff(net, net, net), NONE);
  });
});

describe("diffInputs (command): pulumi-go-provider infer's diff", () => {
  it("an input unknown in a preview is an add when it was absent, an update when set; triggers replace", () => {
    assert.deepEqual(diffInputs({ create: "x" }, { create: "x", stdin: UNKNOWN }, ["triggers"]),
      { changes: [{ path: "stdin", kind: "add" }], deleteBeforeReplace: false });
    assert.deepEqual(diffInputs({ create: "x" }, { create: UNKNOWN }, ["triggers"]).changes, [{ path: "create", kind: "update" }]);
    assert.deepEqual(diffInputs({}, { triggers: UNKNOWN }, ["triggers"]).changes, [{ path: "triggers", kind: "add-replace" }]);
  });

  it("reports every element of a list that grew or shrank", () => {
    assert.deepEqual(diffInputs({ triggers: ["a"] }, { triggers: ["a", "b"] }, ["triggers"]).changes, [{ path: "triggers[1]", kind: "add" }]);
    assert.deepEqual(diffInputs({ triggers: ["a", "b", "c"] }, { triggers: ["a"] }, ["triggers"]).changes,
      [{ path: "triggers[1]", kind: "delete" }, { path: "triggers[2]", kind: "delete" }]);
  });

  it("drops `version` and every `__`-prefixed key (infer/resource.go diff)", () => {
    const olds = { create: "x", version: "1.2.0", __defaults: [] };
    const news = { create: "x", version: "1.2.1", __defaults: ["create"], __internal: "y" };
    assert.deepEqual(diffInputs(olds, news, ["triggers"]), NONE);
    // A key that only ends with "__" or merely contains "version" is an input like any other.
    assert.deepEqual(diffInputs({ create: "x" }, { create: "x", dir__: "/", versions: "2" }, ["triggers"]).changes,
      [{ path: "dir__", kind: "add" }, { path: "versions", kind: "add" }]);
  });
});
