import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseConfig } from "../../../components/config";
import {
  libraryList, preloadLibraryPaths,
  fileSettings, fixedPrimarySettings, fixedStandbySettings, primarySettings, renderSettingsFile, serverCommand, standbySettings, synchronousStandbyNames,
} from "../../../components/settings";

describe("synchronous_standby_names", () => {
  it("is empty when replication is asynchronous", () => {
    assert.equal(synchronousStandbyNames("off", 1, ["replica_1"]), "");
  });

  it("is empty for an empty list, which PostgreSQL would reject as FIRST 1 ()", () => {
    assert.equal(synchronousStandbyNames("first", 1, []), "");
  });

  it("lists standbys by priority with FIRST", () => {
    assert.equal(synchronousStandbyNames("first", 1, ["replica_1", "replica_2"]), 'FIRST 1 ("replica_1", "replica_2")');
  });

  it("uses a quorum with ANY", () => {
    assert.equal(synchronousStandbyNames("any", 2, ["replica_1", "replica_2", "replica_3"]), 'ANY 2 ("replica_1", "replica_2", "replica_3")');
  });

  it("escapes double quotes inside a name", () => {
    assert.equal(synchronousStandbyNames("first", 1, ['a"b']), 'FIRST 1 ("a""b")');
  });

  it("never asks for more standbys than it names", () => {
    assert.equal(synchronousStandbyNames("first", 5, ["replica_1"]), 'FIRST 1 ("replica_1")');
  });
});

describe("server settings", () => {
  const config = parseConfig({ replicas: "2", syncMode: "first", synchronousCommit: "remote_apply", postgresSettings: '{"work_mem":"8MB"}' }, "dev");

  it("make the primary a replication source with capped slot retention", () => {
    const s = primarySettings(config);
    assert.equal(s.wal_level, "replica");
    assert.equal(s.max_wal_senders, "10");
    assert.equal(s.max_replication_slots, "10");
    assert.equal(s.wal_keep_size, "128MB");
    assert.equal(s.max_slot_wal_keep_size, "1GB");
    assert.equal(s.hot_standby, "on");
    assert.equal(s.password_encryption, "scram-sha-256");
    assert.equal(s.listen_addresses, "*");
    assert.equal(s.hba_file, "/etc/pg-replication/pg_hba.conf");
    assert.equal(s.synchronous_standby_names, 'FIRST 1 ("replica_1", "replica_2")');
    assert.equal(s.synchronous_commit, "remote_apply");
    assert.equal(s.work_mem, "8MB");
  });

  it("name each standby after its slot and let it wait for nobody once promoted", () => {
    const s = standbySettings(config, 2);
    assert.equal(s.cluster_name, "replica_2");
    assert.equal(s.hot_standby, "on");
    assert.equal(s.hot_standby_feedback, "on");
    assert.equal(s.synchronous_standby_names, "");
    assert.equal(s.max_wal_senders, primarySettings(config).max_wal_senders);
  });

  it("become postgres -c arguments in a stable order", () => {
    const cmd = serverCommand({ b: "2", a: "x y" });
    assert.deepEqual(cmd, ["postgres", "-D", "/var/lib/postgresql/data", "-c", "a=x y", "-c", "b=2"]);
  });
});

describe("fixed and changeable settings", () => {
  it("leave no fixed setting open to postgresSettings, where the command line would silently win", () => {
    for (const key of Object.keys({ ...fixedPrimarySettings(), ...fixedStandbySettings(1) })) {
      assert.throws(() => parseConfig({ postgresSettings: JSON.stringify({ [key]: "x" }) }, "dev"), /is managed by the program/, key);
    }
  });

  it("are rendered into the settings file with their cost, quoted for PostgreSQL", () => {
    const file = renderSettingsFile({ work_mem: "16MB", shared_buffers: "1GB", search_path: "it's \\ here" });
    assert.equal(file.split("\n")[2], "include_if_exists = 'postgresql.conf'");
    assert.match(file, /^shared_buffers = '1GB' {2}# restart$/m);
    assert.match(file, /^work_mem = '16MB' {2}# reload$/m);
    assert.match(file, /^search_path = 'it''s \\\\ here' {2}# reload$/m);
  });

  it("put everything a config key changes into the file, and nothing of it on the command line", () => {
    const config = parseConfig({ replicas: "2", walKeepSize: "1GB", maxWalSenders: "20", postgresSettings: '{"work_mem":"8MB"}' }, "dev");
    const file = fileSettings(config);
    assert.deepEqual(Object.keys(file).sort(), ["max_replication_slots", "max_slot_wal_keep_size", "max_wal_senders", "synchronous_commit", "wal_keep_size", "work_mem"]);
    for (const key of Object.keys(file)) assert.ok(!(key in fixedPrimarySettings()), key);
  });
});

describe("fixed settings", () => {
  it("keep what every node needs for its whole life, whatever the config", () => {
    const primary = fixedPrimarySettings();
    assert.equal(primary.config_file, "/var/lib/postgresql/data/pg-replication.conf");
    assert.equal(primary.hba_file, "/etc/pg-replication/pg_hba.conf");
    assert.equal(primary.ident_file, "/etc/pg-replication/pg_ident.conf");
    assert.equal(primary.wal_log_hints, "on", "pg_rewind needs it");
    assert.equal(primary.wal_retrieve_retry_interval, "1s", "standbys reconnect a second after the primary restarts");
    assert.equal(primary.cluster_name, "primary");
    const standby = fixedStandbySettings(3);
    assert.equal(standby.cluster_name, "replica_3");
    assert.equal(standby.synchronous_standby_names, "", "a promoted standby waits for nobody");
    assert.equal(standby.synchronous_commit, "on");
  });

  it("list the settings file's lines in a stable, sorted order", () => {
    const lines = renderSettingsFile({ work_mem: "1MB", a_setting: "x", max_connections: "9" }).split("\n").filter((l) => / = /.test(l) && !l.startsWith("include"));
    assert.deepEqual(lines.map((l) => l.split(" ")[0]), ["a_setting", "max_connections", "work_mem"]);
  });
});

describe("shared_preload_libraries", () => {
  it("splits the list as PostgreSQL does: commas, blanks dropped, double quotes kept together", () => {
    assert.deepEqual(libraryList(""), []);
    assert.deepEqual(libraryList(" pg_stat_statements ,auto_explain,, "), ["pg_stat_statements", "auto_explain"]);
    assert.deepEqual(libraryList('"a,b", "say ""hi""" , c'), ["a,b", 'say "hi"', "c"]);
  });

  it("gives where each library is looked for: under $libdir unless absolute; nothing it cannot tell", () => {
    assert.deepEqual(preloadLibraryPaths({}), []);
    assert.deepEqual(preloadLibraryPaths({ shared_preload_libraries: 'pg_stat_statements, "$libdir/auto_explain", /opt/x.so, sub/dir' }),
      ["pg_stat_statements", "auto_explain", "/opt/x.so"]);
    assert.deepEqual(preloadLibraryPaths({ shared_preload_libraries: "pg_stat_statements", dynamic_library_path: "/opt:$libdir" }), []);
  });
});
