import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigError, defaultPrefix, parseConfig, type RawConfig } from "../../../components/config";

const parse = (raw: RawConfig) => parseConfig(raw, "dev");

describe("config defaults", () => {
  it("reproduce the original project: one standby, ports 15432/15433, bound to 127.0.0.1", () => {
    const c = parse({});
    assert.equal(c.image, "postgres:17");
    assert.equal(c.replicas, 1);
    assert.equal(c.primaryPort, 15432);
    assert.equal(c.firstReplicaPort, 15433);
    assert.equal(c.bindAddress, "127.0.0.1");
    assert.equal(c.namePrefix, "pg-dev");
    assert.equal(c.syncMode, "off");
    assert.equal(c.synchronousCommit, "on");
    assert.equal(c.walKeepSize, "128MB");
    assert.equal(c.maxSlotWalKeepSize, "1GB");
    assert.equal(c.replicationUser, "replicator");
  });

  it("put the first standby right after a custom primary port", () => {
    assert.equal(parse({ primaryPort: "25000" }).firstReplicaPort, 25001);
  });

  it("derive a container-safe prefix from the stack name", () => {
    assert.equal(defaultPrefix("My_Stack.1"), "pg-my-stack-1");
  });

  it("accept extra settings as a JSON object of scalars", () => {
    const c = parse({ postgresSettings: '{"work_mem":"16MB","max_connections":200,"jit":false}' });
    assert.deepEqual(c.postgresSettings, { work_mem: "16MB", max_connections: "200", jit: "false" });
  });

  it("accept synchronous modes with a count up to the number of standbys", () => {
    const c = parse({ replicas: "3", syncMode: "any", syncCount: "2", synchronousCommit: "remote_apply" });
    assert.equal(c.syncMode, "any");
    assert.equal(c.syncCount, 2);
    assert.equal(c.synchronousCommit, "remote_apply");
  });
});

/** [what is wrong, config, key that must be named, text the message must contain] */
const invalid: Array<[string, RawConfig, string, string]> = [
  ["replicas not a number", { replicas: "two" }, "replicas", '"two" is not a whole number'],
  ["replicas zero", { replicas: "0" }, "replicas", "allowed: 1 to 8"],
  ["replicas too many", { replicas: "9" }, "replicas", "allowed: 1 to 8"],
  ["replicas fractional", { replicas: "1.5" }, "replicas", "not a whole number"],
  ["primary port privileged", { primaryPort: "80" }, "primaryPort", "allowed: 1024 to 65535"],
  ["primary port too high", { primaryPort: "70000" }, "primaryPort", "out of range"],
  ["standby port clashes with primary", { replicas: "3", primaryPort: "15434", firstReplicaPort: "15433" }, "firstReplicaPort", "clash with primaryPort 15434"],
  ["standby ports run past 65535", { replicas: "3", firstReplicaPort: "65534" }, "firstReplicaPort", "out of range"],
  ["bind address not an address", { bindAddress: "localhost" }, "bindAddress", "not an IPv4 address"],
  ["bind address octet too big", { bindAddress: "127.0.0.256" }, "bindAddress", "not an IPv4 address"],
  ["prefix with upper case", { namePrefix: "PG" }, "namePrefix", "lower-case letters"],
  ["prefix with a slash", { namePrefix: "pg/dev" }, "namePrefix", "lower-case letters"],
  ["database with a quote", { database: "app'; drop" }, "database", "lower-case identifier"],
  ["superuser starting with a digit", { superuser: "1admin" }, "superuser", "lower-case identifier"],
  ["replication user equal to superuser", { replicationUser: "postgres" }, "replicationUser", "also the superuser"],
  ["unknown sync mode", { syncMode: "sync" }, "syncMode", "allowed: off | first | any"],
  ["sync count above standbys", { syncMode: "first", syncCount: "2" }, "syncCount", "more than the 1 standby(s)"],
  ["sync count without sync mode", { syncCount: "1" }, "syncCount", "no effect while syncMode is off"],
  ["remote_apply without sync mode", { synchronousCommit: "remote_apply" }, "synchronousCommit", "waits for no standby"],
  ["unknown synchronous_commit", { syncMode: "first", synchronousCommit: "local" }, "synchronousCommit", "allowed: on | remote_write | remote_apply"],
  ["wal keep size without unit", { walKeepSize: "128" }, "walKeepSize", "not a size"],
  ["wal keep size negative", { walKeepSize: "-1" }, "walKeepSize", "not a size"],
  ["slot cap in bytes unit", { maxSlotWalKeepSize: "1G" }, "maxSlotWalKeepSize", "kB, MB, GB or TB"],
  ["too few WAL senders", { replicas: "3", maxWalSenders: "4" }, "maxWalSenders", "allowed: 5 to 1000"],
  ["too few slots", { replicas: "3", maxReplicationSlots: "2" }, "maxReplicationSlots", "allowed: 3 to 1000"],
  ["settings not JSON", { postgresSettings: "work_mem=16MB" }, "postgresSettings", "not a JSON object"],
  ["settings an array", { postgresSettings: "[1]" }, "postgresSettings", "not a JSON object"],
  ["settings override a managed key", { postgresSettings: '{"wal_level":"logical"}' }, "postgresSettings", "wal_level is managed by the program"],
  ["settings with a bad name", { postgresSettings: '{"Work Mem":"1"}' }, "postgresSettings", "is not valid"],
  ["settings with a nested value", { postgresSettings: '{"work_mem":{"a":1}}' }, "postgresSettings", "must be a string, number or boolean"],
  ["image with spaces", { image: "postgres 17" }, "image", "Docker image reference"],
  ["misspelt key", { replica: "2" }, "replica", "unknown key"],
];

describe("invalid config is rejected with the key named", () => {
  for (const [what, raw, key, text] of invalid) {
    it(`${what}: names pg-replication:${key}`, () => {
      assert.throws(() => parse(raw), (error: unknown) => {
        assert.ok(error instanceof ConfigError, "a ConfigError");
        assert.equal(error.key, key);
        assert.ok(error.message.startsWith(`pg-replication:${key}: `), error.message);
        assert.ok(error.message.includes(text), `"${error.message}" should contain "${text}"`);
        assert.ok(!error.message.includes("\n"), "one line");
        return true;
      });
    });
  }
});

describe("passwords given in config", () => {
  it("are checked without echoing the value", () => {
    const secret = "short'pw";
    assert.throws(() => parse({ superuserPassword: secret }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.key, "superuserPassword");
      assert.ok(!error.message.includes(secret), "the secret must not be in the message");
      return true;
    });
  });

  it("may not span lines", () => {
    assert.throws(() => parse({ replicationPassword: "line-one-is-long\nline-two" }), /replicationPassword: .*line break/);
  });

  it("of 12 or more characters on one line are accepted", () => {
    assert.doesNotThrow(() => parse({ superuserPassword: "correct horse battery", replicationPassword: "a:b\\c'd\"e$f`g" }));
  });
});
