/**
 * The program itself, deployed with the real `pulumi up` on real Docker: what the
 * original project's README checked by hand, as tests, plus the promises the
 * program makes about names, ports, secrets, shutdown and teardown.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { RESTART_SETTINGS } from "../../components/settings";
import { TestCluster, destroyStack } from "../support/cluster";
import { inspectContainer, isEmpty, leftoversOf, logsOf, docker, nowForLogs } from "../support/docker";
import { query, sqlState } from "../support/pg";
import { REPO_ROOT } from "../support/process";
import { inRecovery } from "../support/replication";
import { verify } from "../support/tools";
import { waitFor } from "../support/wait";

/** The dev stack's initSql (Pulumi.dev.yaml): the original project's users table. */
function devInitSql(): string {
  const yaml = readFileSync(join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");
  const lines = yaml.split("\n");
  const start = lines.findIndex((l) => l.trim() === "pg-replication:initSql: |");
  assert.ok(start >= 0, "Pulumi.dev.yaml sets initSql");
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && !line.startsWith("    ")) break;
    block.push(line.slice(4));
  }
  return block.join("\n").trim();
}

function passwordOf(dsn: string): string {
  return decodeURIComponent(new URL(dsn).password);
}

async function verifyPasses(cluster: TestCluster): Promise<string> {
  const result = await verify(cluster.outputsFile);
  assert.equal(result.code, 0, `verify failed:\n${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /PASSED/);
  return result.stdout;
}

describe("one standby, as the original project", { timeout: 300_000 }, () => {
  const stack = "it-cluster-one";
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.deploy(stack, { primaryPort: "24432", firstReplicaPort: "24433", initSql: devInitSql() });
  });
  after(async () => {
    await destroyStack(stack);
  });

  it("passes npm run verify", async () => {
    await verifyPasses(cluster);
  });

  it("marks exactly PostgreSQL's restart-context settings as needing a restart in the settings file", async () => {
    // The list behind `# restart` in pulumi preview --diff, against the server itself.
    const rows = await query<{ name: string }>(cluster.primaryDsn, "SELECT name FROM pg_settings WHERE context = 'postmaster' ORDER BY name");
    assert.deepEqual([...RESTART_SETTINGS].sort(), rows.map((r) => r.name));
  });

  it("has a writable primary and a standby in recovery", async () => {
    assert.equal(await inRecovery(cluster.primaryDsn), false);
    assert.equal(await inRecovery(cluster.replicaDsn(1)), true);
  });

  it("runs the original README's SQL: a user inserted on the primary is read on the standby", async () => {
    await query(cluster.primaryDsn, "INSERT INTO users (username, email) VALUES ('test_user', 'test@example.com')");
    const row = await waitFor("test_user on the standby", async () => {
      const rows = await query<{ email: string }>(cluster.replicaDsn(1), "SELECT email FROM users WHERE username = 'test_user'");
      return rows[0];
    }, { timeoutMs: 5000, intervalMs: 50 });
    assert.equal(row.email, "test@example.com");
  });

  it("refuses writes on the standby as read-only (SQLSTATE 25006)", async () => {
    await assert.rejects(query(cluster.replicaDsn(1), "INSERT INTO users (username, email) VALUES ('x', 'x@example.com')"),
      (error: unknown) => sqlState(error) === "25006");
  });

  it("shows one streaming standby named replica_1 and one active slot", async () => {
    const replication = await query<{ application_name: string; state: string; sync_state: string }>(cluster.primaryDsn,
      "SELECT application_name, state, sync_state FROM pg_stat_replication");
    assert.deepEqual(replication, [{ application_name: "replica_1", state: "streaming", sync_state: "async" }]);
    const slots = await query<{ slot_name: string; slot_type: string; active: boolean }>(cluster.primaryDsn,
      "SELECT slot_name, slot_type, active FROM pg_replication_slots");
    assert.deepEqual(slots, [{ slot_name: "replica_1", slot_type: "physical", active: true }]);
  });

  it("keeps passwords out of every container's Env, Cmd and Entrypoint, and publishes only on 127.0.0.1", async () => {
    const secrets = [passwordOf(cluster.primaryDsn)];
    for (const name of [cluster.primaryContainer, cluster.replica(1).containerName]) {
      const info = await inspectContainer(name);
      const exposed = JSON.stringify([info.Config.Env, info.Config.Cmd, info.Config.Entrypoint]);
      for (const secret of secrets) assert.ok(!exposed.includes(secret), `${name} exposes a password`);
      const bindings = Object.values(info.HostConfig.PortBindings ?? {}).flatMap((b) => b ?? []);
      assert.ok(bindings.length > 0, `${name} publishes a port`);
      assert.ok(bindings.every((b) => b.HostIp === "127.0.0.1"), `${name} binds ${JSON.stringify(bindings)}`);
    }
  });

  it("stops the primary with a clean PostgreSQL shutdown, not a SIGKILL", async () => {
    const since = nowForLogs();
    await docker(["stop", cluster.primaryContainer], 90_000);
    const logs = await logsOf(cluster.primaryContainer, since);
    assert.match(logs, /received fast shutdown request/);
    assert.match(logs, /database system is shut down/);
    const state = await inspectContainer(cluster.primaryContainer);
    assert.equal(state.State.Running, false);
    await docker(["start", cluster.primaryContainer]);
    await waitFor("the standby streaming again", async () => {
      const rows = await query<{ state: string }>(cluster.primaryDsn, "SELECT state FROM pg_stat_replication").catch(() => []);
      return rows[0]?.state === "streaming" ? true : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
  });

  it("tears down completely with pulumi destroy, dropping the slot before the primary goes", async () => {
    const down = await cluster.pulumi.destroy();
    assert.equal(down.code, 0, down.stdout + down.stderr);
    const log = down.stdout;
    // The engine deletes dependents first: the base backup's delete (which drops the slot) runs while the primary is up.
    const dropped = log.search(new RegExp(`command:local:Command +${cluster.replica(1).containerName}-basebackup deleted`));
    const primaryGone = log.search(new RegExp(`docker:index:Container +${cluster.primaryContainer} deleted`));
    assert.ok(dropped >= 0 && primaryGone > dropped, `slot drop before primary removal:\n${log}`);
    assert.ok(isEmpty(await leftoversOf(stack)), "no labelled container, volume or network left");
  });
});

describe("two standbys", { timeout: 300_000 }, () => {
  const stack = "it-cluster-two";
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.deploy(stack, { replicas: "2", primaryPort: "24442", firstReplicaPort: "24443" });
  });
  after(async () => {
    await destroyStack(stack);
  });

  it("passes npm run verify with both standbys streaming through their own slots", async () => {
    const report = await verifyPasses(cluster);
    assert.match(report, /replica-1 +replication +streaming/);
    assert.match(report, /replica-2 +replication +streaming/);
    const slots = await query<{ slot_name: string; active: boolean }>(cluster.primaryDsn,
      "SELECT slot_name, active FROM pg_replication_slots ORDER BY slot_name");
    assert.deepEqual(slots, [{ slot_name: "replica_1", active: true }, { slot_name: "replica_2", active: true }]);
  });

  it("leaves no container, volume or network after pulumi destroy", async () => {
    const down = await cluster.pulumi.destroy();
    assert.equal(down.code, 0, down.stdout + down.stderr);
    assert.ok(isEmpty(await leftoversOf(stack)));
  });
});
