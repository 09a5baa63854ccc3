/**
 * A standby that goes away under load, then comes back: stopped with
 * `docker stop` (scenario 1), or cut off from the cluster network for ~20 s
 * (scenario 4). It must catch up through its slot, losing no row.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, isRunning } from "../../support/docker";
import { LoadWriter, type WriterReport } from "../../support/load-writer";
import { currentLsn, slot, waitReplayed } from "../../support/replication";
import { assertNoAckedRowMissing } from "../../support/rows";
import { summaryLine } from "../../support/summary";
import { describeRun } from "../../support/process";
import { verify } from "../../support/tools";
import { seconds, sleep, waitFor } from "../../support/wait";

const STACK = "it-fault-standby";
const PORTS = { primaryPort: "29010", firstReplicaPort: "29011" };

describe("a standby lost under load catches up", { timeout: 300_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { ...PORTS, replicas: "1" });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  /**
   * Ends the fault with `lift` and times the standby's catch-up to what the
   * primary had written by then; then lets the writer commit 100 more, stops
   * it, and waits until the standby has replayed everything.
   */
  async function liftAndCatchUp(writer: LoadWriter, lift: () => Promise<unknown>, timeoutMs: number): Promise<{ report: WriterReport; liftedAt: number; caughtUpMs: number }> {
    const target = await currentLsn(cluster.primaryDsn);
    const liftedAt = Date.now();
    await lift();
    await waitReplayed(cluster.primaryDsn, cluster.replica(1).applicationName, target, timeoutMs);
    const caughtUpMs = Date.now() - liftedAt;

    await writer.waitForAcks(100, 20_000);
    const report = await writer.stop();
    assert.equal(report.gaveUp, null, "the writer ran to the end");
    await cluster.waitCaughtUp(30_000);
    return { report, liftedAt, caughtUpMs };
  }

  it("standby-stop: a stopped standby catches up through its slot, which retains WAL while it is down and releases it after", { timeout: 120_000 }, async (t) => {
    const replica = cluster.replica(1);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_standby_stop", ratePerSecond: 100 });
    await writer.start();
    try {
      await writer.waitForAcks(100, 20_000);
      await cluster.waitCaughtUp(20_000);

      await docker(["stop", replica.containerName]);
      assert.equal(await isRunning(replica.containerName), false);
      // The primary notices the standby's exit a moment later; from then on its slot is inactive.
      const downFirst = await waitFor("the slot to become inactive", async () => {
        const s = await slot(cluster.primaryDsn, replica.slot);
        return s.active ? undefined : s;
      }, { timeoutMs: 15_000, intervalMs: 100 });
      await writer.waitForAcks(400, 20_000);
      const downLast = await slot(cluster.primaryDsn, replica.slot);
      assert.equal(downLast.active, false, "the slot is inactive while its standby is stopped");
      assert.ok(downFirst.retainedBytes !== null && downLast.retainedBytes !== null, "the slot holds WAL");
      assert.ok(downLast.retainedBytes > downFirst.retainedBytes, `retained WAL grows while the standby is down (${downFirst.retainedBytes} -> ${downLast.retainedBytes} bytes)`);
      assert.equal(downLast.restartLsn, downFirst.restartLsn, "restart_lsn does not move while the standby is down");
      const whileDown = await verify(cluster.outputsFile);
      assert.equal(whileDown.code, 1, describeRun("verify with a standby down", whileDown));
      assert.match(whileDown.stdout, /✗ replica-1\s+slot\s+replica_1 inactive, retains/);
      const verdict = /FAILED: .*/.exec(whileDown.stdout)?.[0] ?? "";
      assert.match(verdict, /replica-1: reachable, replication, slot/);

      const { report, caughtUpMs } = await liftAndCatchUp(writer, () => docker(["start", replica.containerName]), 60_000);
      const released = await slot(cluster.primaryDsn, replica.slot);
      assert.equal(released.active, true, "the slot is active again");
      assert.ok(released.retainedBytes !== null && released.retainedBytes < downLast.retainedBytes, `retained WAL is released (${downLast.retainedBytes} bytes while down, ${released.retainedBytes} after)`);
      assert.notEqual(released.restartLsn, downLast.restartLsn, "restart_lsn advanced");

      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      const healed = await verify(cluster.outputsFile);
      assert.equal(healed.code, 0, describeRun("verify after catching up", healed));
      t.diagnostic(summaryLine("standby-stop", report, found, `caught up in ${seconds(caughtUpMs)}`, [
        `slot retained ${downFirst.retainedBytes} -> ${downLast.retainedBytes} bytes while down, ${released.retainedBytes} after`,
        `verify while down: exit 1, "${verdict}"; after: exit 0`,
        `writer failures ${report.failed}`,
      ]));
    } finally {
      await writer.stop();
    }
  });

  it("partition: a standby cut off from the cluster network for 20 s catches up after reconnecting", { timeout: 180_000 }, async (t) => {
    const replica = cluster.replica(1);
    const network = cluster.outputs.networkName;
    const reconnect = (): Promise<string> => docker(["network", "connect", "--alias", `replica-${replica.index}`, network, replica.containerName]);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_partition", ratePerSecond: 100 });
    await writer.start();
    let connected = true;
    try {
      await writer.waitForAcks(100, 20_000);
      await cluster.waitCaughtUp(30_000);

      await docker(["network", "disconnect", network, replica.containerName]);
      connected = false;
      const cutAt = Date.now();
      const ackedBefore = writer.ackedCount;
      const cut = await verify(cluster.outputsFile);
      assert.equal(cut.code, 1, describeRun("verify during the partition", cut));
      const verdict = /FAILED: .*/.exec(cut.stdout)?.[0] ?? "";
      assert.match(verdict, /replica-1: /);
      await sleep(Math.max(0, 20_000 - (Date.now() - cutAt)));
      assert.ok(writer.ackedCount - ackedBefore > 500, `the primary keeps committing during the partition (${writer.ackedCount - ackedBefore} commits)`);
      assert.equal(await isRunning(replica.containerName), true, "the standby itself keeps running");

      const late = await verify(cluster.outputsFile);
      assert.equal(late.code, 1, describeRun("verify at the end of the partition", late));
      const lateVerdict = /FAILED: .*/.exec(late.stdout)?.[0] ?? "";
      // The primary's sender still says streaming (its timeout is 60 s); verify fails replication on the silence.
      assert.match(lateVerdict, /replica-1: .*replication/, "the late verdict fails replica-1's replication check");
      assert.match(late.stdout, /says streaming, but the standby has not replied for (\d+) s/);
      const silentFor = Number(/has not replied for (\d+) s/.exec(late.stdout)?.[1]);
      assert.ok(silentFor >= 15, `the silence verify reports (${silentFor} s) spans the partition`);

      const { report, liftedAt, caughtUpMs } = await liftAndCatchUp(writer, async () => {
        await reconnect();
        connected = true;
      }, 120_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      t.diagnostic(summaryLine("partition", report, found, `caught up in ${seconds(caughtUpMs)} after reconnecting`, [
        `partition ${seconds(liftedAt - cutAt)}, verify at its start: exit 1, "${verdict}", at its end: exit 1, "${lateVerdict}"`,
        `writer failures ${report.failed}`,
      ]));
    } finally {
      await writer.stop();
      if (!connected) await reconnect().catch(() => undefined);
    }
  });
});
