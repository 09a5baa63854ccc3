import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSyncStandbyNames, settingMatches, type ServerSetting } from "../../../scripts/lib/settings";

const setting = (name: string, value: string, vartype: string, unit: string | null = null): ServerSetting => ({ name, setting: value, unit, vartype, shown: value });

describe("declared settings against pg_settings", () => {
  it("compares sizes in the setting's unit: 1GB declared is 1024 in unit MB", () => {
    const s = setting("max_slot_wal_keep_size", "1024", "integer", "MB");
    assert.equal(settingMatches("1GB", s), true);
    assert.equal(settingMatches("1024MB", s), true);
    assert.equal(settingMatches("1024", s), true);
    assert.equal(settingMatches("2GB", s), false);
  });

  it("understands block units such as 8kB (shared_buffers 128MB is 16384 blocks)", () => {
    const s = setting("shared_buffers", "16384", "integer", "8kB");
    assert.equal(settingMatches("128MB", s), true);
    assert.equal(settingMatches("16384", s), true);
    assert.equal(settingMatches("64MB", s), false);
  });

  it("compares -1 (no limit) as a number, not as a size", () => {
    assert.equal(settingMatches("-1", setting("max_slot_wal_keep_size", "-1", "integer", "MB")), true);
    assert.equal(settingMatches("1GB", setting("max_slot_wal_keep_size", "-1", "integer", "MB")), false);
  });

  it("understands time units (checkpoint_timeout 5min is 300 s)", () => {
    const s = setting("checkpoint_timeout", "300", "integer", "s");
    assert.equal(settingMatches("5min", s), true);
    assert.equal(settingMatches("300s", s), true);
    assert.equal(settingMatches("300000ms", s), true);
    assert.equal(settingMatches("1h", s), false);
  });

  it("treats a unit PostgreSQL would reject as a mismatch (units are case-sensitive)", () => {
    assert.equal(settingMatches("1gb", setting("max_slot_wal_keep_size", "1024", "integer", "MB")), false);
    assert.equal(settingMatches("1s", setting("max_slot_wal_keep_size", "1024", "integer", "MB")), false);
  });

  it("accepts every spelling of a boolean", () => {
    const on = setting("hot_standby", "on", "bool");
    for (const v of ["on", "ON", "true", "yes", "1"]) assert.equal(settingMatches(v, on), true, v);
    for (const v of ["off", "false", "0", "maybe"]) assert.equal(settingMatches(v, on), false, v);
  });

  it("compares enums case-insensitively and strings exactly", () => {
    assert.equal(settingMatches("REPLICA", setting("wal_level", "replica", "enum")), true);
    assert.equal(settingMatches("logical", setting("wal_level", "replica", "enum")), false);
    assert.equal(settingMatches("/etc/pg-replication/pg_hba.conf", setting("hba_file", "/etc/pg-replication/pg_hba.conf", "string")), true);
    assert.equal(settingMatches("/etc/hba.conf", setting("hba_file", "/etc/pg-replication/pg_hba.conf", "string")), false);
  });

  it("compares synchronous_standby_names by meaning, not spelling", () => {
    const s = setting("synchronous_standby_names", 'FIRST 1 ("replica_1", "replica_2")', "string");
    assert.equal(settingMatches('first 1 (replica_1,replica_2)', s), true);
    assert.equal(settingMatches('FIRST 1 ("replica_2", "replica_1")', s), false, "order is priority");
    assert.equal(settingMatches('ANY 1 ("replica_1", "replica_2")', s), false);
    assert.equal(settingMatches("", setting("synchronous_standby_names", "", "string")), true);
  });
});

describe("parsing synchronous_standby_names", () => {
  it("empty means no synchronous standbys", () => {
    assert.deepEqual(parseSyncStandbyNames("  "), { method: "none", num: 0, names: [] });
  });

  it("reads FIRST and ANY with quoted names", () => {
    assert.deepEqual(parseSyncStandbyNames('FIRST 2 ("replica_1", "replica_2", "replica_3")'), { method: "first", num: 2, names: ["replica_1", "replica_2", "replica_3"] });
    assert.deepEqual(parseSyncStandbyNames('ANY 1 ("a", b)'), { method: "any", num: 1, names: ["a", "b"] });
  });

  it("reads the older forms: `k (names)` is FIRST k, a bare list is FIRST 1", () => {
    assert.deepEqual(parseSyncStandbyNames("2 (a, b)"), { method: "first", num: 2, names: ["a", "b"] });
    assert.deepEqual(parseSyncStandbyNames("a, b"), { method: "first", num: 1, names: ["a", "b"] });
    assert.deepEqual(parseSyncStandbyNames("*"), { method: "first", num: 1, names: ["*"] });
  });

  it("unescapes doubled quotes and keeps commas inside quotes", () => {
    assert.deepEqual(parseSyncStandbyNames('FIRST 1 ("a,b", "say ""hi""")'), { method: "first", num: 1, names: ["a,b", 'say "hi"'] });
  });

  it("lower-cases names: PostgreSQL matches application names case-insensitively", () => {
    assert.deepEqual(parseSyncStandbyNames("FIRST 1 (Replica_1)")?.names, ["replica_1"]);
  });

  it("returns null for text PostgreSQL would reject", () => {
    for (const bad of ["FIRST 1 ()", 'FIRST 1 ("unterminated)', "a,,b", 'FIRST 1 ("a" "b")']) {
      assert.equal(parseSyncStandbyNames(bad), null, bad);
    }
  });
});
