/**
 * What only a real engine shows, each through real `pulumi` commands on
 * Docker: a second `up` that changes nothing, refresh after a standby is
 * removed by hand, an `up` that fails halfway and the one that finishes it,
 * eight standbys seeded at once within the default max_wal_senders, and the
 * provider and the base-backup Command agreeing on the Docker engine when it
 * is reached through DOCKER_HOST on a non-default socket.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rename } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";

import { TestCluster, cleanStack, destroyStack, testImage } from "../support/cluster";
import { docker, isEmpty, isRunning, leftoversOf, removeStackLeftovers } from "../support/docker";
import { query } from "../support/pg";
import { describeRun } from "../support/process";
import { PulumiStack } from "../support/pulumi";
import { verify } from "../support/tools";
import { seconds } from "../support/wait";

async function assertVerifyPasses(cluster: TestCluster): Promise<void> {
  const result = await verify(cluster.outputsFile);
  assert.equal(result.code, 0, describeRun("verify", result));
}

async function assertNoChanges(stack: PulumiStack, when: string): Promise<void> {
  const preview = await stack.preview(["--expect-no-changes", "--diff"]);
  assert.equal(preview.code, 0, `${when}: pulumi preview --expect-no-changes\n${describeRun("preview", preview)}`);
}

/** Nothing labelled with the stack, and the stack gone from the backend. */
async function assertNothingLeft(stack: PulumiStack): Promise<void> {
  assert.ok(isEmpty(await leftoversOf(stack.stack)), `leftovers of ${stack.stack}`);
  assert.equal(await stack.exists(), false, `stack ${stack.stack} still in the test backend`);
}

describe("a second pulumi up, refresh, and a standby removed by hand", { timeout: 420_000 }, () => {
  const STACK = "it-engine-steady";
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.deploy(STACK, { replicas: "1", primaryPort: "27100", firstReplicaPort: "27101" });
  });
  after(async () => {
    await destroyStack(STACK);
  });

  it("plans no change right after up, and none after a refresh", async () => {
    await assertNoChanges(cluster.pulumi, "right after up");
    const refresh = await cluster.pulumi.refresh();
    assert.equal(refresh.code, 0, describeRun("refresh", refresh));
    assert.doesNotMatch(refresh.stdout, /\bupdated\b|\bdeleted\b/, `refresh of an untouched cluster changed the state:\n${refresh.stdout}`);
    await assertNoChanges(cluster.pulumi, "after refresh");
  });

  it("reports a standby container removed by hand on refresh, and brings it back on the next up", async (t) => {
    const standby = cluster.replica(1).containerName;
    const seedId = async (): Promise<string | undefined> =>
      (await cluster.pulumi.resources()).find((r) => r.urn.endsWith(`::${standby}-basebackup`))?.id;
    const seedBefore = await seedId();
    assert.ok(seedBefore !== undefined, "the base-backup Command is in the state");
    await docker(["rm", "-f", standby]);
    const refresh = await cluster.pulumi.refresh();
    assert.equal(refresh.code, 0, describeRun("refresh", refresh));
    assert.match(refresh.stdout, new RegExp(`docker:index:Container +${standby} +deleted`), refresh.stdout);
    const preview = await cluster.pulumi.preview(["--diff"]);
    assert.match(preview.stdout, new RegExp(`\\+ docker:index/container:Container: \\(create\\)[\\s\\S]*::${standby}\\]`), preview.stdout);
    const started = Date.now();
    const up = await cluster.pulumi.up();
    assert.equal(up.code, 0, describeRun("up", up));
    assert.match(up.stdout, /1 created/, up.stdout);
    await assertVerifyPasses(cluster);
    // The standby came back on its own volume: its base-backup Command was neither run again nor replaced.
    assert.equal(await seedId(), seedBefore, "the base-backup Command is the same one");
    assert.doesNotMatch(up.stdout, /basebackup/, "the base backup did not run again");
    await assertNoChanges(cluster.pulumi, "after the standby came back");
    t.diagnostic(`engine: standby removed by hand, refresh reported it, up recreated it in ${seconds(Date.now() - started)}, verify passed`);
  });
});

describe("an up that fails halfway, then finishes", { timeout: 420_000 }, () => {
  const STACK = "it-engine-halfway";
  const PRIMARY_PORT = 27110;
  const STANDBY_PORT = 27111;
  const stack = new PulumiStack(STACK);
  let holder: Server | undefined;

  before(async () => {
    await cleanStack(STACK);
  });
  after(async () => {
    holder?.close();
    await destroyStack(STACK);
  });

  it("fails on a standby port held by another listener, then completes once it is free, and destroys to nothing", async (t) => {
    holder = createServer();
    await new Promise<void>((resolve, reject) => {
      holder?.once("error", reject);
      holder?.listen(STANDBY_PORT, "127.0.0.1", resolve);
    });
    await stack.init();
    await stack.setConfig({ image: await testImage(), replicas: "1", primaryPort: String(PRIMARY_PORT), firstReplicaPort: String(STANDBY_PORT) });
    const failed = await stack.up();
    assert.equal(failed.timedOut, false, describeRun("first up", failed));
    assert.equal(failed.code, 1, `up did not fail with an error with port ${STANDBY_PORT} held:\n${failed.stdout}`);
    assert.match(failed.stdout + failed.stderr, new RegExp(`${STANDBY_PORT}`), "the error names the held port");
    // The engine keeps what it created before the failure: the next up continues from there.
    assert.equal(await isRunning(`pg-${STACK}-primary`), true, "the primary created before the failure is running");
    const kept = (await stack.resources()).map((r) => r.urn).filter((urn) => !urn.includes("::pulumi:"));
    assert.ok(kept.some((urn) => urn.endsWith(`::pg-${STACK}-primary`)), `the primary is in the state: ${kept.join(", ")}`);

    await new Promise<void>((resolve) => holder?.close(() => resolve()));
    holder = undefined;
    const finished = await stack.up();
    assert.equal(finished.code, 0, describeRun("second up", finished));
    const { file } = await stack.writeOutputs();
    const result = await verify(file);
    assert.equal(result.code, 0, describeRun("verify", result));
    await assertNoChanges(stack, "after the finishing up");
    t.diagnostic(`engine: up failed on held port ${STANDBY_PORT} (${kept.length} resources kept in state), next up completed: ${(/Resources:[\s\S]*?Duration: \S+/.exec(finished.stdout)?.[0] ?? "").replace(/\s+/g, " ")}`);

    const destroyed = await stack.destroy();
    assert.equal(destroyed.code, 0, describeRun("destroy", destroyed));
    assert.ok(isEmpty(await leftoversOf(STACK)), "destroy left labelled objects");
    const removed = await stack.run(["stack", "rm", "--yes"]);
    assert.equal(removed.code, 0, describeRun("stack rm", removed));
    await assertNothingLeft(stack);
  });
});

describe("eight standbys with the default maxWalSenders", { timeout: 600_000 }, () => {
  const STACK = "it-engine-eight";
  let cluster: TestCluster;
  let upMs = 0;
  before(async () => {
    const started = Date.now();
    cluster = await TestCluster.deploy(STACK, { replicas: "8", primaryPort: "27120", firstReplicaPort: "27121" });
    upMs = Date.now() - started;
  });
  after(async () => {
    await destroyStack(STACK);
  });

  it("seeds all eight at once and every one streams through its own slot", async (t) => {
    const senders = await query<{ max_wal_senders: string }>(cluster.primaryDsn, "SHOW max_wal_senders");
    assert.equal(senders[0]?.max_wal_senders, "10", "the default maxWalSenders");
    await assertVerifyPasses(cluster);
    const rows = await query<{ application_name: string; state: string }>(cluster.primaryDsn,
      "SELECT application_name, state FROM pg_stat_replication ORDER BY application_name");
    assert.deepEqual(rows.map((r) => `${r.application_name} ${r.state}`), [1, 2, 3, 4, 5, 6, 7, 8].map((n) => `replica_${n} streaming`));
    const slots = await query<{ n: string }>(cluster.primaryDsn, "SELECT count(*)::text AS n FROM pg_replication_slots WHERE active");
    assert.equal(slots[0]?.n, "8", "eight active slots");
    t.diagnostic(`engine: 8 standbys up and verified in ${seconds(upMs)} with max_wal_senders 10`);
  });
});

describe("DOCKER_HOST on a non-default socket, the default socket absent", { timeout: 420_000 }, () => {
  const STACK = "it-engine-dockerhost";
  const DEFAULT_SOCKET = "/var/run/docker.sock";
  /** Same directory, so a rename moves it; scripts/setup-test-env.sh puts it back if a run dies meanwhile. */
  const MOVED_SOCKET = "/var/run/pg-replication-test-docker.sock";
  const stack = new PulumiStack(STACK);
  const savedHost = process.env.DOCKER_HOST;

  async function restoreSocket(): Promise<void> {
    if (existsSync(MOVED_SOCKET) && !existsSync(DEFAULT_SOCKET)) await rename(MOVED_SOCKET, DEFAULT_SOCKET);
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
  }

  before(async () => {
    await restoreSocket();
    await cleanStack(STACK);
  });
  after(async () => {
    await restoreSocket();
    await destroyStack(STACK);
  });

  it("deploys and destroys with both the provider and the base-backup command on that engine", async (t) => {
    assert.ok(existsSync(DEFAULT_SOCKET), `${DEFAULT_SOCKET} is where this test expects the engine`);
    await stack.init();
    await stack.setConfig({ image: await testImage(), replicas: "1", primaryPort: "27140", firstReplicaPort: "27141" });
    await rename(DEFAULT_SOCKET, MOVED_SOCKET);
    try {
      // Every docker CLI this process and its children start (pulumi, the plugins, the test's own checks) uses it.
      process.env.DOCKER_HOST = `unix://${MOVED_SOCKET}`;
      const plain = await docker(["info", "--format", "{{.ID}}"]).then(() => "reachable", () => "unreachable");
      assert.equal(plain, "reachable", "the engine answers on the moved socket");
      const up = await stack.up();
      assert.equal(up.code, 0, describeRun("up with DOCKER_HOST", up));
      const { file } = await stack.writeOutputs();
      const verified = await verify(file);
      assert.equal(verified.code, 0, describeRun("verify", verified));
      const destroyed = await stack.destroy();
      assert.equal(destroyed.code, 0, describeRun("destroy with DOCKER_HOST", destroyed));
      assert.ok(isEmpty(await leftoversOf(STACK)), "destroy left labelled objects");
      t.diagnostic(`engine: up, verify and destroy through DOCKER_HOST=unix://${MOVED_SOCKET} with ${DEFAULT_SOCKET} absent`);
    } finally {
      await restoreSocket();
    }
    await removeStackLeftovers(STACK);
    const removed = await stack.run(["stack", "rm", "--yes"]);
    assert.equal(removed.code, 0, describeRun("stack rm", removed));
    await assertNothingLeft(stack);
  });
});
