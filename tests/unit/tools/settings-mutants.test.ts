import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSyncStandbyNames, settingMatches, type ServerSetting } from "../../../scripts/lib/settings";

const setting = (name: string, value: string, vartype: string, unit: string | null = null): ServerSetting => ({ name, setting: value, unit, vartype, shown: value });
const sync = (value: string): ServerSetting => setting("synchronous_standby_names", value, "string");

describe("declared numeric settings: what counts as a number (mutation-testing follow-up)", () => {
  const mb = setting("max_slot_wal_keep_size", "1024", "integer", "MB");

  it("tolerates whitespace around a declared value", () => {
    assert.equal(settingMatches(" 1GB ", mb), true);
    assert.equal(settingMatches("1024 MB", mb), true);
  });

  it("rejects a declared value with anything else before or after the number and unit", () => {
    assert.equal(settingMatches("x1024", mb), false);
    assert.equal(settingMatches("1024MB;", mb), false);
    assert.equal(settingMatches("1GB!", mb), false);
  });

  it("reads decimals with one or more fractional digits", () => {
    assert.equal(settingMatches("0.25", setting("cpu_tuple_cost", "0.25", "real")), true);
    assert.equal(settingMatches("0.9", setting("checkpoint_completion_target", "0.9", "real")), true);
    assert.equal(settingMatches("0.5GB", mb), false, "0.5GB is 512 MB, not 1024");
    assert.equal(settingMatches("0.5GB", setting("max_slot_wal_keep_size", "512", "integer", "MB")), true);
  });

  it("compares real settings as numbers in their unit, not as text", () => {
    const delay = setting("autovacuum_vacuum_cost_delay", "2", "real", "ms");
    assert.equal(settingMatches("2ms", delay), true);
    assert.equal(settingMatches("2.0", delay), true);
    assert.equal(settingMatches("3ms", delay), false);
  });
});

describe("declared booleans: every spelling PostgreSQL accepts for either value", () => {
  const on = setting("hot_standby", "on", "bool");
  const off = setting("hot_standby", "off", "bool");

  it("one-letter forms t and y mean on", () => {
    for (const v of ["t", "y", "T", "Y"]) assert.equal(settingMatches(v, on), true, v);
  });

  it("every false spelling matches off, and none matches on", () => {
    for (const v of ["off", "false", "no", "0", "f", "n", "OFF", "No"]) {
      assert.equal(settingMatches(v, off), true, v);
      assert.equal(settingMatches(v, on), false, v);
    }
  });

  it("whitespace around a declared boolean does not matter", () => {
    assert.equal(settingMatches(" on ", on), true);
    assert.equal(settingMatches(" off\n", off), true);
  });

  it("a word that is no boolean matches neither value", () => {
    assert.equal(settingMatches("maybe", off), false);
    assert.equal(settingMatches("maybe", on), false);
  });
});

describe("declared enums", () => {
  it("whitespace around a declared enum value does not matter", () => {
    assert.equal(settingMatches(" replica ", setting("wal_level", "replica", "enum")), true);
  });
});

describe("synchronous_standby_names spellings", () => {
  it("allows whitespace between a quoted name and the next comma", () => {
    assert.deepEqual(parseSyncStandbyNames('FIRST 1 ("a" , "b")'), { method: "first", num: 1, names: ["a", "b"] });
    assert.deepEqual(parseSyncStandbyNames('"a"\t,"b" '), { method: "first", num: 1, names: ["a", "b"] });
  });

  it("trims unquoted names", () => {
    assert.deepEqual(parseSyncStandbyNames("FIRST 1 (a , b)"), { method: "first", num: 1, names: ["a", "b"] });
  });

  it("reads several spaces after FIRST/ANY, no space before the list, and numbers of several digits", () => {
    assert.deepEqual(parseSyncStandbyNames("ANY  2 (a, b)"), { method: "any", num: 2, names: ["a", "b"] });
    assert.deepEqual(parseSyncStandbyNames("FIRST 1(a)"), { method: "first", num: 1, names: ["a"] });
    assert.deepEqual(parseSyncStandbyNames("FIRST 10 (a)"), { method: "first", num: 10, names: ["a"] });
  });

  it("a different count or a different number of names is a mismatch", () => {
    assert.equal(settingMatches("FIRST 2 (a, b)", sync("FIRST 1 (a, b)")), false);
    assert.equal(settingMatches("FIRST 1 (a)", sync("FIRST 1 (a, b)")), false);
    assert.equal(settingMatches("FIRST 1 (a, b)", sync("FIRST 1 (a)")), false);
    assert.equal(settingMatches("FIRST 1 (a, b)", sync("first 1 (A, B)")), true);
  });

  it("text that cannot be parsed is compared verbatim, ignoring surrounding whitespace", () => {
    assert.equal(settingMatches("a,,b", sync("a,,b")), true);
    assert.equal(settingMatches(" a,,b ", sync("a,,b")), true);
    assert.equal(settingMatches("a,,b", sync(" a,,b\n")), true);
    assert.equal(settingMatches("a,,b", sync("a,,c")), false);
    assert.equal(settingMatches("a,,b", sync("a, b")), false);
  });
});
