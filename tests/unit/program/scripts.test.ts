import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { renderBaseBackupCreate, renderBaseBackupDelete, renderSeedScript, type BaseBackupInput } from "../../../components/basebackup";
import { renderBootstrapCreate, renderBootstrapScript, renderBootstrapUpdate, type BootstrapInput } from "../../../components/bootstrap";
import { renderPrimaryEntrypoint, renderStandbyEntrypoint } from "../../../components/entrypoint";
import { renderHba, renderIdent } from "../../../components/hba";
import { majorVersionFromImage } from "../../../components/image";
import { shellQuote, sqlLiteral } from "../../../components/shell";

/** `sh -n` parses a script without running it: a rendering slip is a syntax error here, not at deploy time. */
function assertShellSyntax(script: string): void {
  execFileSync("/bin/sh", ["-n"], { input: script });
}

const backup: BaseBackupInput = {
  stack: "dev", namePrefix: "pg-dev", primaryContainer: "pg-dev-primary", standbyContainer: "pg-dev-replica-2",
  slot: "replica_2", superuser: "postgres", replicationUser: "replicator",
  volumeName: "pg-dev-replica-2-data", image: "postgres:17",
};

describe("shell quoting", () => {
  it("keeps any value one word, single quotes included", () => {
    const value = `it's $HOME "x" \`id\``;
    const echoed = execFileSync("/bin/sh", ["-c", `printf %s ${shellQuote(value)}`]).toString();
    assert.equal(echoed, value);
  });
});

describe("SQL quoting", () => {
  it("doubles a single quote inside a string literal", () => {
    assert.equal(sqlLiteral("it's"), "'it''s'");
    assert.equal(sqlLiteral("replica_2"), "'replica_2'");
  });
});

const bootstrapInput: BootstrapInput = {
  stack: "dev", namePrefix: "pg-dev", primaryContainer: "pg-dev-primary", volumeName: "pg-dev-primary-data",
  image: "postgres:17", superuser: "postgres", replicationUser: "replicator", database: "app", hasInitSql: true,
};

describe("primary bootstrap", () => {
  const script = renderBootstrapScript(bootstrapInput);

  it("is valid sh, and so are its create and update", () => {
    assertShellSyntax(script);
    assertShellSyntax(renderBootstrapCreate(bootstrapInput));
    assertShellSyntax(renderBootstrapUpdate(bootstrapInput));
  });

  it("handles no password: the roles get theirs from the credentials command on the running server", () => {
    assert.doesNotMatch(script, /PASSWORD|pwfile|PGPASSWORD/i);
  });

  it("keeps the temporary server off TCP, on a private socket", () => {
    assert.match(script, /postgres -D "\$DATA" -c listen_addresses= -c "unix_socket_directories=\$WORK"/);
  });

  it("creates the replication role without superuser rights", () => {
    assert.match(script, /ROLE %I WITH LOGIN REPLICATION NOSUPERUSER/);
  });
});

/** What the program gives the entrypoints to write (cluster.ts renders both from the network and the superuser). */
const configFiles = [
  { path: "/etc/pg-replication/pg_hba.conf", content: renderHba({ replicationUser: "replicator", superuser: "postgres", subnet: "172.20.0.0/16", gateway: "172.20.0.1" }) },
  { path: "/etc/pg-replication/pg_ident.conf", content: renderIdent("postgres") },
];

describe("primary entrypoint", () => {
  const script = renderPrimaryEntrypoint(configFiles);

  it("is valid sh", () => assertShellSyntax(script));

  it("bootstraps nothing itself: no initdb, no temporary server", () => {
    assert.doesNotMatch(script, /initdb|pg_ctl/);
  });

  it("gives the server a settings file to start with when there is none yet", () => {
    assert.match(script, /if \[ ! -e "\/var\/lib\/postgresql\/data\/pg-replication.conf" \]; then\n {2}echo "include_if_exists = 'postgresql.conf'"/);
  });

  it("runs the server as the postgres user", () => {
    assert.match(script, /exec setpriv --reuid=postgres --regid=postgres --init-groups "\$@"\n$/);
  });
});

describe("standby entrypoint", () => {
  const script = renderStandbyEntrypoint(configFiles);
  it("is valid sh", () => assertShellSyntax(script));
  it("refuses to start on an empty data directory", () => {
    assert.match(script, /if \[ ! -s "\$DATA\/PG_VERSION" \]; then\n {2}log "the data directory is empty: this standby has no base backup; rebuild it with pulumi up --replace of its volume/);
    assert.match(script, /exit 1\nfi/);
  });
});

describe("base-backup command", () => {
  const create = renderBaseBackupCreate(backup);
  const seed = renderSeedScript(backup);

  it("is valid sh, inside and out", () => {
    assertShellSyntax(create);
    assertShellSyntax(seed);
    assertShellSyntax(renderBaseBackupDelete(backup));
  });

  it("creates the standby's slot when missing and reuses it when present", () => {
    assert.match(create, /pg_create_physical_replication_slot\(\S*replica_2\S*, true\) WHERE NOT EXISTS \(SELECT FROM pg_replication_slots WHERE slot_name = \S*replica_2/);
  });

  it("runs pg_basebackup in the primary's network namespace into the standby's volume, with a fast checkpoint", () => {
    assert.match(create, /docker run --rm -i --name 'pg-dev-replica-2-basebackup' --network 'container:pg-dev-primary'/);
    assert.match(create, /-v 'pg-dev-replica-2-data:\/var\/lib\/postgresql\/data'/);
    assert.match(seed, /pg_basebackup -h primary -p 5432 -U replicator -D "\$DATA" -R -X stream -c fast -S replica_2 -w/);
  });

  it("takes the replication password on stdin only", () => {
    assert.match(seed, /IFS= read -r password/);
    assert.doesNotMatch(create, /PGPASSWORD|docker run[^\n]* (-e|--env) /);
  });

  it("refuses to overwrite a standby that was promoted, and leaves its data as it was", () => {
    // The seed script, run by sh on a scratch directory standing in for the data directory.
    const data = mkdtempSync(join(tmpdir(), "pg-replication-seed-"));
    try {
      writeFileSync(join(data, "PG_VERSION"), "17\n");
      writeFileSync(join(data, "precious"), "rows\n");
      const script = seed.replace("DATA=/var/lib/postgresql/data", `DATA=${data}`);
      // No PATH: a script that went past the guard must not reach the host's own tools or network.
      const refused = spawnSync("/bin/sh", ["-c", script], { input: "secret\n", encoding: "utf8", timeout: 10_000, env: { PATH: "/nonexistent" } });
      assert.equal(refused.status, 3, refused.stderr);
      assert.match(refused.stderr, /refusing to overwrite the data of pg-dev-replica-2: it holds a promoted, writable server/);
      assert.deepEqual(readdirSync(data).sort(), ["PG_VERSION", "precious"]);
      // A standby (standby.signal present) passes the guard: its directory is emptied for the new copy.
      writeFileSync(join(data, "standby.signal"), "");
      const passed = spawnSync("/bin/sh", ["-c", script], { input: "secret\n", encoding: "utf8", timeout: 10_000, env: { PATH: "/nonexistent" } });
      assert.notEqual(passed.status, 3);
      assert.doesNotMatch(passed.stderr, /refusing to overwrite/);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("labels its one-off container like the rest of the stack", () => {
    assert.match(create, /--label 'pg-replication.stack=dev'/);
  });

  it("drops the slot on delete, retrying while its WAL sender exits", () => {
    const del = renderBaseBackupDelete(backup);
    assert.match(del, /pg_drop_replication_slot\(slot_name\) FROM pg_replication_slots WHERE slot_name = \S*replica_2/);
    assert.match(del, /until .* do/);
  });
});

describe("major version from the image tag", () => {
  it("reads the leading number of the tag", () => {
    assert.equal(majorVersionFromImage("postgres:17"), 17);
    assert.equal(majorVersionFromImage("postgres:17.2-bookworm"), 17);
    assert.equal(majorVersionFromImage("pg-replication/postgres:17"), 17);
    assert.equal(majorVersionFromImage("registry:5000/team/postgres:16"), 16);
  });

  it("says nothing for digests, untagged or named tags", () => {
    assert.equal(majorVersionFromImage("postgres"), null);
    assert.equal(majorVersionFromImage("postgres:latest"), null);
    assert.equal(majorVersionFromImage("postgres@sha256:abcd"), null);
    assert.equal(majorVersionFromImage("registry:5000/postgres"), null);
    // A digest pins the image whatever its tag says; a version must lead the tag.
    assert.equal(majorVersionFromImage("postgres:17@sha256:abcd"), null);
    assert.equal(majorVersionFromImage("postgres:16.4-bookworm@sha256:abcd"), null);
    assert.equal(majorVersionFromImage("postgres:v17"), null);
    assert.equal(majorVersionFromImage("17"), null);
  });
});
