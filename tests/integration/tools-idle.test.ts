/**
 * The idle-cluster trap: with no writes for 30 s, the age of the last
 * replayed commit on a standby keeps growing and PostgreSQL's own lag
 * columns go stale or NULL, yet the standby is not behind at all. status
 * and verify must report zero lag. Ports 25436-25437 belong to this file.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../support/cluster";
import { query } from "../support/pg";
import { findCheck, status, verify, type StatusJson, type VerifyJson } from "../support/tools";
import { waitFor } from "../support/wait";

const STACK = "it-tools-idle";
const PRIMARY_PORT = 25436;
const IDLE_MS = 30_000;

describe("an idle cluster", { timeout: 300_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { replicas: "1", primaryPort: String(PRIMARY_PORT), firstReplicaPort: String(PRIMARY_PORT + 1) });
    // One commit, so the standby has a last-replayed-commit time to grow old.
    await query(cluster.primaryDsn, "SELECT txid_current()");
    // Idle means no commit for IDLE_MS. A new server's first autovacuum
    // round commits a few seconds after start, which restarts the clock;
    // so wait on the standby's own clock rather than a fixed sleep.
    await waitFor(`${IDLE_MS / 1000} s without a replayed commit`, async () => {
      const [row] = await query<{ age: number | null }>(cluster.replicaDsn(1), "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age");
      return row.age !== null && row.age * 1000 >= IDLE_MS ? true : undefined;
    }, { timeoutMs: IDLE_MS + 90_000 });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("looks 30 s behind by the naive standby-side measure, while it has replayed all it received", async () => {
    const [row] = await query<{ age: number; caught_up: boolean }>(
      cluster.replicaDsn(1),
      "SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS age, pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up",
    );
    assert.ok(row.age * 1000 >= IDLE_MS, `last replayed commit is ${row.age} s old`);
    assert.equal(row.caught_up, true);
  });

  it("status reports zero lag in bytes and time", async () => {
    // The background writer logs a running-transactions record every 15 s;
    // a snapshot taken in the few ms before the standby replays it would
    // show that record in flight, so the reading is retried briefly.
    const lag = await waitFor("a status reading at rest", async () => {
      const r = await status(cluster.outputsFile, ["--json"]);
      assert.equal(r.code, 0, r.stderr);
      const l = (JSON.parse(r.stdout) as StatusJson).nodes[1].lag;
      return l !== null && l.replayBytes === 0 ? l : undefined;
    }, { timeoutMs: 5_000 });
    assert.deepEqual(lag, { measuredOn: "primary", sentBytes: 0, writeBytes: 0, flushBytes: 0, replayBytes: 0, replayLagMs: 0 });
  });

  it("verify passes with zero lag figures", async () => {
    // The same race as status's reading below: retried briefly; verify failing is a verdict at once.
    const lag = await waitFor("a verify reading at rest", async () => {
      const r = await verify(cluster.outputsFile, ["--json"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const check = findCheck(JSON.parse(r.stdout) as VerifyJson, "replica-1", "lag");
      assert.ok(check !== undefined, "verify reports replica-1's lag");
      return check.figures.replayBytes === 0 ? check : undefined;
    }, { timeoutMs: 5_000 });
    assert.equal(lag.figures.replayLagMs, 0);
    assert.equal(lag.figures.replayBytes, 0);
  });
});
