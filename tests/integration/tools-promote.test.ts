/**
 * `npm run promote` against a real sandbox cluster (primary + 2 standbys),
 * and verify/status on the cluster it leaves behind. Ports 25433-25435
 * belong to this file.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { connect, docker, eventually, query, ROOT, sandboxUp, tool, type Sandbox, type VerifyJson } from "./tools-harness";

const STACK = "it-tools-promote";
const PRIMARY_PORT = 25433;

describe("promote on a sandbox cluster", { timeout: 300_000 }, () => {
  let sb: Sandbox;

  before(async () => {
    sb = await sandboxUp(STACK, { replicas: 2, primaryPort: PRIMARY_PORT, firstReplicaPort: PRIMARY_PORT + 1 });
  });

  after(async () => {
    await sb?.down();
  });

  it("refuses while the primary is reachable and writable, in one line, and changes nothing", async () => {
    const r = await tool("promote", ["--outputs", sb.outputsFile, "--replica", "1"]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^promote: refusing to promote replica-1: primary \(127\.0\.0\.1:25433\) is reachable and accepts writes.*--force$/m);
    const c = await connect(sb.outputs.replicaConnectionStrings[0]);
    try {
      assert.equal((await c.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r, true);
    } finally {
      await c.end();
    }
  });

  it("rejects a standby number out of range", async () => {
    const r = await tool("promote", ["--outputs", sb.outputsFile, "--replica", "3"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), "promote: --replica 3 is out of range: the stack has standbys 1..2");
  });

  describe("with the primary stopped", () => {
    before(async () => {
      const stop = await docker(["stop", "-t", "10", sb.outputs.primaryContainerName]);
      assert.equal(stop.code, 0, stop.stderr);
    });

    it("promotes the standby: it accepts writes, and the report says what to do next", async () => {
      const r = await tool("promote", ["--outputs", sb.outputsFile, "--replica", "1"], 90_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^promoted replica-1 \(127\.0\.0\.1:25434\): it accepts writes now$/m);
      assert.match(r.stdout, /^writable: replica-1 \(promoted\): the stack outputs still name primary$/m);
      assert.match(r.stdout, /still follow the old primary/);
      assert.match(r.stdout, /`pulumi up`/);
      assert.match(r.stdout, /`npm run sandbox -- down`, then `npm run sandbox -- up`/);
      const c = await connect(sb.outputs.replicaConnectionStrings[0]);
      try {
        assert.equal((await c.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0].r, false);
        // A write that leaves nothing behind: a temporary table.
        await c.query("CREATE TEMP TABLE promoted_write_test (x int)");
        await c.query("INSERT INTO promoted_write_test VALUES (1)");
      } finally {
        await c.end();
      }
    });

    it("refuses to promote it again", async () => {
      const r = await tool("promote", ["--outputs", sb.outputsFile, "--replica", "1"]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), "promote: replica-1 is already promoted: it is not in recovery and accepts writes; nothing to do");
    });

    it("refuses to promote the other standby while replica-1 accepts writes", async () => {
      const r = await tool("promote", ["--outputs", sb.outputsFile, "--replica", "2"]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^promote: refusing to promote replica-2: replica-1 \(127\.0\.0\.1:25434\) is reachable and accepts writes/);
    });

    it("verify reports the new topology and fails the role checks, without crashing (exit 1)", async () => {
      const r = await tool("verify", ["--outputs", sb.outputsFile, "--json", "--timeout", "3", "--round-trip-timeout", "2"]);
      assert.equal(r.code, 1, r.stderr);
      const report = JSON.parse(r.stdout) as VerifyJson;
      assert.deepEqual(report.topology, { declaredPrimary: "primary", writable: ["replica-1"] });
      const check = (node: string, name: string) => report.checks.find((c) => c.node === node && c.name === name);
      assert.match(check("cluster", "writable primary")?.detail ?? "", /writable now: replica-1 \(promoted\); the declared primary is unreachable/);
      assert.equal(check("primary", "reachable")?.ok, false);
      assert.equal(check("replica-1", "role")?.ok, false);
      assert.match(check("replica-1", "role")?.hint ?? "", /pulumi up/);
      assert.equal(check("replica-2", "role")?.ok, true, "replica-2 is still a standby");
      assert.equal(check("replica-2", "replication")?.ok, false, "but it does not follow replica-1");
      const text = await tool("verify", ["--outputs", sb.outputsFile, "--timeout", "3", "--round-trip-timeout", "2"]);
      assert.equal(text.code, 1);
      assert.doesNotMatch(text.stderr, /\n\s+at /);
      assert.match(text.stdout, /^✗ replica-1 +role +not in recovery: promoted, accepts writes$/m);
    });

    it("Ctrl-C while verify waits for its probe row still deletes the row", async () => {
      // replica-2 does not follow replica-1, so the round trip waits out its bound.
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/verify.ts", "--outputs", sb.outputsFile, "--round-trip-timeout", "30"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
      try {
        await eventually("the probe row on replica-1", 20_000, async () => {
          const [row] = await query<{ n: string }>(sb.outputs.replicaConnectionStrings[0], "SELECT count(*) AS n FROM replication_verify.probe");
          return row.n === "1" ? true : undefined;
        });
        child.kill("SIGINT");
        assert.equal(await exited, 130);
      } finally {
        clearTimeout(killer);
      }
      assert.match(stderr, /^verify: interrupted$/m);
      const [row] = await query<{ n: string }>(sb.outputs.replicaConnectionStrings[0], "SELECT count(*) AS n FROM replication_verify.probe");
      assert.equal(row.n, "0");
    });

    it("status shows the promoted node as primary and the old one unreachable", async () => {
      const r = await tool("status", ["--outputs", sb.outputsFile]);
      assert.equal(r.code, 1, "the old primary is unreachable");
      assert.match(r.stdout, /^primary +127\.0\.0\.1:25433 +unreachable +unreachable /m);
      assert.match(r.stdout, /^replica-1 +127\.0\.0\.1:25434 +primary \(promoted\) +read-write /m);
      assert.match(r.stdout, /^replica-2 +127\.0\.0\.1:25435 +standby +not in pg_stat_replication/m);
      assert.match(r.stdout, /^writable: replica-1 \(promoted\)/m);
    });
  });
});
