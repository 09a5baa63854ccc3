/**
 * docker/tables.ts, mutation-testing follow-up: the TypeSet and
 * Optional+Computed flags of kreuzwerker v4.5.0's schemas, the user /
 * working_dir DiffSuppressFunc ("" is a no-op), and
 * suppressIfPortsDidNotChangeForMigrationV0ToV1 case by case.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { diffState } from "../../providers/diff";
import { CONTAINER_TABLE, NETWORK_TABLE, VOLUME_TABLE, portsUnchanged } from "../../providers/docker/tables";
import type { PropertyMap } from "../../providers/values";

const NONE = { changes: [], deleteBeforeReplace: false };
const container = (state: PropertyMap, news: PropertyMap): ReturnType<typeof diffState> => diffState(CONTAINER_TABLE, state, news, true);

describe("docker tables: TypeSet properties ignore element order", () => {
  it("container volumes, networksAdvanced, uploads and envs; network labels and ipamConfigs; volume labels", () => {
    for (const [key, a, b] of [
      ["volumes", { volumeName: "a", containerPath: "/a" }, { volumeName: "b", containerPath: "/b" }],
      ["networksAdvanced", { name: "n1" }, { name: "n2" }],
      ["uploads", { file: "/a", content: "a" }, { file: "/b", content: "b" }],
      ["envs", "A=1", "B=2"],
    ] as const) {
      assert.deepEqual(container({ [key]: [a, b] }, { [key]: [b, a] }), NONE, key);
    }
    const labels = [{ label: "a", value: "1" }, { label: "b", value: "2" }];
    const ipam = [{ subnet: "10.0.0.0/24" }, { subnet: "10.0.1.0/24" }];
    assert.deepEqual(diffState(NETWORK_TABLE, { labels, ipamConfigs: ipam }, { labels: [...labels].reverse(), ipamConfigs: [...ipam].reverse() }, false), NONE);
    assert.deepEqual(diffState(VOLUME_TABLE, { labels }, { labels: [...labels].reverse() }, false), NONE);
  });
});

describe("docker tables: Optional+Computed properties absent from the inputs keep the state's value", () => {
  it("container envs and labels (the state's value stands, no diff)", () => {
    assert.deepEqual(container({ envs: ["A=1"], labels: [{ label: "a", value: "1" }] }, {}), NONE);
  });
});

describe("docker tables: user and workingDir treat a new \"\" as no change", () => {
  for (const key of ["user", "workingDir"]) {
    it(`${key}: "" or absent keeps the old value; another value replaces`, () => {
      assert.deepEqual(container({ [key]: "postgres" }, { [key]: "" }), NONE);
      assert.deepEqual(container({ [key]: "postgres" }, {}), NONE);
      assert.deepEqual(container({ [key]: "postgres" }, { [key]: "root" }), { changes: [{ path: key, kind: "update-replace" }], deleteBeforeReplace: true });
      assert.deepEqual(container({}, { [key]: "root" }), { changes: [{ path: key, kind: "add-replace" }], deleteBeforeReplace: true });
    });
  }
});

describe("portsUnchanged (suppressIfPortsDidNotChangeForMigrationV0ToV1)", () => {
  const port = (internal: number, external: number, protocol = "tcp", ip = "127.0.0.1"): PropertyMap => ({ internal, external, ip, protocol });

  it("every old port must be unchanged, not just one", () => {
    assert.equal(portsUnchanged([port(5432, 1), port(8008, 2)], [port(5432, 1), port(8008, 3)]), false);
  });

  it("a changed protocol, ip or internal port is a change", () => {
    assert.equal(portsUnchanged([port(5432, 1, "tcp")], [port(5432, 1, "udp")]), false);
    assert.equal(portsUnchanged([port(5432, 1, "tcp", "127.0.0.1")], [port(5432, 1, "tcp", "0.0.0.0")]), false);
    assert.equal(portsUnchanged([port(5432, 1)], [port(5433, 1)]), false);
  });

  it("one internal port on tcp and udp, reordered, is no change (containsPortWithProtocol)", () => {
    const tcp = port(53, 5353, "tcp");
    const udp = port(53, 5354, "udp");
    assert.equal(portsUnchanged([tcp, udp], [udp, tcp]), true);
    assert.equal(portsUnchanged([tcp, udp], [udp, { ...tcp, external: 5355 }]), false);
  });
});
