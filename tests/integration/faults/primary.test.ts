/**
 * The primary goes away under load and comes back: a clean restart
 * (scenario 2), or SIGKILL and a start (scenario 3, crash recovery). Writes
 * resume, the standby streams again, and every acknowledged row is on both.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, isRunning, logsOf } from "../../support/docker";
import { LoadWriter } from "../../support/load-writer";
import { assertNoAckedRowMissing } from "../../support/rows";
import { summaryLine } from "../../support/summary";
import { describeRun } from "../../support/process";
import { verify } from "../../support/tools";
import { seconds } from "../../support/wait";

const STACK = "it-fault-primary";
const PORTS = { primaryPort: "29020", firstReplicaPort: "29021" };
const CRASH_RECOVERY = "database system was not properly shut down; automatic recovery in progress";

describe("the primary restarts under load", { timeout: 300_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { ...PORTS, replicas: "1" });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  /** Runs the writer around `fault`, then checks the standby streams again and no acknowledged row is missing. */
  /** `fault` returns when it lifted the fault (the start of the server); recovery is timed from there. */
  async function underLoad(scenario: string, table: string, fault: () => Promise<number>): Promise<{ line: string; logs: string }> {
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table, ratePerSecond: 100 });
    await writer.start();
    try {
      await writer.waitForAcks(200, 20_000);
      const since = new Date(Date.now() - 1000).toISOString();
      const ackedBefore = writer.ackedCount;
      const started = await fault();
      await writer.waitForAcks(1, 60_000);
      const writesMs = Date.now() - started;
      assert.ok(writer.ackedCount > ackedBefore, "writes resume");
      await cluster.waitCaughtUp(60_000);
      const streamingMs = Date.now() - started;

      await writer.waitForAcks(200, 20_000);
      const report = await writer.stop();
      assert.equal(report.gaveUp, null, "the writer ran to the end");
      assert.ok(report.failed > 0, "the writer saw the primary go away");
      await cluster.waitCaughtUp(30_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      // Rows equal: the standby holds exactly what the primary holds, acknowledged or in doubt.
      assert.deepEqual(found.map(([node, check]) => [node, check.total]), found.map(([node]) => [node, found[0][1].total]), "every node holds the same number of rows");
      const inDoubt = found[0][1].total - report.acked.length;
      const line = summaryLine(scenario, report, found, `writes resumed ${seconds(writesMs)} and the standby streamed and caught up ${seconds(streamingMs)} after the ${scenario === "primary-restart" ? "restart was issued" : "start"}`, [
        `writer failures ${report.failed}, unacknowledged commits present ${inDoubt}`,
        `client errors: ${report.errors.map((e) => `"${e}"`).join(", ")}`,
      ]);
      return { line, logs: await logsOf(cluster.primaryContainer, since) };
    } finally {
      await writer.stop();
    }
  }

  it("primary-restart: after a clean restart the standby reconnects and streams again; rows equal", { timeout: 120_000 }, async (t) => {
    const { line, logs } = await underLoad("primary-restart", "fault_primary_restart", async () => {
      const issued = Date.now();
      await docker(["restart", cluster.primaryContainer]);
      return issued;
    });
    assert.match(logs, /database system is shut down/, "the primary shut down cleanly");
    assert.doesNotMatch(logs, new RegExp(CRASH_RECOVERY), "a clean restart needs no crash recovery");
    t.diagnostic(line);
  });

  it("primary-kill: after SIGKILL and a start the primary runs crash recovery, the standby streams again; no acknowledged row lost", { timeout: 120_000 }, async (t) => {
    const { line, logs } = await underLoad("primary-kill", "fault_primary_kill", async () => {
      await docker(["kill", "-s", "KILL", cluster.primaryContainer]);
      const down = await verify(cluster.outputsFile);
      assert.equal(down.code, 2, describeRun("verify with the primary down", down));
      assert.match(down.stderr, new RegExp(`verify: primary: cannot connect to 127\\.0\\.0\\.1:${cluster.outputs.primaryPort} \\(connection refused\\)`));
      assert.equal(await isRunning(cluster.primaryContainer), false, "a primary stopped with docker kill stays down (restart policy unless-stopped)");
      const issued = Date.now();
      await docker(["start", cluster.primaryContainer]);
      return issued;
    });
    assert.match(logs, new RegExp(CRASH_RECOVERY), "the primary's log reports crash recovery");
    assert.match(logs, /redo done at/, "WAL was replayed");
    t.diagnostic(line);
  });
});
