/**
 * `npm run promote` against a cluster deployed with the real `pulumi up`
 * (primary + 2 standbys), verify/status on the cluster it leaves behind, and
 * the way back its next steps print: the old primary started again and the
 * promoted standby rebuilt with the printed `pulumi up --replace`. Ports
 * 25433-25435 belong to this file.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../support/cluster";
import { docker } from "../support/docker";
import { closeQuietly, connect, query } from "../support/pg";
import { describeRun } from "../support/process";
import { inRecovery } from "../support/replication";
import { findCheck, probeRowCount, promote, startTool, status, verify, type VerifyJson } from "../support/tools";
import { waitFor } from "../support/wait";

const STACK = "it-tools-promote";
const PRIMARY_PORT = 25433;
/** verify's bounds once the topology is broken, so its failing checks do not wait out the defaults. */
const SHORT_BOUNDS = ["--timeout", "3", "--round-trip-timeout", "2"];

describe("promote on a deployed cluster", { timeout: 480_000 }, () => {
  let cluster: TestCluster;
  /** What promote printed on success: its next steps are followed at the end. */
  let promoted = "";

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { replicas: "2", primaryPort: String(PRIMARY_PORT), firstReplicaPort: String(PRIMARY_PORT + 1) });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("refuses while the primary is reachable and writable, in one line, and changes nothing", async () => {
    const r = await promote(cluster.outputsFile, 1);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^promote: refusing to promote replica-1: primary \(127\.0\.0\.1:25433\) is reachable and accepts writes.*--force$/m);
    assert.equal(await inRecovery(cluster.replicaDsn(1)), true);
  });

  it("rejects a standby number out of range", async () => {
    const r = await promote(cluster.outputsFile, 3);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), "promote: --replica 3 is out of range: the stack has standbys 1..2");
  });

  describe("with the primary stopped", () => {
    before(async () => {
      // docker() fails the hook, with docker's stderr, unless the stop succeeds.
      await docker(["stop", "-t", "10", cluster.primaryContainer]);
    });

    it("promotes the standby: it accepts writes, and the report says what to do next", async () => {
      const r = await promote(cluster.outputsFile, 1);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^promoted replica-1 \(127\.0\.0\.1:25434\): it accepts writes now$/m);
      assert.match(r.stdout, /^writable: replica-1 \(promoted\): the stack outputs still name primary$/m);
      assert.match(r.stdout, /still follow the old primary/);
      assert.match(r.stdout, /start it again if it is down \(`docker start pg-it-tools-promote-primary`\)/);
      // The exact command that rebuilds replica-1, with the URN the engine gave its volume.
      const urn = cluster.pulumi.urn("docker:index/volume:Volume", `${cluster.replica(1).containerName}-data`);
      assert.ok(r.stdout.includes(`rebuild replica-1 as its standby: \`pulumi up --stack ${STACK} --replace '${urn}'\``), r.stdout);
      assert.ok(r.stdout.includes(`\`pulumi destroy --stack ${STACK}\`, then \`pulumi up --stack ${STACK}\``), r.stdout);
      assert.doesNotMatch(r.stdout, /sandbox/);
      promoted = r.stdout;
      assert.equal(await inRecovery(cluster.replicaDsn(1)), false);
      // A write that leaves nothing behind: a temporary table, gone with its session.
      const c = await connect(cluster.replicaDsn(1));
      try {
        await c.query("CREATE TEMP TABLE promoted_write_test (x int)");
        await c.query("INSERT INTO promoted_write_test VALUES (1)");
      } finally {
        await closeQuietly(c);
      }
    });

    it("refuses to promote it again", async () => {
      const r = await promote(cluster.outputsFile, 1);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), "promote: replica-1 is already promoted: it is not in recovery and accepts writes; nothing to do");
    });

    it("refuses to promote the other standby while replica-1 accepts writes", async () => {
      const r = await promote(cluster.outputsFile, 2);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^promote: refusing to promote replica-2: replica-1 \(127\.0\.0\.1:25434\) is reachable and accepts writes/);
    });

    it("verify reports the new topology and fails the role checks, without crashing (exit 1)", async () => {
      const r = await verify(cluster.outputsFile, ["--json", ...SHORT_BOUNDS]);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as VerifyJson;
      assert.deepEqual(report.topology, { declaredPrimary: "primary", writable: ["replica-1"] });
      const check = (node: string, name: string) => findCheck(report, node, name);
      assert.match(check("cluster", "writable primary")?.detail ?? "", /writable now: replica-1 \(promoted\); the declared primary is unreachable/);
      assert.equal(check("primary", "reachable")?.ok, false);
      assert.equal(check("replica-1", "role")?.ok, false);
      assert.match(check("replica-1", "role")?.hint ?? "", /`pulumi up --replace '<URN of the standby's volume>'`/);
      assert.doesNotMatch(r.stdout, /sandbox/);
      assert.equal(check("replica-2", "role")?.ok, true, "replica-2 is still a standby");
      assert.equal(check("replica-2", "replication")?.ok, false, "but it does not follow replica-1");
      const text = await verify(cluster.outputsFile, SHORT_BOUNDS);
      assert.equal(text.code, 1);
      assert.doesNotMatch(text.stderr, /\n\s+at /);
      assert.match(text.stdout, /^✗ replica-1 +role +not in recovery: promoted, accepts writes$/m);
    });

    it("Ctrl-C while verify waits for its probe row still deletes the row", async () => {
      // replica-2 does not follow replica-1, so the round trip waits out its bound.
      const running = startTool("verify", ["--outputs", cluster.outputsFile, "--round-trip-timeout", "30"], 60_000);
      await waitFor("the probe row on replica-1", async () => ((await probeRowCount(cluster.replicaDsn(1))) === "1" ? true : undefined), { timeoutMs: 20_000 });
      const { code, stderr } = await running.interrupt();
      assert.equal(code, 130);
      assert.match(stderr, /^verify: interrupted$/m);
      assert.equal(await probeRowCount(cluster.replicaDsn(1)), "0");
    });

    it("status shows the promoted node as primary and the old one unreachable", async () => {
      const r = await status(cluster.outputsFile);
      assert.equal(r.code, 1, "the old primary is unreachable");
      assert.match(r.stdout, /^primary +127\.0\.0\.1:25433 +unreachable +unreachable /m);
      assert.match(r.stdout, /^replica-1 +127\.0\.0\.1:25434 +primary \(promoted\) +read-write /m);
      assert.match(r.stdout, /^replica-2 +127\.0\.0\.1:25435 +standby +not in pg_stat_replication/m);
      assert.match(r.stdout, /^writable: replica-1 \(promoted\)/m);
    });

    it("the printed way back works: the old primary started, then the printed `pulumi up --replace` makes replica-1 its standby again and verify passes", { timeout: 240_000 }, async (t) => {
      assert.notEqual(promoted, "", "promote succeeded earlier");
      const printed = /`docker start (\S+)`[^`]*`(pulumi up --stack (\S+) --replace '([^']+)')`/.exec(promoted);
      assert.ok(printed !== null, promoted);
      const [, container, command, stack, urn] = printed;
      assert.equal(container, cluster.primaryContainer);
      assert.equal(stack, STACK);
      assert.ok((await cluster.pulumi.resources()).some((r) => r.urn === urn), `${urn} is in the stack's state`);
      // What replica-1 accepted after the promotion is discarded by the rebuild.
      await query(cluster.replicaDsn(1), "CREATE TABLE written_after_promotion (x int)");

      await docker(["start", container]);
      // As printed, without the prompt: the harness adds --stack, --yes and --skip-preview.
      const up = await cluster.pulumi.up(["--replace", urn]);
      assert.equal(up.code, 0, describeRun(command, up));
      assert.match(up.stdout, /docker:index:Volume +pg-it-tools-promote-replica-1-data +replaced/);
      assert.equal(await inRecovery(cluster.replicaDsn(1)), true, "replica-1 is a standby again");
      await cluster.waitCaughtUp(60_000);
      const [gone] = await query<{ t: string | null }>(cluster.replicaDsn(1), "SELECT to_regclass('written_after_promotion')::text AS t");
      assert.equal(gone.t, null, "the rebuilt standby holds the primary's data, not what it accepted while promoted");

      const r = await verify(cluster.outputsFile);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^✓ PASSED/m);
      t.diagnostic(`promote-way-back: replica-1 rebuilt as a standby of ${container} by the printed command in ${(up.ms / 1000).toFixed(1)} s; verify exit 0`);
    });
  });
});
