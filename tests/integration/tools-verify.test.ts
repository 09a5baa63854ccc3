/**
 * `npm run verify` and `npm run status` against a cluster deployed with the
 * real `pulumi up` (primary + 2 standbys): healthy, with bad inputs, and with
 * a standby stopped. Ports 25430-25432 belong to this file.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../support/cluster";
import { docker } from "../support/docker";
import { query } from "../support/pg";
import { findCheck, probeRowCount, reportMarks, startTool, status, verify, type StatusJson, type VerifyJson } from "../support/tools";
import { waitFor } from "../support/wait";

const STACK = "it-tools-verify";
const PRIMARY_PORT = 25430;
/** Bad inputs must fail fast: a run still going after this is killed, and fails its exit-code check. */
const BAD_INPUT_TIMEOUT_MS = 20_000;

/** The one line a run that could not proceed prints: no stack trace, no second line. */
function assertOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("verify and status on a deployed cluster", { timeout: 420_000 }, () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, { replicas: "2", primaryPort: String(PRIMARY_PORT), firstReplicaPort: String(PRIMARY_PORT + 1) });
  });

  after(async () => {
    await destroyStack(STACK);
  });

  describe("a healthy cluster", () => {
    it("passes verify with lag and round-trip figures for both standbys", async () => {
      const r = await verify(cluster.outputsFile);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^✓ PASSED: \d+ checks passed/m);
      for (const n of ["replica-1", "replica-2"]) {
        assert.match(r.stdout, new RegExp(`^✓ ${n} +round trip +row written on primary visible after [\\d.]+ (ms|s)`, "m"));
        assert.match(r.stdout, new RegExp(`^✓ ${n} +lag +replay \\S+ B / \\S+ (ms|s) behind`, "m"));
        assert.match(r.stdout, new RegExp(`^✓ ${n} +read-only +a write was refused with SQLSTATE 25006`, "m"));
      }
    });

    it("--json carries the same verdicts as the report, with figures", async () => {
      const text = await verify(cluster.outputsFile);
      const json = await verify(cluster.outputsFile, ["--json"]);
      assert.equal(json.code, 0, json.stderr);
      const report = JSON.parse(json.stdout) as VerifyJson;
      assert.equal(report.verdict, "pass");
      assert.deepEqual(report.topology, { declaredPrimary: "primary", writable: ["primary"] });
      const marks = reportMarks(text.stdout);
      assert.equal(marks.size, report.checks.length, "one report line per JSON check");
      for (const c of report.checks) {
        assert.equal(marks.get(`${c.node}/${c.name}`), c.ok ? (c.status === "pass" ? "✓" : c.status === "warn" ? "!" : "-") : "✗", `${c.node}/${c.name}`);
      }
      const rt = findCheck(report, "replica-2", "round trip");
      assert.ok(rt !== undefined && typeof rt.figures.visibleAfterMs === "number" && rt.figures.visibleAfterMs < 5000, JSON.stringify(rt));
      const lag = findCheck(report, "replica-1", "lag");
      assert.ok(lag !== undefined && typeof lag.figures.replayBytes === "number", JSON.stringify(lag));
    });

    it("leaves no probe rows behind", async () => {
      assert.equal(await probeRowCount(cluster.primaryDsn), "0");
    });

    it("status prints one row per node and --json the same nodes", async () => {
      const r = await status(cluster.outputsFile);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^replica-1 +127\.0\.0\.1:25431 +standby +streaming /m);
      const j = await status(cluster.outputsFile, ["--json"]);
      const st = JSON.parse(j.stdout) as StatusJson;
      assert.deepEqual(
        st.nodes.map((n) => [n.name, n.role, n.state, n.slot?.active ?? null]),
        [
          ["primary", "primary", "read-write", null],
          ["replica-1", "standby", "streaming", true],
          ["replica-2", "standby", "streaming", true],
        ],
      );
    });

    it("status --watch redraws until SIGINT, then exits 0", async () => {
      const watch = startTool("status", ["--outputs", cluster.outputsFile, "--watch", "--interval", "0.5"]);
      await waitFor("two frames", async () => ((watch.stdout().match(/pg-replication status:/g) ?? []).length >= 2 ? true : undefined), { timeoutMs: 20_000 });
      assert.ok(watch.stdout().includes("\x1b[2J"), "clears the screen between frames");
      const { code } = await watch.interrupt(5000);
      assert.equal(code, 0);
    });
  });

  describe("inputs verify cannot use: exit 2, one line, within the timeout", () => {
    it("a wrong password", async () => {
      const file = await cluster.writeOutputsVariant("wrong-password", (o) => {
        const swap = (dsn: string): string => dsn.replace(/:\/\/([^:]+):[^@]+@/, "://$1:not-the-password@");
        o.primaryConnectionString = swap(o.primaryConnectionString as string);
        o.replicaConnectionStrings = (o.replicaConnectionStrings as string[]).map(swap);
      });
      const r = await verify(file, ["--timeout", "3"], BAD_INPUT_TIMEOUT_MS);
      assert.equal(r.code, 2);
      assertOneLine(r.stderr, /^verify: primary: password authentication failed for user "postgres" at 127\.0\.0\.1:25430/);
      assert.doesNotMatch(r.stderr, /not-the-password/);
    });

    it("a closed port", async () => {
      const port = await freePort();
      const file = await cluster.writeOutputsVariant("closed-port", (o) => {
        o.primaryPort = port;
        o.primaryConnectionString = (o.primaryConnectionString as string).replace(`:${PRIMARY_PORT}/`, `:${port}/`);
      });
      const r = await verify(file, ["--timeout", "3"], BAD_INPUT_TIMEOUT_MS);
      assert.equal(r.code, 2);
      assertOneLine(r.stderr, new RegExp(`^verify: primary: cannot connect to 127\\.0\\.0\\.1:${port} \\(connection refused\\): is the container running\\?$`));
    });

    it("a port that never answers, within --timeout", async () => {
      const server: Server = createServer(() => undefined);
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as { port: number }).port;
      try {
        const file = await cluster.writeOutputsVariant("silent-port", (o) => {
          o.primaryPort = port;
          o.primaryConnectionString = (o.primaryConnectionString as string).replace(`:${PRIMARY_PORT}/`, `:${port}/`);
        });
        const r = await verify(file, ["--timeout", "2"], BAD_INPUT_TIMEOUT_MS);
        assert.equal(r.code, 2);
        assertOneLine(r.stderr, /^verify: primary: cannot connect to 127\.0\.0\.1:\d+ \(no answer within 2 s\)/);
        assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
      } finally {
        server.close();
      }
    });

    it("a malformed outputs file", async () => {
      const file = await cluster.writeOutputsVariant("malformed", (o) => {
        (o.replicas as Record<string, unknown>[])[0].port = "25431";
      });
      const r = await verify(file, [], BAD_INPUT_TIMEOUT_MS);
      assert.equal(r.code, 2);
      assertOneLine(r.stderr, /does not match the stack outputs: replicas\[0\]\.port must be an integer/);
    });

    it("a bad DSN", async () => {
      const file = await cluster.writeOutputsVariant("bad-dsn", (o) => {
        o.replicaConnectionStrings = ["postgresql://127.0.0.1:25431/postgres", (o.replicaConnectionStrings as string[])[1]];
      });
      const r = await verify(file, [], BAD_INPUT_TIMEOUT_MS);
      assert.equal(r.code, 2);
      assertOneLine(r.stderr, /replicaConnectionStrings\[0\] has no user/);
    });

    it("--json still prints an object when verify could not run", async () => {
      const file = await cluster.writeOutputsVariant("malformed-json", () => undefined);
      await writeFile(file, "{ not json");
      const r = await verify(file, ["--json"], BAD_INPUT_TIMEOUT_MS);
      assert.equal(r.code, 2);
      assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object).sort(), ["error", "exitCode", "ok", "tool"]);
    });
  });

  describe("a stopped standby", () => {
    before(async () => {
      // docker() fails the hook, with docker's stderr, unless the stop succeeds.
      await docker(["stop", "-t", "10", cluster.replica(2).containerName]);
    });

    it("makes verify exit 1 naming that standby and its failed checks", async () => {
      const r = await verify(cluster.outputsFile, ["--timeout", "3"]);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /^✗ replica-2 +reachable +cannot connect to 127\.0\.0\.1:25432 \(connection refused\)/m);
      const verdict = r.stdout.trimEnd().split("\n").pop() ?? "";
      assert.match(verdict, /^✗ FAILED: \d+ of \d+ checks failed.*: replica-2: reachable, replication, slot$/);
      assert.match(r.stdout, /^✓ replica-1 +round trip/m, "the other standby still passes");
    });

    it("status shows it unreachable, missing from pg_stat_replication, its slot inactive with growing retained WAL", async () => {
      const read = async (): Promise<StatusJson> => {
        const r = await status(cluster.outputsFile, ["--json"]);
        assert.equal(r.code, 1, "a node is unreachable");
        return JSON.parse(r.stdout) as StatusJson;
      };
      const first = (await read()).nodes[2];
      assert.equal(first.role, "unreachable");
      assert.equal(first.state, "unreachable, not in pg_stat_replication");
      assert.match(first.error ?? "", /connection refused/);
      assert.equal(first.slot?.active, false);
      const before = first.slot?.retainedBytes ?? 0;
      // Generate WAL on the primary without leaving data: a non-transactional logical message.
      await query(cluster.primaryDsn, "SELECT pg_logical_emit_message(false, 'it-tools', repeat('x', 1048576))");
      const grown = await waitFor("retained WAL to grow", async () => {
        const n = (await read()).nodes[2];
        return (n.slot?.retainedBytes ?? 0) > before + 1_000_000 ? n : undefined;
      }, { timeoutMs: 10_000 });
      assert.equal(grown.slot?.walStatus, "reserved");
      const text = await status(cluster.outputsFile);
      assert.match(text.stdout, /^replica-2 +127\.0\.0\.1:25432 +unreachable +unreachable, not in pg_stat_replication .* replica_2 +\S+ \S*B +no +reserved/m);
      assert.match(text.stdout, /^replica-2: cannot connect to 127\.0\.0\.1:25432 \(connection refused\): is the container running\?$/m);
    });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
