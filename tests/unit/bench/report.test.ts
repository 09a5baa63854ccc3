import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseBenchArgs, UsageError } from "../../../bench/lib/args";
import { renderBenchmarksDoc } from "../../../bench/lib/docs";
import { parsePgbench } from "../../../bench/lib/pgbench";
import { planFor, stacksOf } from "../../../bench/lib/plan";
import { buildFigures, sectionTitles, type LatencyFigures, type Measurements } from "../../../bench/lib/result";
import { configFor, leftoverHint, upArgs } from "../../../bench/lib/deploy";
import { percentilePoints, summarize } from "../../../bench/lib/stats";
import { escapeXml, logTicks, renderLatencyChart } from "../../../bench/lib/svg";
import { renderTable } from "../../../bench/lib/table";

function latency(values: number[], commits: number[]): LatencyFigures {
  return {
    sent: values.length, seen: values.length, missing: 0, achievedHz: 200,
    visibilityMs: summarize(values), commitMs: summarize(commits), percentiles: percentilePoints(values),
  };
}

const pg = (tps: number) => ({ tps, latencyAvgMs: 4 / tps * 1000, transactions: tps * 15, clients: 4, durationS: 15 });

const sample: Measurements = {
  tool: "pg-replication bench",
  version: 1,
  mode: "full",
  startedAt: "2026-01-01T00:00:00.000Z",
  plan: planFor("full"),
  machine: {
    cpuModel: "Test CPU", cores: 2, memoryBytes: 8 * 1024 ** 3, kernel: "6.1", os: "#1", node: "v22", docker: "27.0",
    dockerStorageDriver: "overlay2", image: "postgres:17", imageId: "sha256:0123456789abcdef0123", postgres: "postgres (PostgreSQL) 17.2",
    pulumi: "v3.274.1", providers: "docker 5.2.0 (stand-in, tests/providers/), random 4.21.2 (stand-in, tests/providers/), command 1.2.1 (stand-in, tests/providers/)",
    pulumiHome: "/home/u/pg-replication/.pulumi-test/home",
    loadAverageAtStart: [0.1, 0.2, 0.3], otherContainersAtStart: 0,
  },
  deployments: [],
  timeToReady: {
    floorMs: [3000, 2000, 2500].map((t) => ({ totalMs: t, primaryReadyMs: t / 2, standbyMs: t / 2 })),
    standbys1Ms: [8000, 9000, 10000],
    standbys3Ms: [14000, 15000, 13000],
  },
  latency: {
    switchMethod: "redeploy",
    async: { floor: latency([0.3, 0.4, 0.5, 2], [0.7, 0.8, 1, 3]), visible: latency([0.6, 0.9, 1.2, 8], [0.7, 0.8, 1, 3]) },
    remoteApply: { floor: latency([0.3, 0.4, 0.5, 2.5], [1.4, 1.6, 2, 6]), visible: latency([0.35, 0.45, 0.6, 2.5], [1.4, 1.6, 2, 6]) },
    selectOneMs: summarize([0.1, 0.2, 0.3]),
  },
  throughput: { switchMethod: "redeploy", async: pg(1000), remoteWrite: pg(800), remoteApply: pg(700) },
  catchUp: { backlogBytes: 256 * 1024 * 1024, writeMs: 2000, restartMs: 500, catchUpMs: 2500 },
};

describe("bench figures", () => {
  const figures = buildFigures(sample);

  it("are ratios of stored figures to their baselines from the same run", () => {
    const get = (section: string, name: string) => figures.find((f) => f.section === section && f.name === name);
    assert.deepEqual(get("ready", "1 standby"), { section: "ready", name: "1 standby", value: 9, baseline: 2.5, ratio: 3.6, unit: "s" });
    assert.equal(get("visibility", "async max")?.ratio, 4);
    assert.equal(get("visibility", "remote_apply max")?.ratio, 1, "each mode against its own floor");
    assert.equal(get("throughput", "remote_apply")?.ratio, 0.7);
    assert.equal(get("commit", "remote_apply p50")?.baseline, 0.8);
    assert.equal(get("catchUp", "catch-up rate")?.value, 256 / 2.5);
    assert.equal(get("catchUp", "catch-up rate")?.baseline, 128);
    for (const f of figures) assert.equal(f.ratio, f.value / f.baseline);
  });

  it("render as a table whose columns line up", () => {
    const table = renderTable(figures, sectionTitles(sample));
    const rows = table.split("\n").filter((l) => /x$/.test(l));
    assert.equal(rows.length, figures.length);
    assert.equal(new Set(rows.map((r) => r.length)).size, 1, "every figure row ends at the same column");
    assert.match(table, /Time to ready: `pulumi up` until `verify` passes \(median of 3\)/);
    assert.match(table, / 1 standby +9\.00 s +2\.50 s +3\.60x/);
  });

  it("make the docs page, with the table and the chart", () => {
    const doc = renderBenchmarksDoc({ ...sample, figures, finishedAt: sample.startedAt, durationS: 280, loadAverageAtEnd: [1, 1, 1] }, "TABLE", "bench/results/x.json", "bench-latency.svg");
    assert.match(doc, /```text\nTABLE\n```/);
    assert.match(doc, /!\[[^\]]*\]\(bench-latency\.svg\)/);
    assert.match(doc, /bench\/results\/x\.json/);
    assert.match(doc, /70% with `remote_apply`/);
  });

  it("describe the method as the real CLI with the stand-in providers, and never the retired sandbox", () => {
    const doc = renderBenchmarksDoc({ ...sample, figures, finishedAt: sample.startedAt, durationS: 280, loadAverageAtEnd: [1, 1, 1] }, "TABLE", "bench/results/x.json", "bench-latency.svg");
    assert.match(doc, /From starting `pulumi up --yes --skip-preview`/);
    assert.match(doc, /stand-ins in\n`tests\/providers\/`/);
    assert.match(doc, /\| Pulumi \| v3\.274\.1 /);
    assert.doesNotMatch(doc, /sandbox|mocks/i);
    assert.doesNotMatch(doc, /\.pulumi-test\/home/, "no local paths on the page");
  });
});

describe("bench chart", () => {
  const svg = renderLatencyChart({
    title: "a <title> & more",
    yLabel: "ms",
    series: [
      { label: "floor", color: "#888", dashed: true, points: sample.latency.async.floor.percentiles },
      { label: "async", color: "#00f", points: sample.latency.async.visible.percentiles, note: "p50 0.9 ms" },
    ],
  });

  it("is a standalone SVG document with every series and no broken numbers", () => {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    assert.equal((svg.match(/<path /g) ?? []).length, 2);
    assert.match(svg, /stroke-dasharray/);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
  });

  it("escapes text", () => {
    assert.match(svg, /a &lt;title&gt; &amp; more/);
    assert.equal(escapeXml(`"<&>"`), "&quot;&lt;&amp;&gt;&quot;");
  });

  it("puts 1-2-5 ticks on its log axis", () => {
    assert.deepEqual(logTicks(0.1, 10), [0.1, 0.2, 0.5, 1, 2, 5, 10]);
  });
});

describe("bench command line and plans", () => {
  it("parses --quick, --out and --image, and rejects anything else", () => {
    assert.deepEqual(parseBenchArgs(["--quick", "--out", "/tmp/x"]), { help: false, quick: true, out: "/tmp/x", image: undefined });
    assert.throws(() => parseBenchArgs(["--fast"]), UsageError);
    assert.throws(() => parseBenchArgs(["positional"]), UsageError);
    assert.throws(() => parseBenchArgs(["--image", "bad image"]), UsageError);
    assert.equal(parseBenchArgs(["-h"]).help, true);
  });

  it("reads pgbench's summary", () => {
    const out = "transaction type: <builtin: TPC-B (sort of)>\nnumber of transactions actually processed: 15321\nlatency average = 3.915 ms\ninitial connection time = 4.2 ms\ntps = 1021.734 (without initial connection time)\n";
    assert.deepEqual(parsePgbench(out), { tps: 1021.734, latencyAvgMs: 3.915, transactions: 15321 });
    assert.throws(() => parsePgbench("pgbench: error: connection refused"), /no summary/);
  });

  it("uses bench-* stacks and ports inside 28000-28999, apart for full and quick", () => {
    for (const mode of ["full", "quick"] as const) {
      const plan = planFor(mode);
      assert.ok(plan.primaryPort >= 28000 && plan.primaryPort + 3 <= 28999);
      for (const stack of stacksOf(plan)) assert.match(stack, /^bench-/);
    }
    assert.ok(Math.abs(planFor("full").primaryPort - planFor("quick").primaryPort) > 3);
    assert.equal(new Set([...stacksOf(planFor("full")), ...stacksOf(planFor("quick"))]).size, stacksOf(planFor("full")).length * 2);
  });

  it("deploys synchronous modes with syncMode=first and the chosen synchronousCommit", () => {
    assert.deepEqual(configFor({ stack: "bench-x", replicas: 1, mode: "remote_apply", primaryPort: 28400, image: "postgres:17" }),
      { replicas: "1", primaryPort: "28400", firstReplicaPort: "28401", syncMode: "first", synchronousCommit: "remote_apply", image: "postgres:17" });
    assert.deepEqual(configFor({ stack: "bench-x", replicas: 3, mode: "async", primaryPort: 28420, image: "pg-replication/postgres:17" }),
      { replicas: "3", primaryPort: "28420", firstReplicaPort: "28421", image: "pg-replication/postgres:17" });
  });

  it("runs pulumi up on the named stack without prompts or preview", () => {
    assert.deepEqual(upArgs("bench-quick-session"), ["--non-interactive", "up", "--yes", "--skip-preview", "--stack", "bench-quick-session"]);
  });

  it("tells how to remove leftovers by hand: pulumi destroy on the test backend, then the label sweep", () => {
    const hint = leftoverHint(["bench-quick-ready-1"]);
    assert.match(hint, /PULUMI_BACKEND_URL=file:\/\/\S+pg-replication-it\/backend PULUMI_CONFIG_PASSPHRASE='[^']+' pulumi destroy --yes --stack bench-quick-ready-1/);
    assert.match(hint, /pulumi stack rm --yes --force --stack bench-quick-ready-1/);
    assert.match(hint, /docker ps -aq --filter label=pg-replication\.stack=bench-quick-ready-1/);
    assert.match(hint, /setup-test-env\.sh --print-path/);
    assert.match(leftoverHint([]), /--stack <name>/);
    assert.doesNotMatch(hint, /sandbox/);
  });
});
