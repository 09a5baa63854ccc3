import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { parseBenchArgs, UsageError } from "../../../bench/lib/args";
import { configFor, destroyArgs, leftoverHint, upArgs } from "../../../bench/lib/deploy";
import { renderBenchmarksDoc } from "../../../bench/lib/docs";
import { parsePgbench } from "../../../bench/lib/pgbench";
import { ENGINE_FLOOR_ROLE, planFor, primaryPortFor, stackFor, stacksOf } from "../../../bench/lib/plan";
import { buildFigures, destroyFloorMs, readyFloorMs, sectionTitles, type BenchResult, type Figure } from "../../../bench/lib/result";
import { escapeXml, logTicks, renderLatencyChart } from "../../../bench/lib/svg";
import { renderTable } from "../../../bench/lib/table";
import { sample } from "./fixtures";

const figures = buildFigures(sample);
const result: BenchResult = { ...sample, figures, finishedAt: "2026-01-01T00:04:40.000Z", durationS: 280, loadAverageAtEnd: [1, 1, 1] };
const doc = renderBenchmarksDoc(result, "TABLE", "bench/results/x.json", "bench-latency.svg", "bench-phases.svg");

function get(section: string, name: string): Figure {
  const f = figures.find((x) => x.section === section && x.name === name);
  assert.ok(f, `figure ${section}/${name}`);
  return f;
}

describe("bench figures", () => {
  it("take each round's floor as the engine's part plus plain docker's", () => {
    const rounds = sample.timeToReady.rounds;
    assert.deepEqual(rounds.map((r) => readyFloorMs(r, 1)), [5000, 4500, 5500]);
    assert.deepEqual(rounds.map((r) => readyFloorMs(r, 3)), [6000, 5500, 6500], "with the docker floor of 3 standbys");
    assert.deepEqual(rounds.map((r) => destroyFloorMs(r, 1)), [2500, 2000, 2500]);
    assert.deepEqual(rounds.map((r) => destroyFloorMs(r, 3)), [3000, 2500, 3000]);
  });

  it("are medians of the stored rounds against their baselines from the same rounds, with their spreads", () => {
    assert.deepEqual(get("ready", "1 standby"), {
      section: "ready", name: "1 standby", value: 10, baseline: 5, ratio: 2, unit: "s", rounds: 3,
      valueRange: [9, 11], baselineRange: [4.5, 5.5], ratioRange: [1.8, 10 / 4.5], withinNoise: false,
    });
    assert.equal(get("ready", "3 standbys").value, 14);
    assert.equal(get("ready", "3 standbys").baseline, 6, "against the floor with 3 standbys");
    assert.equal(get("ready", "3 standbys").ratio, 14 / 6);
    assert.equal(get("scale", "3 standbys").baseline, 10, "3 standbys against 1 standby of the same rounds");
    assert.equal(get("scale", "3 standbys").ratio, 1.4);
    assert.deepEqual([get("scale", "floor").value, get("scale", "floor").baseline, get("scale", "floor").ratio], [6, 5, 1.2], "the floor with 3 standbys against the floor with 1");
    assert.deepEqual(get("scale", "floor").ratioRange, [6500 / 5500, 5500 / 4500]);
    assert.deepEqual([get("destroy", "1 standby").value, get("destroy", "1 standby").baseline, get("destroy", "1 standby").ratio], [4.5, 2.5, 1.8]);
    assert.deepEqual(get("destroy", "1 standby").baselineRange, [2, 2.5]);
    assert.equal(get("destroy", "3 standbys").baseline, 3, "against the floor's 4 containers");
    assert.equal(get("destroy", "3 standbys").ratio, 5.5 / 3);
    assert.equal(get("visibility", "async max").value, 9);
    assert.equal(get("visibility", "async max").baseline, 2.5);
    assert.equal(get("visibility", "async max").ratio, 3.6);
    assert.deepEqual(get("visibility", "async max").ratioRange, [3, 4]);
    assert.equal(get("visibility", "remote_apply max").ratio, 1, "each mode against its own floor");
    assert.equal(get("visibility", "remote_apply max").withinNoise, true);
    assert.equal(get("visibility", "remote_apply p50").withinNoise, false);
    assert.equal(get("commit", "remote_apply p50").value, 1.6);
    assert.equal(get("commit", "remote_apply p50").baseline, 0.8, "against async's commit latency");
    assert.equal(get("throughput", "remote_apply").ratio, 0.7);
    assert.deepEqual(get("throughput", "remote_apply").ratioRange, [0.7, 690 / 900]);
    assert.deepEqual(get("throughput", "remote_write").valueRange, [760, 850]);
    assert.equal(get("catchUp", "catch-up time, 256 MB").value, 2.5);
    assert.equal(get("catchUp", "catch-up time, 256 MB").baseline, 0.5);
    assert.equal(get("catchUp", "catch-up rate").value, 256 / 2.5);
    assert.equal(get("catchUp", "catch-up rate").baseline, 128);
    assert.equal(get("catchUp", "catch-up rate").withinNoise, true);
  });

  it("are every row of the table, each a ratio of its stored value to its baseline", () => {
    assert.equal(figures.length, 20);
    assert.deepEqual(figures.filter((f) => f.withinNoise).map((f) => `${f.section}/${f.name}`),
      ["scale/floor", "visibility/remote_apply p95", "visibility/remote_apply p99", "visibility/remote_apply max", "catchUp/catch-up rate"]);
    for (const f of figures) {
      assert.equal(f.ratio, f.value / f.baseline, `${f.section}/${f.name}`);
      assert.equal(f.rounds, 3);
    }
  });

  it("render as a table whose columns line up, each figure with its spreads", () => {
    const table = renderTable(figures, sectionTitles(sample));
    const rows = table.split("\n").filter((l) => /x\]( {3}~)?$/.test(l));
    assert.equal(rows.length, figures.length);
    assert.equal(new Set(rows.map((r) => r.replace(/ {3}~$/, "").length)).size, 1, "every figure row's ratio ends at the same column");
    assert.equal(rows.filter((r) => r.endsWith("~")).length, 5, "the figures inside the noise are marked");
    assert.match(table, /^Time to ready: `pulumi up` until `verify` passes \(median of 3 rounds\)$/m);
    assert.match(table, /^ {2}1 standby +10\.00 s \[9\.00-11\.00 s\] +5\.00 s \[4\.50-5\.50 s\] +2\.00x \[1\.80x-2\.22x\]$/m);
    assert.match(table, /^ {2}remote_apply max +2\.50 ms \[2\.50-2\.50 ms\] +2\.50 ms \[2\.50-2\.50 ms\] +1\.00x \[1\.00x-1\.00x\] {3}~$/m);
    assert.match(table, /\n\n~ the value's spread overlaps the baseline's: inside the noise of this run$/);
  });

  it("have section titles that carry the run's parameters and its number of rounds", () => {
    const t = sectionTitles(sample);
    assert.equal(t.visibility.title, "Visibility: commit acknowledged -> row visible on the standby (200/s for 10 s; one deployment per mode; median of 3 rounds)");
    assert.equal(t.throughput.title, "Throughput: pgbench TPC-B-like, 4 clients, 10 s, scale 4 (one deployment per mode; median of 3 rounds)");
    assert.equal(t.catchUp.title, "Catch-up: standby stopped while 256 MB of WAL were written, then started (median of 3 rounds)");
    const one = sectionTitles({
      ...sample, plan: planFor("quick"),
      timeToReady: { rounds: sample.timeToReady.rounds.slice(0, 1) },
      latency: { ...sample.latency, rounds: sample.latency.rounds.slice(0, 1) },
    });
    assert.equal(one.ready.title, "Time to ready: `pulumi up` until `verify` passes (median of 1 round)");
    assert.match(one.visibility.title, /one synchronous deployment, synchronous_commit set per session; median of 1 round\)$/);
    assert.match(one.throughput.title, /median of 3 rounds\)$/, "each section counts its own rounds");
  });

  it("refuse a round whose baseline is zero", () => {
    const broken = { ...sample, throughput: { ...sample.throughput, rounds: [{ ...sample.throughput.rounds[0], async: { ...sample.throughput.rounds[0].async, tps: 0 } }] } };
    assert.throws(() => buildFigures(broken), /cannot form a ratio of 800 to baseline 0/);
  });
});

describe("bench docs page", () => {
  it("holds the table, both charts and the results file", () => {
    assert.match(doc, /```text\nTABLE\n```/);
    assert.match(doc, /!\[[^\]]*\]\(bench-latency\.svg\)/);
    assert.match(doc, /!\[[^\]]*\]\(bench-phases\.svg\)/);
    assert.match(doc, /`bench\/results\/x\.json`/);
    assert.match(doc, /Latest full run: 2026-01-01T00:00:00\.000Z, 280 s,/);
    assert.match(doc, /figure is the median of 3 rounds, interleaved/);
    assert.match(doc, /full run, about 5 minutes; rewrites this page and bench-latency\.svg/);
  });

  it("states the highlights from the figures, with their spreads", () => {
    assert.ok(doc.includes("- A cluster with 1 standby is verified ready in 10.00 s (9.00-11.00 s), 2.00x its floor of 5.00 s (the engine alone plus plain docker); with 3 standbys 14.00 s (13.00-15.00 s), 2.33x its floor of 6.00 s and 1.40x one standby (1.18x-1.56x), where the floor itself takes 1.20x (1.18x-1.22x) as long for 3 standbys as for 1."));
    assert.ok(doc.includes("- `pulumi destroy` takes 4.50 s (4.00-5.00 s), 1.80x its floor of 2.50 s."));
    assert.ok(doc.includes("- 99% of async commits are visible on the standby within 9.00 ms of being acknowledged (3.6x one round trip); with `remote_apply` within 2.50 ms (1.0x)."));
    assert.ok(doc.includes("keeps 80% (77%-84%) of async throughput with `remote_write` and 70% (70%-77%) with `remote_apply` (pgbench)."));
    assert.ok(doc.includes("catches up on its backlog at 102 MB/s (80-128 MB/s) counted from its start (restart included), 0.80x the rate the primary wrote it."));
    assert.match(doc, /\(p50 0\.20 ms, p99 0\.30 ms\)/);
  });

  it("says which figures and comparisons are inside the noise", () => {
    assert.ok(doc.includes("- Figures whose spread overlaps their baseline's, so their ratio is inside the noise: scale floor (1.18x-1.22x); visibility remote_apply p95 (1.00x-1.00x); visibility remote_apply p99 (1.00x-1.00x); visibility remote_apply max (1.00x-1.00x); catchUp catch-up rate (0.50x-1.25x). Every other figure's spread is apart from its baseline's."));
    assert.ok(doc.includes("- throughput: remote_write 800 tps (760-850 tps) against remote_apply 700 tps (690-780 tps): the spreads overlap; this run cannot tell them apart."));
    assert.ok(doc.includes("- visibility p99: async 9.00 ms (8.00-10.0 ms) against remote_apply 2.50 ms (2.50-2.50 ms): the spreads are apart."));
    assert.ok(doc.includes("- destroy: 1 standby 4.50 s (4.00-5.00 s) against 3 standbys 5.50 s (5.00-6.00 s): the spreads overlap; this run cannot tell them apart."));
  });

  it("breaks time to ready and destroy into phases", () => {
    assert.ok(doc.includes("| phase, s (min-max) | floor, 1 standby | 1 standby | floor, 3 standbys | 3 standbys |"));
    assert.ok(doc.includes("| primary container |  | 2.8 (2.5-3.0) |  | 2.6 (2.5-2.8) |"));
    assert.ok(doc.includes("| **total** | **5.0** (4.5-5.5) | **10.0** (9.0-11.0) | **6.0** (5.5-6.5) | **14.0** (13.0-15.0) |"), "time to ready");
    assert.ok(doc.includes("| **total** | **2.5** (2.0-2.5) | **4.5** (4.0-5.0) | **3.0** (2.5-3.0) | **5.5** (5.0-6.0) |"), "destroy");
    assert.ok(doc.includes("With 1 standby, 5.0 s more than the floor; the largest phases are primary container (2.8 s), base backups (1.7 s), engine and program start (1.6 s)."));
    assert.ok(doc.includes("With 3 standbys, 4.0 s more than with 1, where the floor needs 1.0 s more; the phases that grow most are base backups (+1.8 s), standby start (+1.7 s), verify (+0.6 s)."));
  });

  it("names the host ports of the full and the quick run as the plans use them", () => {
    const full = planFor("full");
    const quick = planFor("quick");
    assert.ok(doc.includes(`host ports ${full.primaryPort}-${full.primaryPort + 33} (${quick.primaryPort}-${quick.primaryPort + 33} with \`--quick\`)`));
    assert.ok(doc.includes("host ports 28400-28433 (28450-28483 with `--quick`)"));
  });

  it("describes the method as the real CLI with the stand-in providers, and never the retired sandbox or mocks", () => {
    assert.match(doc, /From starting `pulumi up --yes --skip-preview`/);
    assert.match(doc, /stand-ins in\n`tests\/providers\/`/);
    assert.match(doc, /\| Pulumi \| v3\.274\.1 /);
    assert.match(doc, /`pulumi\nup` \(and `pulumi destroy`\) of `bench\/engine-floor`/);
    assert.doesNotMatch(doc, /sandbox|mocks/i);
    assert.doesNotMatch(doc, /\.pulumi-test\/home/, "no local paths on the page");
    assert.doesNotMatch(doc, /NaN|undefined|Infinity/);
  });
});

describe("bench chart", () => {
  const round = sample.latency.rounds[0];
  const svg = renderLatencyChart({
    title: "a <title> & more",
    yLabel: "ms",
    series: [
      { label: "floor", color: "#888", dashed: true, points: round.async.floor.percentiles },
      { label: "async", color: "#00f", points: round.async.visible.percentiles, note: "p50 0.9 ms" },
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
    assert.deepEqual(parseBenchArgs(["--image", "pg-replication/postgres:17"]), { help: false, quick: false, out: undefined, image: "pg-replication/postgres:17" });
    assert.throws(() => parseBenchArgs(["--fast"]), UsageError);
    assert.throws(() => parseBenchArgs(["positional"]), UsageError);
    assert.throws(() => parseBenchArgs(["--image", "bad image"]), UsageError);
    assert.throws(() => parseBenchArgs(["--out", " "]), /--out needs a directory/);
    assert.equal(parseBenchArgs(["-h"]).help, true);
  });

  it("reads pgbench's summary", () => {
    const out = "transaction type: <builtin: TPC-B (sort of)>\nnumber of transactions actually processed: 15321\nlatency average = 3.915 ms\ninitial connection time = 4.2 ms\ntps = 1021.734 (without initial connection time)\n";
    assert.deepEqual(parsePgbench(out), { tps: 1021.734, latencyAvgMs: 3.915, transactions: 15321 });
    assert.throws(() => parsePgbench("pgbench: error: connection refused"), /no summary/);
  });

  it("repeats a full run's measurements 3 times and a quick run's once", () => {
    assert.equal(planFor("full").repeats, 3);
    assert.equal(planFor("quick").repeats, 1);
  });

  it("uses bench-* stacks and ports inside 28000-28999, apart for full and quick", () => {
    const span = (mode: "full" | "quick"): [number, number] => [planFor(mode).primaryPort, planFor(mode).primaryPort + 33];
    for (const mode of ["full", "quick"] as const) {
      const plan = planFor(mode);
      const [low, high] = span(mode);
      assert.ok(low >= 28000 && high <= 28999, `${mode}: ${low}-${high}`);
      for (const stack of [...stacksOf(plan), stackFor(plan, ENGINE_FLOOR_ROLE)]) assert.match(stack, /^bench-/);
      // Each deployment takes its primary's port and the next three; those alive at once must not share one.
      const blocks = (["ready-1", "async", "remote_write", "remote_apply"] as const).map((role) => primaryPortFor(plan, role));
      assert.deepEqual(blocks.map((p) => p - plan.primaryPort), [0, 10, 20, 30]);
      for (const p of blocks) assert.ok(p >= low && p + 3 <= high);
      assert.equal(primaryPortFor(plan, "ready-3"), primaryPortFor(plan, "ready-1"), "the time-to-ready stacks run one after the other");
      assert.equal(primaryPortFor(plan, "session"), primaryPortFor(plan, "async"));
    }
    const [full, quick] = [span("full"), span("quick")];
    assert.ok(full[1] < quick[0] || quick[1] < full[0], `full ${full.join("-")} and quick ${quick.join("-")} overlap`);
    assert.deepEqual([full, quick], [[28400, 28433], [28450, 28483]]);
    assert.equal(new Set([...stacksOf(planFor("full")), ...stacksOf(planFor("quick"))]).size, stacksOf(planFor("full")).length * 2);
    assert.equal(stackFor(planFor("full"), "remote_apply"), "bench-remote-apply");
    assert.equal(stackFor(planFor("quick"), ENGINE_FLOOR_ROLE), "bench-quick-engine-floor");
  });

  it("deploys synchronous modes with syncMode=first and the chosen synchronousCommit", () => {
    assert.deepEqual(configFor({ stack: "bench-x", replicas: 1, mode: "remote_apply", primaryPort: 28400, image: "postgres:17" }),
      { replicas: "1", primaryPort: "28400", firstReplicaPort: "28401", syncMode: "first", synchronousCommit: "remote_apply", image: "postgres:17" });
    assert.deepEqual(configFor({ stack: "bench-x", replicas: 3, mode: "async", primaryPort: 28420, image: "pg-replication/postgres:17" }),
      { replicas: "3", primaryPort: "28420", firstReplicaPort: "28421", image: "pg-replication/postgres:17" });
  });

  it("runs pulumi up and destroy on the named stack without prompts or preview, streaming the engine's events", () => {
    assert.deepEqual(upArgs("bench-quick-session"), ["--non-interactive", "up", "--yes", "--skip-preview", "--json", "--stack", "bench-quick-session"]);
    assert.deepEqual(destroyArgs("bench-ready-3"), ["--non-interactive", "destroy", "--yes", "--skip-preview", "--json", "--stack", "bench-ready-3"]);
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
