/**
 * `npm run bench -- --quick` end to end, on the real Docker engine: every
 * figure is present and sane (finite, positive, percentiles ordered, ratios
 * computed from the stored figures, TPS > 0), nothing is left behind, and
 * docs/ is not touched. Not a timing threshold: how fast this machine is
 * is not a test result.
 *
 * The bench deploys with the real Pulumi CLI on the tests' file backend (so
 * it needs `eval "$(bash scripts/setup-test-env.sh --print-path)"`, like every
 * integration test). It uses its own stacks (bench-quick-*, and
 * bench-quick-engine-floor in the engine floor's project), ports
 * 28450-28483 and a floor labelled pg-replication.bench=quick, and sweeps
 * leftovers of earlier runs itself before it starts.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";

import { stackConfigFile } from "../support/pulumi";
import { ENGINE_FLOOR_DIR } from "../../bench/lib/engine-floor";
import { ENGINE_FLOOR_ROLE, planFor, stackFor, stacksOf } from "../../bench/lib/plan";
import { DESTROY_PHASES, UP_PHASES } from "../../bench/lib/events";
import type { BenchResult, Figure, LatencyFigures } from "../../bench/lib/result";
import type { Summary } from "../../bench/lib/stats";
import { run as runProcess } from "../../scripts/lib/process";
import { describeLeftovers, isEmpty, labelled, removeLabelled } from "../support/docker";
import { listStacks, pulumiEnv } from "../support/pulumi";

const REPO = resolve(__dirname, "../..");
const BENCH = join(REPO, "bench/run.ts");
const RUN_TIMEOUT_MS = 300_000;
/** After RUN_TIMEOUT_MS the bench gets SIGTERM, and this long to clean up before it is killed. */
const CLEANUP_GRACE_MS = 120_000;
const TEST_IMAGE = process.env.PG_REPLICATION_TEST_IMAGE;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

async function bench(args: readonly string[], timeoutMs: number): Promise<Run> {
  // SIGTERM first: the bench cleans up on it, and is killed only if that takes too long. The test fails either way.
  const r = await runProcess(process.execPath, ["--import", "tsx", BENCH, ...args], {
    cwd: REPO, timeoutMs: timeoutMs + CLEANUP_GRACE_MS, signal: AbortSignal.timeout(timeoutMs), abortWith: "SIGTERM", abortGraceMs: CLEANUP_GRACE_MS,
  });
  if (r.aborted || r.timedOut) throw new Error(`bench ${args.join(" ")} timed out after ${timeoutMs / 1000} s (${r.timedOut ? "killed" : `exit ${r.code} after SIGTERM`})\n${r.stderr}`);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
}

function docsFingerprint(): string {
  const hash = createHash("sha256");
  for (const file of ["BENCHMARKS.md", "bench-latency.svg", "bench-phases.svg"]) {
    const path = join(REPO, "docs", file);
    hash.update(`${file}:${existsSync(path) ? readFileSync(path, "utf8") : "<absent>"}\n`);
  }
  return hash.digest("hex");
}

async function dockerLines(args: readonly string[]): Promise<string[]> {
  const r = await runProcess("docker", args, { timeoutMs: 30_000 });
  assert.equal(r.code, 0, `docker ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

function assertPositive(value: number, what: string): void {
  assert.ok(Number.isFinite(value), `${what} is finite (got ${value})`);
  assert.ok(value > 0, `${what} is positive (got ${value})`);
}

function assertSummary(s: Summary, what: string): void {
  for (const key of ["min", "p50", "p95", "p99", "max", "mean"] as const) assertPositive(s[key], `${what} ${key}`);
  assert.ok(s.count > 0, `${what} has samples`);
  assert.ok(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max, `${what}: min <= p50 <= p95 <= p99 <= max (${JSON.stringify(s)})`);
}

function assertLatency(l: LatencyFigures, what: string): void {
  assertSummary(l.visibilityMs, `${what} visibility`);
  assertSummary(l.commitMs, `${what} commit`);
  assert.equal(l.missing, 0, `${what}: every row was seen on the standby`);
  assert.equal(l.seen, l.sent, `${what}: seen = sent`);
  assertPositive(l.achievedHz, `${what} achieved rate`);
  const levels = l.percentiles.map(([, p]) => p);
  assert.deepEqual([...levels].sort((a, b) => a - b), levels, `${what}: chart points in percentile order`);
}

function figure(figures: readonly Figure[], section: string, name: string): Figure {
  const f = figures.find((x) => x.section === section && x.name === name);
  assert.ok(f !== undefined, `figure ${section}/${name} is present`);
  return f;
}

describe("npm run bench -- --quick", { timeout: RUN_TIMEOUT_MS + CLEANUP_GRACE_MS + 60_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), "it-bench-quick-"));
  let run: Run;
  let result: BenchResult;
  let docsBefore: string;

  before(async () => {
    docsBefore = docsFingerprint();
    run = await bench(["--quick", "--out", out, ...(TEST_IMAGE !== undefined ? ["--image", TEST_IMAGE] : [])], RUN_TIMEOUT_MS);
    assert.equal(run.code, 0, `bench --quick failed:\n${run.stderr}`);
    const files = readdirSync(out).filter((f) => f.endsWith("-quick.json"));
    assert.equal(files.length, 1, `one results file in ${out} (found ${files.join(", ")})`);
    result = JSON.parse(readFileSync(join(out, files[0]), "utf8")) as BenchResult;
  });

  after(async () => {
    rmSync(out, { recursive: true, force: true });
    // A bench that timed out or failed may leave its clusters: swept here, and said loudly.
    const labels = [...stacksOf(planFor("quick")).map((s) => `pg-replication.stack=${s}`), "pg-replication.bench=quick"];
    const swept: string[] = [];
    for (const label of labels) {
      const found = await labelled(label);
      if (isEmpty(found)) continue;
      swept.push(`${label}: ${describeLeftovers(found)}`);
      await removeLabelled(label);
    }
    if (swept.length > 0) throw new Error(`bench --quick left these behind (now removed):\n${swept.join("\n")}`);
  });

  it("describes the machine", () => {
    const m = result.machine;
    assert.equal(result.mode, "quick");
    assert.ok(m.cores > 0 && m.memoryBytes > 0);
    for (const key of ["cpuModel", "kernel", "docker", "image", "imageId", "postgres"] as const) {
      assert.ok(m[key] !== "" && m[key] !== "unknown", `machine.${key} is known (got ${JSON.stringify(m[key])})`);
    }
    assert.match(m.postgres, /PostgreSQL\)? 17\./);
  });

  it("has sane time-to-ready and destroy figures, with phases that add up", () => {
    const rounds = result.timeToReady.rounds;
    assert.equal(rounds.length, result.plan.repeats);
    for (const r of rounds) {
      for (const [standbys, f] of [[1, r.dockerFloor1], [3, r.dockerFloor3]] as const) {
        assert.equal(f.standbys, standbys, `the docker floor of ${standbys} seeded ${standbys}`);
        for (const key of ["totalMs", "primaryReadyMs", "standbyMs", "destroyMs"] as const) assertPositive(f[key], `docker floor (${standbys}) ${key}`);
        assert.ok(Math.abs(f.primaryReadyMs + f.standbyMs - f.totalMs) < 1, `docker floor (${standbys}): steps add up to its total`);
      }
      assertPositive(r.engineFloor.upMs, "engine floor up");
      assertPositive(r.engineFloor.destroyMs, "engine floor destroy");
      for (const [label, s] of [["1 standby", r.standbys1], ["3 standbys", r.standbys3]] as const) {
        assert.deepEqual(s.phases.map((p) => p.name), [...UP_PHASES], `${label}: every phase of up, in order`);
        for (const p of s.phases) assert.ok(p.ms >= 0 && Number.isFinite(p.ms), `${label} ${p.name} >= 0`);
        const sum = s.phases.reduce((a, p) => a + p.ms, 0);
        assert.ok(Math.abs(sum - s.readyMs) < 1, `${label}: the phases add up to the time to ready (${sum} vs ${s.readyMs})`);
        assert.ok(s.readyMs >= s.upMs, `${label}: verify passes after up returns`);
        for (const p of ["primary container", "base backups", "standby start"]) {
          assertPositive(s.phases.find((x) => x.name === p)?.ms ?? 0, `${label}: ${p} took time`);
        }
        assert.deepEqual(s.destroy.phases.map((p) => p.name), [...DESTROY_PHASES], `${label}: every phase of destroy`);
        const dsum = s.destroy.phases.reduce((a, p) => a + p.ms, 0);
        assert.ok(Math.abs(dsum - s.destroy.destroyMs) < 1, `${label}: destroy phases add up`);
      }
    }
    for (const d of result.deployments) {
      assertPositive(d.upMs, `${d.stack} up`);
      assert.ok(d.readyMs >= d.upMs, `${d.stack}: verify passes after up returns`);
    }
  });

  it("has sane latency distributions", () => {
    assert.equal(result.latency.rounds.length, result.plan.repeats);
    for (const l of result.latency.rounds) {
      assertLatency(l.async.floor, "async floor");
      assertLatency(l.async.visible, "async");
      assertLatency(l.remoteApply.floor, "remote_apply floor");
      assertLatency(l.remoteApply.visible, "remote_apply");
    }
    assertSummary(result.latency.selectOneMs, "SELECT 1");
  });

  it("has pgbench throughput for every mode", () => {
    for (const t of result.throughput.rounds) {
      for (const [mode, r] of Object.entries({ async: t.async, remoteWrite: t.remoteWrite, remoteApply: t.remoteApply })) {
        assertPositive(r.tps, `${mode} tps`);
        assertPositive(r.latencyAvgMs, `${mode} latency`);
        assert.ok(r.transactions > 0, `${mode} ran transactions`);
      }
    }
  });

  it("has a sane catch-up", () => {
    for (const c of result.catchUp.rounds) {
      assert.ok(c.backlogBytes >= result.plan.catchUpMb * 1024 * 1024, "the backlog is at least the planned size");
      for (const key of ["writeMs", "restartMs", "catchUpMs"] as const) assertPositive(c[key], `catch-up ${key}`);
    }
  });

  it("computes every figure from the stored rounds", () => {
    const expected = [
      "ready/1 standby", "ready/3 standbys", "scale/3 standbys", "scale/floor", "destroy/1 standby", "destroy/3 standbys",
      ...["async", "remote_apply"].flatMap((m) => ["p50", "p95", "p99", "max"].map((p) => `visibility/${m} ${p}`)),
      "commit/remote_apply p50", "commit/remote_apply p99",
      "throughput/remote_write", "throughput/remote_apply",
      "catchUp/catch-up time, N MB", "catchUp/catch-up rate",
    ];
    assert.deepEqual(result.figures.map((f) => `${f.section}/${f.name.replace(/[0-9]+ MB$/, "N MB")}`), expected);
    for (const f of result.figures) {
      assertPositive(f.value, `${f.section}/${f.name} value`);
      assertPositive(f.baseline, `${f.section}/${f.name} baseline`);
      assert.ok(Math.abs(f.ratio - f.value / f.baseline) <= 1e-9 * f.ratio, `${f.section}/${f.name}: ratio = value / baseline`);
      assert.equal(f.rounds, result.plan.repeats);
      assert.ok(f.valueRange[0] <= f.value && f.value <= f.valueRange[1], `${f.section}/${f.name}: the median is inside its spread`);
    }
    // One round in the quick run: each figure is that round's value.
    const [l] = result.latency.rounds;
    for (const p of ["p50", "p95", "p99", "max"] as const) {
      const a = figure(result.figures, "visibility", `async ${p}`);
      assert.equal(a.value, l.async.visible.visibilityMs[p]);
      assert.equal(a.baseline, l.async.floor.visibilityMs[p]);
      const s = figure(result.figures, "visibility", `remote_apply ${p}`);
      assert.equal(s.value, l.remoteApply.visible.visibilityMs[p]);
      assert.equal(s.baseline, l.remoteApply.floor.visibilityMs[p]);
    }
    const [t] = result.throughput.rounds;
    assert.equal(figure(result.figures, "throughput", "remote_write").ratio, t.remoteWrite.tps / t.async.tps);
    assert.equal(figure(result.figures, "throughput", "remote_apply").ratio, t.remoteApply.tps / t.async.tps);
    const [r] = result.timeToReady.rounds;
    assert.equal(figure(result.figures, "ready", "1 standby").baseline, (r.engineFloor.upMs + r.dockerFloor1.totalMs) / 1000);
    assert.equal(figure(result.figures, "ready", "1 standby").value, r.standbys1.readyMs / 1000);
    assert.equal(figure(result.figures, "ready", "3 standbys").baseline, (r.engineFloor.upMs + r.dockerFloor3.totalMs) / 1000);
    const floorGrowth = (r.engineFloor.upMs + r.dockerFloor3.totalMs) / (r.engineFloor.upMs + r.dockerFloor1.totalMs);
    assert.ok(Math.abs(figure(result.figures, "scale", "floor").ratio - floorGrowth) < 1e-9, "the floor's growth from 1 standby to 3 is its own figure");
    assert.equal(figure(result.figures, "destroy", "3 standbys").baseline, (r.engineFloor.destroyMs + r.dockerFloor3.destroyMs) / 1000);
  });

  it("prints the table and writes the chart beside the results", () => {
    for (const f of result.figures) assert.ok(run.stdout.includes(f.name), `the printed table shows ${f.name}`);
    for (const suffix of ["-latency.svg", "-phases.svg"]) {
      const svg = readdirSync(out).filter((f) => f.endsWith(suffix));
      assert.equal(svg.length, 1, `one ${suffix} beside the results`);
      const text = readFileSync(join(out, svg[0]), "utf8");
      assert.match(text, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.doesNotMatch(text, /NaN|undefined|Infinity/);
    }
  });

  it("leaves docs/ alone", () => {
    assert.equal(docsFingerprint(), docsBefore);
  });

  it("leaves nothing behind", async () => {
    const stacks = new Set(stacksOf(planFor("quick")));
    const format = ["--format", '{{.Label "pg-replication.stack"}} {{.Label "pg-replication.bench"}}'];
    for (const args of [["ps", "-a", ...format], ["volume", "ls", ...format], ["network", "ls", ...format]]) {
      const left = (await dockerLines(args)).filter((l) => stacks.has(l.split(" ")[0]) || l === "bench-floor quick");
      assert.deepEqual(left, [], `docker ${args[0]}: no bench-quick leftovers`);
    }
    assert.deepEqual((await listStacks()).filter((s) => stacks.has(s)), [], "no bench-quick stack left in the test backend");
    assert.deepEqual([...stacks].filter((s) => existsSync(stackConfigFile(s))), [], "no Pulumi.bench-quick-*.yaml left in the repository");
    const engineStack = stackFor(planFor("quick"), ENGINE_FLOOR_ROLE);
    const engineStacks = await runProcess("pulumi", ["--non-interactive", "stack", "ls", "--json", "--cwd", ENGINE_FLOOR_DIR], { timeoutMs: 60_000, env: pulumiEnv() });
    assert.equal(engineStacks.code, 0, engineStacks.stderr);
    assert.ok(!engineStacks.stdout.includes(`"${engineStack}"`) && !engineStacks.stdout.includes(`/${engineStack}"`), `the engine floor's stack ${engineStack} is gone: ${engineStacks.stdout}`);
    assert.ok(!existsSync(join(ENGINE_FLOOR_DIR, `Pulumi.${engineStack}.yaml`)), "no engine floor stack config left");
  });

  it("deployed through the real Pulumi CLI with the stand-in providers", () => {
    assert.match(result.machine.pulumi, /^v3\./);
    for (const name of ["docker", "random", "command"]) assert.match(result.machine.providers, new RegExp(`${name} [0-9.]+ \\(stand-in`));
    assert.match(run.stderr, /pulumi up bench-quick-/);
    assert.doesNotMatch(`${run.stdout}\n${run.stderr}`, /sandbox/i);
  });
});

describe("npm run bench command line", () => {
  it("rejects an unknown flag with exit 2", async () => {
    const r = await bench(["--no-such-flag"], 60_000);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no-such-flag/);
  });

  it("prints its help with exit 0", async () => {
    const r = await bench(["--help"], 60_000);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--quick/);
  });
});
