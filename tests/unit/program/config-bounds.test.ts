/**
 * The edges of the stack configuration: each bound accepted exactly at its
 * limit and refused one past it, what an empty value means, and the exact
 * message where the message is what tells the user what to set instead.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CONFIG_KEYS, ConfigError, defaultPrefix, parseConfig, type RawConfig } from "../../../components/config";
import { fileSettings } from "../../../components/settings";

const parse = (raw: RawConfig) => parseConfig(raw, "dev");

/** Asserts that `raw` is refused with exactly this one-line message. */
function refused(raw: RawConfig, message: string): void {
  assert.throws(() => parse(raw), (error: unknown) => {
    assert.ok(error instanceof ConfigError, `a ConfigError, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

describe("an empty value", () => {
  it("means the default, for every key (pulumi config set KEY \"\" clears it)", () => {
    const empty = Object.fromEntries(CONFIG_KEYS.map((key) => [key, ""]));
    assert.deepEqual(parse(empty), parse({}));
  });
});

describe("whole numbers", () => {
  it("are accepted at both ends of their range", () => {
    assert.equal(parse({ replicas: "1" }).replicas, 1);
    assert.equal(parse({ replicas: "8" }).replicas, 8);
    const ports = parse({ primaryPort: "65535", firstReplicaPort: "1024" });
    assert.deepEqual([ports.primaryPort, ports.firstReplicaPort], [65535, 1024]);
    const floor = parse({ replicas: "3", maxWalSenders: "5", maxReplicationSlots: "3" });
    assert.deepEqual([floor.maxWalSenders, floor.maxReplicationSlots], [5, 3]);
    const ceiling = parse({ maxWalSenders: "1000", maxReplicationSlots: "1000" });
    assert.deepEqual([ceiling.maxWalSenders, ceiling.maxReplicationSlots], [1000, 1000]);
  });

  it("may carry surrounding spaces", () => {
    assert.equal(parse({ replicas: " 3 " }).replicas, 3);
  });

  it("are refused one past the range, with the range in the message", () => {
    refused({ replicas: "9" }, "pg-replication:replicas: 9 is out of range; allowed: 1 to 8");
    refused({ primaryPort: "1023" }, "pg-replication:primaryPort: 1023 is out of range; allowed: 1024 to 65535");
  });
});

describe("standby ports", () => {
  it("may run up to 65535", () => {
    const c = parse({ replicas: "3", firstReplicaPort: "65533" });
    assert.equal(c.firstReplicaPort, 65533);
    refused({ replicas: "3", firstReplicaPort: "65534" }, "pg-replication:firstReplicaPort: 65534 is out of range; allowed: 1024 to 65533");
  });

  it("may lie just before or just after the primary's port, or anywhere below or above it", () => {
    assert.equal(parse({ replicas: "2", primaryPort: "20002", firstReplicaPort: "20000" }).firstReplicaPort, 20000);
    assert.equal(parse({ replicas: "2", primaryPort: "19999", firstReplicaPort: "20000" }).firstReplicaPort, 20000);
    assert.equal(parse({ primaryPort: "30000", firstReplicaPort: "20000" }).firstReplicaPort, 20000);
  });

  it("are refused when the first or the last standby takes the primary's port, with the clashing range", () => {
    refused({ primaryPort: "20000", firstReplicaPort: "20000" },
      "pg-replication:firstReplicaPort: 20000 makes standby ports 20000-20000 clash with primaryPort 20000; allowed: a range that leaves out 20000");
    refused({ replicas: "3", primaryPort: "20002", firstReplicaPort: "20000" },
      "pg-replication:firstReplicaPort: 20000 makes standby ports 20000-20002 clash with primaryPort 20002; allowed: a range that leaves out 20002");
  });
});

describe("bindAddress", () => {
  it("accepts any IPv4 address, octets up to 255", () => {
    assert.equal(parse({ bindAddress: "10.0.255.1" }).bindAddress, "10.0.255.1");
    assert.equal(parse({ bindAddress: "0.0.0.0" }).bindAddress, "0.0.0.0");
  });

  it("refuses three or five parts, and spaces Docker would not take", () => {
    for (const bad of ["127.0.0", "127.0.0.1.5", " 127.0.0.1", "127.0.0.1 "]) {
      refused({ bindAddress: bad },
        `pg-replication:bindAddress: ${JSON.stringify(bad)} is not an IPv4 address; allowed: an address of this host such as 127.0.0.1 (the default) or 0.0.0.0 for all interfaces`);
    }
  });
});

describe("namePrefix", () => {
  it("accepts lower-case letters, digits and '-' up to 40 characters", () => {
    assert.equal(parse({ namePrefix: "pg-prod" }).namePrefix, "pg-prod");
    assert.equal(parse({ namePrefix: "a" }).namePrefix, "a");
    assert.equal(parse({ namePrefix: "a".repeat(40) }).namePrefix, "a".repeat(40));
  });

  it("refuses 41 characters", () => {
    refused({ namePrefix: "a".repeat(41) },
      `pg-replication:namePrefix: "${"a".repeat(41)}" is not allowed; allowed: lower-case letters, digits and '-', starting with a letter or digit, at most 40 characters`);
  });
});

describe("the default name prefix", () => {
  it("turns each run of other characters into one '-'", () => {
    assert.equal(defaultPrefix("a__b"), "pg-a-b");
  });

  it("drops '-' at either end, however many", () => {
    assert.equal(defaultPrefix("--dev"), "pg-dev");
    assert.equal(defaultPrefix("dev--"), "pg-dev");
    assert.equal(defaultPrefix("_dev_"), "pg-dev");
  });

  it("is pg-stack when nothing of the stack name is left", () => {
    assert.equal(defaultPrefix("___"), "pg-stack");
  });

  it("is cut to the 40 characters namePrefix allows", () => {
    assert.equal(defaultPrefix("a".repeat(60)), `pg-${"a".repeat(37)}`);
  });
});

describe("sizes", () => {
  it("refuse anything before or after the number and unit, which PostgreSQL would refuse at start", () => {
    refused({ walKeepSize: "-128MB" },
      'pg-replication:walKeepSize: "-128MB" is not a size; allowed: a positive whole number with a unit kB, MB, GB or TB, such as 128MB');
    refused({ walKeepSize: "128MBs" },
      'pg-replication:walKeepSize: "128MBs" is not a size; allowed: a positive whole number with a unit kB, MB, GB or TB, such as 128MB');
  });

  it("take -1 for no limit on maxSlotWalKeepSize only, and say so", () => {
    assert.equal(parse({ maxSlotWalKeepSize: "-1" }).maxSlotWalKeepSize, "-1");
    refused({ maxSlotWalKeepSize: "1G" },
      'pg-replication:maxSlotWalKeepSize: "1G" is not a size; allowed: a positive whole number with a unit kB, MB, GB or TB, such as 128MB, or -1 for no limit');
    refused({ walKeepSize: "-1" },
      'pg-replication:walKeepSize: "-1" is not a size; allowed: a positive whole number with a unit kB, MB, GB or TB, such as 128MB');
  });
});

describe("postgresSettings", () => {
  it("accepts an extension's dotted setting name", () => {
    assert.deepEqual(parse({ postgresSettings: '{"auto_explain.log_min_duration":"250ms"}' }).postgresSettings, { "auto_explain.log_min_duration": "250ms" });
  });

  it("refuses a name with other characters after a valid start", () => {
    refused({ postgresSettings: '{"work-mem":"16MB"}' },
      'pg-replication:postgresSettings: setting name "work-mem" is not valid; allowed: lower-case PostgreSQL setting names such as work_mem');
  });

  it("refuses JSON that is not an object with the same one-line message (not a TypeError)", () => {
    for (const value of ["null", "5", "true", '"work_mem=16MB"']) {
      refused({ postgresSettings: value },
        `pg-replication:postgresSettings: ${JSON.stringify(value)} is not a JSON object; allowed: an object of PostgreSQL settings such as {"work_mem":"16MB"}`);
    }
  });

  /** Settings a config key owns: the message names the key, and that key does set the setting. */
  const byKey: Array<[string, string, RawConfig, string]> = [
    ["wal_keep_size", "walKeepSize", { walKeepSize: "256MB" }, "256MB"],
    ["max_slot_wal_keep_size", "maxSlotWalKeepSize", { maxSlotWalKeepSize: "2GB" }, "2GB"],
    ["max_wal_senders", "maxWalSenders", { maxWalSenders: "12" }, "12"],
    ["max_replication_slots", "maxReplicationSlots", { maxReplicationSlots: "12" }, "12"],
    ["synchronous_commit", "synchronousCommit", { syncMode: "first", synchronousCommit: "remote_write" }, "remote_write"],
  ];
  for (const [setting, key, raw, value] of byKey) {
    it(`sends ${setting} to ${key}, which sets it`, () => {
      refused({ postgresSettings: JSON.stringify({ [setting]: "x" }) }, `pg-replication:postgresSettings: ${setting} is managed by the program; use ${key}`);
      assert.equal(fileSettings(parse(raw))[setting], value);
    });
  }

  /** Every other setting the program owns, and what the message tells the user about it. */
  const owned: Array<[string, string]> = [
    ["listen_addresses", "bindAddress (the server always listens inside its container)"],
    ["port", "primaryPort / firstReplicaPort (the server always uses 5432 inside its container)"],
    ["synchronous_standby_names", "syncMode and syncCount"],
    ["wal_level", "nothing: physical replication needs wal_level=replica"],
    ["hot_standby", "nothing: standbys are always hot"],
    ["hot_standby_feedback", "nothing: it is always on"],
    ["hba_file", "nothing: the program writes pg_hba itself"],
    ["ident_file", "nothing: the program writes pg_ident itself"],
    ["data_directory", "nothing"],
    ["config_file", "nothing: the program writes pg-replication.conf itself"],
    ["wal_log_hints", "nothing: it is always on, so pg_rewind can bring an old primary back"],
    ["wal_retrieve_retry_interval", "nothing: standbys retry streaming every second"],
    ["cluster_name", "nothing: it names each standby in pg_stat_replication"],
    ["primary_conninfo", "nothing: the base backup writes it"],
    ["primary_slot_name", "nothing: each standby uses slot replica_<n>"],
    ["password_encryption", "nothing: it is always scram-sha-256"],
  ];
  it("says for every other setting it owns what to use instead, or why nothing", () => {
    for (const [setting, owner] of owned) {
      refused({ postgresSettings: JSON.stringify({ [setting]: "x" }) }, `pg-replication:postgresSettings: ${setting} is managed by the program; use ${owner}`);
    }
    for (const key of ["bindAddress", "primaryPort", "firstReplicaPort", "syncMode", "syncCount"]) {
      assert.ok((CONFIG_KEYS as readonly string[]).includes(key), `${key} is a config key`);
    }
  });
});

describe("user names", () => {
  it("say what a valid replication user looks like", () => {
    refused({ replicationUser: "Repl" }, 'pg-replication:replicationUser: "Repl" is not allowed; allowed: a lower-case identifier such as replicator');
  });
});

describe("syncCount while syncMode is off", () => {
  it("is refused as having no effect, whatever its value", () => {
    refused({ syncCount: "2" }, "pg-replication:syncCount: has no effect while syncMode is off; allowed: leave it unset, or set syncMode to first or any");
  });
});

describe("a password given in config", () => {
  it("of exactly 12 characters is accepted", () => {
    assert.doesNotThrow(() => parse({ superuserPassword: "123456789012" }));
  });

  it("of 11 is refused with its length and what to do, never its value", () => {
    refused({ superuserPassword: "12345678901" },
      "pg-replication:superuserPassword: the secret is too short (11 characters); allowed: at least 12 characters, or leave it unset to generate one");
  });
});

describe("an unknown key", () => {
  it("is refused with the list of keys there are", () => {
    refused({ replica: "2" },
      "pg-replication:replica: unknown key; allowed keys: image, replicas, primaryPort, firstReplicaPort, bindAddress, namePrefix, "
      + "database, superuser, replicationUser, syncMode, syncCount, synchronousCommit, walKeepSize, maxSlotWalKeepSize, "
      + "maxWalSenders, maxReplicationSlots, postgresSettings, initSql, superuserPassword, replicationPassword");
  });
});
