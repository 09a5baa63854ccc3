/**
 * Scenario 5, synchronous replication under load.
 *
 * FIRST 1 with remote_apply and one standby: a commit returns only once the
 * standby has applied it, so the row is readable there at once; with that
 * standby down, commits wait. What PostgreSQL 17 does then, as this test
 * shows it: the commit is already flushed locally, but the transaction stays
 * in progress for everyone else (its row is invisible) until the wait ends;
 * statement_timeout does NOT end the wait (it is disabled before the commit
 * runs), a client-side timeout only abandons it (the server keeps waiting);
 * pg_cancel_backend ends it with a WARNING and the COMMIT returns success
 * (the row becomes visible, without having reached the standby). When the
 * standby returns, waiting commits complete.
 *
 * ANY 1 with two standbys: one standby down, commits go on.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "pg";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker } from "../../support/docker";
import { LoadWriter } from "../../support/load-writer";
import { closeQuietly, connect, queryOne } from "../../support/pg";
import { currentLsn, sender, waitReplayed } from "../../support/replication";
import { assertNoAckedRowMissing, checkRows } from "../../support/rows";
import { summaryLine } from "../../support/summary";
import { describeRun } from "../../support/process";
import { verify } from "../../support/tools";
import { seconds, sleep, waitFor } from "../../support/wait";

const SYNC_APPLY = { syncMode: "first", synchronousCommit: "remote_apply" };

/** What the tests read of a server notice. */
interface Notice {
  readonly severity?: string;
  readonly message?: string;
  readonly detail?: string;
}

/** A promise whose settlement can be looked at without awaiting it. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  return { promise: tracked, settled: () => done };
}

describe("synchronous replication, FIRST 1 with remote_apply and one standby", { timeout: 300_000 }, () => {
  const STACK = "it-fault-sync-first";
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { primaryPort: "29030", firstReplicaPort: "29031", replicas: "1", ...SYNC_APPLY });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("sync-apply: every commit of a burst is readable on the standby the moment it returns", { timeout: 60_000 }, async (t) => {
    assert.equal((await sender(cluster.primaryDsn, "replica_1"))?.syncState, "sync", "replica_1 is the synchronous standby");
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_sync_load", ratePerSecond: 50 });
    await writer.start();
    const primary = await connect(cluster.primaryDsn);
    const standby = await connect(cluster.replicaDsn(1));
    const burst: number[] = [];
    const late: number[] = [];
    try {
      await primary.query("CREATE TABLE fault_sync_burst (id bigint PRIMARY KEY)");
      const started = Date.now();
      for (let id = 1; id <= 500; id++) {
        await primary.query("INSERT INTO fault_sync_burst (id) VALUES ($1)", [id]);
        burst.push(id);
        const seen = await standby.query<{ there: boolean }>("SELECT EXISTS (SELECT FROM fault_sync_burst WHERE id = $1) AS there", [id]);
        if (seen.rows[0]?.there !== true) late.push(id);
      }
      const burstMs = Date.now() - started;
      const report = await writer.stop();
      assert.deepEqual(late, [], "no commit of the burst is missing on the standby when it returns");
      assert.equal(report.gaveUp, null);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      t.diagnostic(summaryLine("sync-apply", report, found, `burst of ${burst.length} commits each read back on replica_1 at once (${burst.length - late.length}/${burst.length}), ${(burstMs / burst.length).toFixed(1)} ms per commit + read`));
    } finally {
      await writer.stop();
      await closeQuietly(primary);
      await closeQuietly(standby);
    }
  });

  it("sync-wait: with the only synchronous standby down commits wait; statement_timeout does not end the wait, a cancel does (WARNING, committed locally); the standby's return releases them", { timeout: 120_000 }, async (t) => {
    const replica = cluster.replica(1);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_sync_wait_load", ratePerSecond: 50, statementTimeoutMs: 0, queryTimeoutMs: 90_000 });
    const observer = await connect(cluster.primaryDsn);
    const clients: Client[] = [];
    let stopped = false;
    try {
      await observer.query("CREATE TABLE fault_sync_wait (id bigint PRIMARY KEY)");
      await writer.start();
      await writer.waitForAcks(100, 20_000);

      // The waiting sessions: one with a 2 s statement_timeout, one with a 2 s client-side read timeout.
      const withStatementTimeout = await connect(cluster.primaryDsn, { statementTimeoutMs: 2000, queryTimeoutMs: 60_000, applicationName: "sync-wait-statement-timeout" });
      const withClientTimeout = await connect(cluster.primaryDsn, { statementTimeoutMs: 0, queryTimeoutMs: 2000, applicationName: "sync-wait-client-timeout" });
      clients.push(withStatementTimeout, withClientTimeout);
      const notices: Notice[] = [];
      withStatementTimeout.on("notice", (n) => notices.push({ severity: n.severity, message: n.message, detail: n.detail }));
      const pid = Number((await withStatementTimeout.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0].pid);

      await docker(["stop", replica.containerName]);
      stopped = true;
      const stoppedAt = Date.now();
      await sleep(1000);
      const ackedWhileDown = writer.ackedCount;

      const waiting = track(withStatementTimeout.query("INSERT INTO fault_sync_wait (id) VALUES (1)"));
      const abandoned = track(withClientTimeout.query("INSERT INTO fault_sync_wait (id) VALUES (2)"));
      await assert.rejects(abandoned.promise, /Query read timeout/, "the client-side timeout gives up after 2 s");
      await sleep(2500);
      assert.equal(waiting.settled(), false, "statement_timeout (2 s) has not ended the wait after 4.5 s");
      const sessions = await observer.query<{ application_name: string; wait_event: string | null }>(
        "SELECT application_name, wait_event FROM pg_stat_activity WHERE application_name LIKE 'sync-wait-%' ORDER BY 1",
      );
      assert.deepEqual(sessions.rows.map((r) => [r.application_name, r.wait_event]), [
        ["sync-wait-client-timeout", "SyncRep"],
        ["sync-wait-statement-timeout", "SyncRep"],
      ], "both commits wait for the standby on the server, the abandoned one too");
      const invisible = await observer.query<{ n: string }>("SELECT count(*) AS n FROM fault_sync_wait");
      assert.equal(Number(invisible.rows[0].n), 0, "a commit waiting for its standby is not visible to other sessions");
      assert.equal(writer.ackedCount, ackedWhileDown, "the writer's commits wait too");

      const verified = await verify(cluster.outputsFile);
      assert.equal(verified.code, 1, describeRun("verify with the synchronous standby down", verified));
      assert.match(verified.stdout, /✗ primary\s+synchronous standbys\s+0 of the 1 synchronous standbys that FIRST 1 needs are streaming: commits wait \(synchronous_commit=remote_apply\)/);

      const cancelledAt = Date.now();
      await observer.query("SELECT pg_cancel_backend($1)", [pid]);
      await waiting.promise;
      const warning = notices.find((n) => /synchronous replication/.test(n.message ?? ""));
      assert.ok(warning !== undefined, "the cancelled commit returns with a notice");
      assert.equal(warning.severity, "WARNING");
      assert.equal(warning.message, "canceling wait for synchronous replication due to user request");
      assert.equal(warning.detail, "The transaction has already committed locally, but might not have been replicated to the standby.");
      const visible = await observer.query<{ ids: string[] }>("SELECT array_agg(id ORDER BY id)::text[] AS ids FROM fault_sync_wait");
      assert.deepEqual(visible.rows[0].ids, ["1"], "the cancelled commit is visible at once; the abandoned one still waits");
      const waitedMs = cancelledAt - stoppedAt;

      const startedAt = Date.now();
      await docker(["start", replica.containerName]);
      stopped = false;
      await writer.waitForAcks(1, 60_000);
      const resumedMs = Date.now() - startedAt;
      await waitFor("the abandoned commit to complete", async () => {
        const r = await observer.query<{ n: string }>("SELECT count(*) AS n FROM fault_sync_wait WHERE id = 2");
        return Number(r.rows[0].n) === 1 ? true : undefined;
      }, { timeoutMs: 30_000 });

      await writer.waitForAcks(100, 20_000);
      const report = await writer.stop();
      assert.equal(report.gaveUp, null);
      assert.equal(report.localOnly.length, 0, "no writer commit was cancelled");
      await cluster.waitCaughtUp(30_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      const onStandby = await checkRows(cluster.replicaDsn(1), "fault_sync_wait", [1, 2]);
      assert.equal(onStandby.found, 2, "the cancelled and the abandoned commit reach the standby once it is back");
      assert.ok(report.maxCommitMs >= waitedMs - 1000, `the writer's slowest commit (${report.maxCommitMs} ms) spans the outage`);
      t.diagnostic(summaryLine("sync-wait", report, found, `writes resumed ${seconds(resumedMs)} after the standby started`, [
        `slowest writer commit ${seconds(report.maxCommitMs)}`,
        `commits waited ${seconds(waitedMs)} with the standby down (statement_timeout 2 s did not end the wait; pg_cancel_backend did: ${warning.severity} ${warning.message})`,
      ]));
    } finally {
      if (stopped) await docker(["start", replica.containerName]).catch(() => undefined);
      await writer.stop();
      for (const c of clients) await closeQuietly(c);
      await closeQuietly(observer);
    }
  });
});

describe("synchronous replication, ANY 1 of two standbys", { timeout: 300_000 }, () => {
  const STACK = "it-fault-sync-any";
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, {
      primaryPort: "29040", firstReplicaPort: "29041", replicas: "2", syncMode: "any", syncCount: "1", synchronousCommit: "remote_apply",
    });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("sync-any: with one of the two standbys down, commits continue", { timeout: 120_000 }, async (t) => {
    const down = cluster.replica(1);
    const writer = new LoadWriter({ dsn: cluster.primaryDsn, table: "fault_sync_any", ratePerSecond: 100, statementTimeoutMs: 0, queryTimeoutMs: 10_000 });
    await writer.start();
    let stopped = false;
    try {
      await writer.waitForAcks(100, 20_000);
      assert.equal((await sender(cluster.primaryDsn, "replica_2"))?.syncState, "quorum");
      await docker(["stop", down.containerName]);
      stopped = true;
      const stoppedAt = Date.now();
      await writer.waitForAcks(500, 15_000);
      const rate = 500 / ((Date.now() - stoppedAt) / 1000);
      assert.equal(await sender(cluster.primaryDsn, "replica_1"), null, "replica_1 is gone from pg_stat_replication");
      assert.equal((await sender(cluster.primaryDsn, "replica_2"))?.syncState, "quorum", "replica_2 alone makes the quorum");
      const last = writer.lastAckedId;
      assert.ok(last !== undefined);
      const onSecond = await queryOne<{ there: boolean }>(cluster.replicaDsn(2), `SELECT EXISTS (SELECT FROM ${writer.table} WHERE id = $1) AS there`, [last]);
      assert.equal(onSecond.there, true, "the last acknowledged commit is already applied on replica_2");

      const target = await currentLsn(cluster.primaryDsn);
      const startedAt = Date.now();
      await docker(["start", down.containerName]);
      stopped = false;
      await waitReplayed(cluster.primaryDsn, down.applicationName, target, 60_000);
      const caughtUpMs = Date.now() - startedAt;
      const report = await writer.stop();
      assert.equal(report.gaveUp, null);
      assert.equal(report.failed, 0, "no commit failed");
      await cluster.waitCaughtUp(30_000);
      const found = await assertNoAckedRowMissing(cluster.nodes(), writer.table, report.acked);
      t.diagnostic(summaryLine("sync-any", report, found, `replica_1 caught up in ${seconds(caughtUpMs)} after its start`, [
        `${rate.toFixed(0)} commits/s with replica_1 down, slowest commit ${report.maxCommitMs} ms`,
      ]));
    } finally {
      if (stopped) await docker(["start", down.containerName]).catch(() => undefined);
      await writer.stop();
    }
  });
});
