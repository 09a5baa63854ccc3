/**
 * Scenario 6: the primary is lost (SIGKILL) while commits wait for its
 * synchronous standby (FIRST 1, remote_apply); the standby is promoted with
 * `scripts/promote.ts`. Every acknowledged commit was applied on the standby
 * before it was acknowledged, so none may be missing there, and the promoted
 * node must take writes at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, isRunning } from "../../support/docker";
import { LoadWriter } from "../../support/load-writer";
import { query, queryOne } from "../../support/pg";
import { describeRun } from "../../support/process";
import { inRecovery } from "../../support/replication";
import { checkRows, describeMissing } from "../../support/rows";
import { summaryLine } from "../../support/summary";
import { promote } from "../../support/tools";
import { seconds } from "../../support/wait";

const STACK = "it-fault-promote";

describe("losing the primary in synchronous mode", { timeout: 300_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, {
      primaryPort: "29050", firstReplicaPort: "29051", replicas: "1", syncMode: "first", synchronousCommit: "remote_apply",
    });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("promote: after the primary is killed, the promoted standby has every acknowledged commit and accepts writes", { timeout: 120_000 }, async (t) => {
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_promote", ratePerSecond: 100, statementTimeoutMs: 0, queryTimeoutMs: 10_000 });
    await writer.start();
    try {
      await writer.waitForAcks(500, 30_000);
      // Without synchronous replication the durability check below would prove nothing.
      const modes = await query<{ application_name: string; sync_state: string }>(cluster.primaryDsn, "SELECT application_name, sync_state FROM pg_stat_replication");
      assert.deepEqual(modes, [{ application_name: "replica_1", sync_state: "sync" }], "the standby is synchronous before the kill");
      assert.equal((await queryOne<{ s: string }>(cluster.primaryDsn, "SELECT current_setting('synchronous_commit') AS s")).s, "remote_apply");
      await docker(["kill", "-s", "KILL", cluster.primaryContainer]);
      const killedAt = Date.now();
      const report = await writer.stop();
      assert.equal(await isRunning(cluster.primaryContainer), false, "the primary is down");
      assert.equal(report.localOnly.length, 0, "no commit was acknowledged without its standby");

      const promoted = await promote(cluster.outputsFile, 1);
      assert.equal(promoted.code, 0, describeRun("promote --replica 1", promoted));
      assert.match(promoted.stdout, /promoted replica-1/);
      const promotedMs = Date.now() - killedAt;

      const dsn = cluster.replicaDsn(1);
      assert.equal(await inRecovery(dsn), false, "replica-1 is out of recovery");
      const check = await checkRows(dsn, writer.table, report.acked);
      assert.equal(check.missingCount, 0, describeMissing("replica_1", check));
      const next = report.attempted + 1;
      await queryOne(dsn, `INSERT INTO ${writer.table} (id) VALUES ($1) RETURNING id`, [next]);
      const written = await checkRows(dsn, writer.table, [next]);
      assert.equal(written.found, 1, "the promoted node accepts writes");
      t.diagnostic(summaryLine("promote", report, [["replica_1 (promoted)", check]], `promoted and writable ${seconds(promotedMs)} after the kill (promote.ts ran ${seconds(promoted.ms)})`, [
        `writer failures ${report.failed} (the commit in flight at the kill: ${report.errors.map((e) => `"${e}"`).join(", ")}), rows on replica_1 ${check.total}`,
      ]));
    } finally {
      await writer.stop();
    }
  });
});
