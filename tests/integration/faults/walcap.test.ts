/**
 * Scenario 7, the WAL cap: a standby down while far more WAL is written than
 * max_slot_wal_keep_size; its slot is invalidated (wal_status lost) instead
 * of filling the disk, pg_wal stays bounded, and verify says so.
 * Scenario 8, rebuilding a standby from scratch the Pulumi way,
 * `pulumi up --replace <URN of its data volume>`: the engine replaces what
 * depends on the volume with it, so the standby container is removed, the
 * base-backup Command's delete drops the slot, the volume is created again
 * empty, the Command's create makes the slot anew and takes a new base
 * backup, and the standby starts and streams. The primary and the other
 * standby are neither restarted nor seeded again, and no orphaned slot is
 * left.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, inspect, inspectContainer, logsOf } from "../../support/docker";
import { LoadWriter, type WriterReport } from "../../support/load-writer";
import { closeQuietly, connect, query, queryOne } from "../../support/pg";
import { describeRun } from "../../support/process";
import { exportStack, findExported, type StackExport } from "../../support/pulumi";
import { currentLsn, slot, slots, waitReplayed, walDirBytes, type SlotState } from "../../support/replication";
import { assertNoAckedRowMissing, checkRows, describeMissing, type RowCheck } from "../../support/rows";
import { summaryLine } from "../../support/summary";
import { verify } from "../../support/tools";
import { seconds, waitFor } from "../../support/wait";

const STACK = "it-fault-walcap";
const MB = 1024 * 1024;
const CAP_MB = 64;
const VOLUME = "docker:index/volume:Volume";
const COMMAND = "command:local:Command";
/** Types as `pulumi up` prints them (the module part shortened). */
const SHOWN = { volume: "docker:index:Volume", container: "docker:index:Container", command: "command:local:Command" };

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

describe("WAL cap and standby rebuild", { timeout: 720_000 }, () => {
  let cluster: TestCluster;
  let capReport: WriterReport | undefined;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, {
      primaryPort: "29060", firstReplicaPort: "29061", replicas: "2", maxSlotWalKeepSize: `${CAP_MB}MB`, walKeepSize: "16MB",
    });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  /** What must not change for a node that is not rebuilt: its server, its container, its base backup. */
  interface NodeMark {
    readonly label: string;
    readonly postmasterStart: string;
    readonly containerId: string;
    readonly startedAt: string;
  }

  async function markNode(label: string, dsn: string, container: string): Promise<NodeMark> {
    const [row] = await query<{ t: string }>(dsn, "SELECT pg_postmaster_start_time()::text AS t");
    const info = await inspectContainer(container);
    return { label, postmasterStart: row.t, containerId: info.Id, startedAt: info.State.StartedAt };
  }

  async function volumeCreatedAt(name: string): Promise<string> {
    const volume = await inspect<{ CreatedAt: string }>("volume", name);
    assert.ok(volume !== undefined, `volume ${name} exists`);
    return volume.CreatedAt;
  }

  /** The resources `pulumi up` reported replaced (` +- <type> <name> replaced`), as "type name". */
  function replacedIn(upOutput: string): string[] {
    return [...upOutput.matchAll(/^ *\+- +(\S+) +(\S+) +replaced\b/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  }

  /** Resource name -> id for every resource in a stack export. */
  function idsOf(state: StackExport): Map<string, string | undefined> {
    return new Map(state.resources.map((r) => [r.urn, r.id]));
  }

  interface Rebuilt {
    /** What the new base-backup Command printed (its stdout in the stack's state). */
    readonly backupStdout: string;
    readonly replaced: readonly string[];
    readonly upMs: number;
    readonly totalMs: number;
    /** The nodes that were left alone, as checked. */
    readonly untouched: readonly string[];
  }

  /**
   * Rebuilds standby `n` with `pulumi up --replace <URN of its volume>`, waits
   * until it has caught up, and checks that exactly its volume, base-backup
   * Command and container were replaced, in the order that drops the slot
   * before the new base backup, and that every other node kept its server,
   * container and base backup.
   */
  async function rebuild(n: number): Promise<Rebuilt> {
    const replica = cluster.replica(n);
    const volume = `${replica.containerName}-data`;
    const seed = `${replica.containerName}-basebackup`;
    const urn = cluster.pulumi.urn(VOLUME, volume);
    const others = cluster.outputs.replicas.filter((r) => r.index !== n);
    const marks = async (): Promise<NodeMark[]> => [
      await markNode("primary", cluster.primaryDsn, cluster.primaryContainer),
      ...await Promise.all(others.map((r) => markNode(r.slot, cluster.replicaDsn(r.index), r.containerName))),
    ];
    const before = await exportStack(cluster.pulumi);
    assert.ok(before.resources.some((r) => r.urn === urn), `${urn} is in the stack's state`);
    const marksBefore = await marks();
    const volumeBefore = await volumeCreatedAt(volume);

    const started = Date.now();
    const up = await cluster.pulumi.up(["--replace", urn]);
    const upMs = Date.now() - started;
    assert.equal(up.code, 0, describeRun(`pulumi up --replace ${urn}`, up));
    await cluster.waitCaughtUp(90_000, [replica]);
    const totalMs = Date.now() - started;

    // Exactly the standby's volume, base backup and container were replaced, and the standby-list
    // command, which runs again (and waits for the standby) for every new standby container.
    const sync = `${cluster.outputs.namePrefix}-sync`;
    const replaced = replacedIn(up.stdout);
    assert.deepEqual(replaced, [`${SHOWN.command} ${seed}`, `${SHOWN.command} ${sync}`, `${SHOWN.container} ${replica.containerName}`, `${SHOWN.volume} ${volume}`].sort(), up.stdout);
    assert.match(up.stdout, /^ +\+-4 replaced$/m, up.stdout);
    // Dependents go first: the container, then the Command (its delete drops the slot) before the new Command runs.
    const at = (what: RegExp): number => up.stdout.search(what);
    const seedDeleted = at(new RegExp(`${SHOWN.command} +${seed} +deleted original`));
    const containerDeleted = at(new RegExp(`${SHOWN.container} +${replica.containerName} +deleted original`));
    const volumeCreated = at(new RegExp(`${SHOWN.volume} +${volume} +created replacement`));
    const seedCreated = at(new RegExp(`${SHOWN.command} +${seed} +created replacement`));
    assert.ok(containerDeleted >= 0 && seedDeleted > containerDeleted && volumeCreated > seedDeleted && seedCreated > volumeCreated,
      `container deleted, then the base backup (slot dropped), then the volume created, then the new base backup:\n${up.stdout}`);
    assert.notEqual(await volumeCreatedAt(volume), volumeBefore, "the volume was created again");

    const after = await exportStack(cluster.pulumi);
    const [idsBefore, idsAfter] = [idsOf(before), idsOf(after)];
    assert.deepEqual([...idsAfter.keys()].sort(), [...idsBefore.keys()].sort(), "the same resources");
    const newIds = [...idsAfter].filter(([u, id]) => idsBefore.get(u) !== id).map(([u]) => u.split("::").pop()).sort();
    assert.deepEqual(newIds, [seed, sync, replica.containerName].sort(), "only the rebuilt standby's Command and container, and the standby-list command, have new ids (a volume's id is its name)");

    const marksAfter = await marks();
    assert.deepEqual(marksAfter, marksBefore, "the primary and the other standbys were not restarted, their containers not replaced");
    const stdout = findExported(after, COMMAND, seed).outputs["stdout"];
    assert.equal(typeof stdout, "string");
    return { backupStdout: String(stdout), replaced, upMs, totalMs, untouched: marksAfter.map((m) => m.label) };
  }

  async function assertOneSlotPerStandby(): Promise<void> {
    const names = (await slots(cluster.primaryDsn)).map((s) => s.name);
    assert.deepEqual(names, cluster.expectedSlots(), "exactly one slot per standby, no orphan");
  }

  /**
   * Scenario 8 under a write load, as both rebuild tests run it: rebuilds
   * standby `n` while a writer commits, checks what the new base backup
   * printed and the slot after it (dropped by the old Command's delete,
   * created again by the new one's create), then one slot per standby and
   * every acknowledged row on every node.
   */
  async function rebuildUnderLoad(n: number, table: string): Promise<{
    report: WriterReport; found: [string, RowCheck][]; rebuilt: Rebuilt; slotBefore: SlotState; slotAfter: SlotState;
  }> {
    const replica = cluster.replica(n);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table, ratePerSecond: 100 });
    await writer.start();
    try {
      await writer.waitForAcks(200, 20_000);
      const slotBefore = await slot(cluster.primaryDsn, replica.slot);
      const rebuilt = await rebuild(n);
      assert.match(rebuilt.backupStdout, new RegExp(`^created slot ${replica.slot}$`, "m"),
        "the new base backup found no slot (the old Command's delete dropped it) and created it");
      assert.match(rebuilt.backupStdout, new RegExp(`base backup of ${replica.containerName} complete \\(slot ${replica.slot}\\)`));
      const slotAfter = await slot(cluster.primaryDsn, replica.slot);
      assert.equal(slotAfter.active, true, "the rebuilt standby streams through its slot");
      assert.equal(slotAfter.walStatus, "reserved");
      await assertOneSlotPerStandby();

      await writer.waitForAcks(100, 20_000);
      const report = await writer.stop();
      assert.equal(report.gaveUp, null);
      assert.equal(report.failed, 0, "the primary took every write during the rebuild");
      await cluster.waitCaughtUp(30_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      return { report, found, rebuilt, slotBefore, slotAfter };
    } finally {
      await writer.stop();
    }
  }

  const recoveryOf = (r: Rebuilt): string => `rebuilt by pulumi up --replace in ${seconds(r.upMs)}, streaming and caught up ${seconds(r.totalMs)} after it started`;
  const untouchedOf = (r: Rebuilt): string => `replaced only ${r.replaced.map((x) => x.split(" ")[1]).join(", ")}; ${r.untouched.join(" and ")} not restarted, not seeded again`;

  it("rebuild: pulumi up --replace of a standby's volume drops and recreates its slot, seeds it anew, and it streams again; the others are untouched", { timeout: 300_000 }, async (t) => {
    const replica = cluster.replica(2);
    const { report, found, rebuilt, slotBefore, slotAfter } = await rebuildUnderLoad(2, "fault_rebuild");
    assert.equal(slotBefore.active, true, "the slot was in use before the rebuild");
    t.diagnostic(summaryLine("rebuild", report, found, recoveryOf(rebuilt), [
      `slot ${replica.slot} dropped and created again (restart_lsn ${slotBefore.restartLsn} -> ${slotAfter.restartLsn}), slots on primary: ${cluster.outputs.replicas.length}`,
      untouchedOf(rebuilt),
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

  it("rebuild-lost: rebuilding the standby whose slot was lost recreates the slot; every node has every row and verify passes", { timeout: 300_000 }, async (t) => {
    assert.ok(capReport !== undefined, "the wal-cap scenario ran first");
    const replica = cluster.replica(1);
    assert.equal((await slot(cluster.primaryDsn, replica.slot)).walStatus, "lost");
    const { report, found, rebuilt } = await rebuildUnderLoad(1, "fault_rebuild_lost");
    const earlier = await checkRows(cluster.replicaDsn(1), capReport.table, capReport.acked);
    assert.equal(earlier.missingCount, 0, describeMissing("replica_1 (rows written while its slot was lost)", earlier));

    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, describeRun("verify", verified));
    t.diagnostic(summaryLine("rebuild-lost", report, found, recoveryOf(rebuilt), [
      `lost slot ${replica.slot} dropped and created again, slots on primary: ${cluster.outputs.replicas.length}`,
      untouchedOf(rebuilt),
      `replica_1 has all ${earlier.found} rows acknowledged while it was lost`,
      "verify exit 0",
    ]));
  });
});
