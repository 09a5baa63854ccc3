/**
 * Scenario 7, the WAL cap: a standby down while far more WAL is written than
 * max_slot_wal_keep_size; its slot is invalidated (wal_status lost) instead
 * of filling the disk, pg_wal stays bounded, and verify says so.
 * Scenario 8, rebuilding a standby from scratch by re-running its
 * base-backup Command: the slot is reused (or recreated when it was lost),
 * the standby streams again, and no orphaned slot is left.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, logsOf } from "../../support/docker";
import { LoadWriter, type WriterReport } from "../../support/load-writer";
import { closeQuietly, connect, query, queryOne } from "../../support/pg";
import { describeRun } from "../../support/process";
import { emptyVolume, rerunCreate, volumeOf } from "../../support/rebuild";
import { currentLsn, slot, slots, waitReplayed, walDirBytes, type SlotState } from "../../support/replication";
import { assertNoAckedRowMissing, checkRows, describeMissing, type RowCheck } from "../../support/rows";
import { readStateOrThrow } from "../../support/sandbox";
import { summaryLine } from "../../support/summary";
import { verify } from "../../support/tools";
import { seconds, waitFor } from "../../support/wait";

const STACK = "it-fault-walcap";
const MB = 1024 * 1024;
const CAP_MB = 64;

/**
 * About 32 MB of WAL per step: 18 MB of rows, then a switch to a new segment.
 * After each step the running standby is given time to replay it: the cap
 * applies to active slots too, and a streaming standby that falls more than
 * the cap behind at a checkpoint loses its slot as well (seen with 64MB and
 * unthrottled steps: "terminating process N to release replication slot").
 */
async function writeWal(dsn: string, steps: number, keepUp: string): Promise<void> {
  const client = await connect(dsn, { statementTimeoutMs: 60_000 });
  try {
    await client.query("CREATE TABLE IF NOT EXISTS fault_bulk (id int, pad text)");
    for (let i = 0; i < steps; i++) {
      await client.query("TRUNCATE fault_bulk");
      await client.query("INSERT INTO fault_bulk SELECT g, repeat('x', 900) FROM generate_series(1, 20000) g");
      const lsn = await client.query<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn");
      await client.query("SELECT pg_switch_wal()");
      await waitReplayed(dsn, keepUp, lsn.rows[0].lsn, 30_000);
    }
  } finally {
    await closeQuietly(client);
  }
}

async function checkpoint(dsn: string): Promise<void> {
  await query(dsn, "CHECKPOINT", [], { statementTimeoutMs: 60_000 });
}

const mb = (bytes: number | null): string => (bytes === null ? "-" : `${(bytes / MB).toFixed(0)} MB`);

describe("WAL cap and standby rebuild", { timeout: 420_000 }, () => {
  let cluster: TestCluster;
  let capReport: WriterReport | undefined;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, {
      primaryPort: "35060", firstReplicaPort: "35061", replicas: "2", maxSlotWalKeepSize: `${CAP_MB}MB`, walKeepSize: "16MB",
    });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  /** Stop, empty the volume, re-run the recorded base backup, start; returns what the Command printed and the time. */
  async function rebuild(n: number): Promise<{ stdout: string; backupMs: number; totalMs: number }> {
    const replica = cluster.replica(n);
    const state = await readStateOrThrow(cluster.stateDir);
    const started = Date.now();
    await docker(["stop", replica.containerName]);
    await emptyVolume(cluster.stack, cluster.outputs.image, volumeOf(state, replica.containerName));
    const seeded = await rerunCreate(state, `${replica.containerName}-basebackup`);
    assert.match(seeded.stdout, new RegExp(`base backup of ${replica.containerName} complete \\(slot ${replica.slot}\\)`));
    await docker(["start", replica.containerName]);
    await cluster.waitCaughtUp(60_000, [replica]);
    return { stdout: seeded.stdout, backupMs: seeded.ms, totalMs: Date.now() - started };
  }

  async function assertOneSlotPerStandby(): Promise<void> {
    const names = (await slots(cluster.primaryDsn)).map((s) => s.name);
    assert.deepEqual(names, cluster.outputs.replicas.map((r) => r.slot), "exactly one slot per standby, no orphan");
  }

  /**
   * Scenario 8 under a write load, as both rebuild tests run it: rebuilds
   * standby `n` while a writer commits, hands what the base backup printed and
   * the standby's slot right after it to `checkSlot` (reused or recreated is
   * the test's to say), then checks one slot per standby and every
   * acknowledged row on every node.
   */
  async function rebuildUnderLoad(n: number, table: string, checkSlot: (backupStdout: string, slotAfter: SlotState) => void): Promise<{
    report: WriterReport; found: [string, RowCheck][]; recovery: string; slotBefore: SlotState; slotAfter: SlotState;
  }> {
    const replica = cluster.replica(n);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table, ratePerSecond: 100 });
    await writer.start();
    try {
      await writer.waitForAcks(200, 20_000);
      const slotBefore = await slot(cluster.primaryDsn, replica.slot);
      const result = await rebuild(n);
      const slotAfter = await slot(cluster.primaryDsn, replica.slot);
      checkSlot(result.stdout, slotAfter);
      await assertOneSlotPerStandby();

      await writer.waitForAcks(100, 20_000);
      const report = await writer.stop();
      assert.equal(report.gaveUp, null);
      await cluster.waitCaughtUp(30_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      const recovery = `rebuilt and caught up in ${seconds(result.totalMs)} (base backup ${seconds(result.backupMs)})`;
      return { report, found, recovery, slotBefore, slotAfter };
    } finally {
      await writer.stop();
    }
  }

  it("rebuild: a standby rebuilt from an empty volume reuses its slot and streams again", { timeout: 120_000 }, async (t) => {
    const replica = cluster.replica(2);
    const { report, found, recovery, slotBefore, slotAfter } = await rebuildUnderLoad(2, "fault_rebuild", (backupStdout, afterRebuild) => {
      assert.doesNotMatch(backupStdout, /created slot/, "the existing slot was reused, not created");
      assert.equal(afterRebuild.active, true);
      assert.notEqual(afterRebuild.walStatus, "lost");
    });
    t.diagnostic(summaryLine("rebuild", report, found, recovery, [
      `slot ${replica.slot} reused (restart_lsn ${slotBefore.restartLsn} -> ${slotAfter.restartLsn}), slots on primary: ${cluster.outputs.replicas.length}`,
    ]));
  });

  it("wal-cap: with a standby down, WAL beyond maxSlotWalKeepSize invalidates its slot (lost), pg_wal stays bounded, verify fails naming the slot", { timeout: 180_000 }, async (t) => {
    const replica = cluster.replica(1);
    assert.equal((await queryOne<{ v: string }>(cluster.primaryDsn, "SELECT current_setting('max_slot_wal_keep_size') AS v")).v, `${CAP_MB}MB`);
    assert.equal((await queryOne<{ v: string }>(cluster.primaryDsn, "SELECT current_setting('wal_keep_size') AS v")).v, "16MB");
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_walcap", ratePerSecond: 50 });
    await writer.start();
    try {
      await writer.waitForAcks(100, 20_000);
      await docker(["stop", replica.containerName]);
      const startLsn = await currentLsn(cluster.primaryDsn);
      const walBefore = await walDirBytes(cluster.primaryDsn);

      await writeWal(cluster.primaryDsn, 8, "replica_2");
      const over = await slot(cluster.primaryDsn, replica.slot);
      const walPeak = await walDirBytes(cluster.primaryDsn);
      assert.ok(over.retainedBytes !== null && over.retainedBytes > 3 * CAP_MB * MB, `the stopped standby's slot is far past the cap (${mb(over.retainedBytes)})`);
      assert.ok(over.walStatus === "unreserved" || over.walStatus === "lost", `wal_status ${over.walStatus ?? "null"} past the cap`);

      await checkpoint(cluster.primaryDsn);
      const lost = await slot(cluster.primaryDsn, replica.slot);
      assert.equal(lost.walStatus, "lost", "the checkpoint invalidates the slot instead of keeping its WAL");
      assert.equal(lost.restartLsn, null, "a lost slot holds no WAL");
      const walAfterFirst = await walDirBytes(cluster.primaryDsn);

      await writeWal(cluster.primaryDsn, 8, "replica_2");
      await checkpoint(cluster.primaryDsn);
      await writeWal(cluster.primaryDsn, 8, "replica_2");
      await checkpoint(cluster.primaryDsn);
      const walEnd = await walDirBytes(cluster.primaryDsn);
      const written = Number((await queryOne<{ b: string }>(cluster.primaryDsn, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint::text AS b", [startLsn])).b);
      // Recycled segments (renamed for reuse) stay in pg_wal: its size follows the WAL written between
      // two checkpoints plus wal_keep_size, no longer the WAL written since the standby went away.
      assert.ok(walEnd <= walAfterFirst + 2 * 16 * MB, `pg_wal does not grow once the slot is lost (${mb(walAfterFirst)} -> ${mb(walEnd)})`);
      assert.ok(walEnd < written / 2, `pg_wal (${mb(walEnd)}) holds far less than the WAL written since the standby stopped (${mb(written)})`);

      // The standby comes back but cannot stream: its WAL is gone.
      await docker(["start", replica.containerName]);
      const removed = await waitFor("the standby to report its WAL removed", async () => {
        const logs = await logsOf(replica.containerName);
        return /requested WAL segment \S+ has already been removed/.exec(logs)?.[0];
      }, { timeoutMs: 30_000, intervalMs: 500 });
      const report = await writer.stop();
      assert.equal(report.gaveUp, null);
      await cluster.waitCaughtUp(30_000, [cluster.replica(2)]);
      const found = await assertNoAckedRowMissing([["primary", cluster.primaryDsn], ["replica_2", cluster.replicaDsn(2)]], writer.table, report.acked);
      capReport = report;

      const verified = await verify(cluster.outputsFile);
      assert.equal(verified.code, 1, describeRun("verify", verified));
      assert.match(verified.stdout, /✗ replica-1\s+slot\s+replica_1: wal_status lost: WAL the standby needs was removed/);
      const verdict = /FAILED: .*/.exec(verified.stdout)?.[0] ?? "";
      assert.match(verdict, /replica-1: [^;]*slot/);

      t.diagnostic(summaryLine("wal-cap", report, found, "replica_1 cannot recover without a rebuild", [
        `written ${mb(written)} of WAL with replica_1 down, slot retained ${mb(over.retainedBytes)} (${over.walStatus ?? "-"}) before the checkpoint, then lost`,
        `pg_wal ${mb(walBefore)} before, ${mb(walPeak)} at peak, ${mb(walAfterFirst)} after the first checkpoint, ${mb(walEnd)} at the end`,
        `standby log: "${removed}"`,
        `verify exit 1, "${verdict}"`,
      ]));
    } finally {
      await writer.stop();
    }
  });

  it("rebuild-lost: rebuilding the standby whose slot was lost recreates the slot; every node has every row and verify passes", { timeout: 120_000 }, async (t) => {
    assert.ok(capReport !== undefined, "the wal-cap scenario ran first");
    const replica = cluster.replica(1);
    assert.equal((await slot(cluster.primaryDsn, replica.slot)).walStatus, "lost");
    const { report, found, recovery } = await rebuildUnderLoad(1, "fault_rebuild_lost", (backupStdout, fresh) => {
      assert.match(backupStdout, new RegExp(`created slot ${replica.slot}`), "the lost slot was dropped and created again");
      assert.equal(fresh.active, true);
      assert.equal(fresh.walStatus, "reserved");
    });
    const earlier = await checkRows(cluster.replicaDsn(1), capReport.table, capReport.acked);
    assert.equal(earlier.missingCount, 0, describeMissing("replica_1 (rows written while its slot was lost)", earlier));

    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, describeRun("verify", verified));
    t.diagnostic(summaryLine("rebuild-lost", report, found, recovery, [
      `slot ${replica.slot} recreated, slots on primary: ${cluster.outputs.replicas.length}`,
      `replica_1 has all ${earlier.found} rows acknowledged while it was lost`,
      "verify exit 0",
    ]));
  });
});
