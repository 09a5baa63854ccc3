/**
 * `npm run bench`: measured speed of provisioning and replication, each
 * against a floor measured in the same run. See docs/BENCHMARKS.md for what
 * is measured and how; `--help` for the options.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join, relative, resolve } from "node:path";

import { parseBenchArgs, UsageError, USAGE } from "./lib/args";
import { breakdownChart, destroyBreakdown, readyBreakdown } from "./lib/breakdown";
import { Cleanups } from "./lib/cleanup";
import { renderBenchmarksDoc } from "./lib/docs";
import { removeEngineFloor } from "./lib/engine-floor";
import { removeFloor } from "./lib/floor";
import { leftoverHint, pulumiVersion, REPO_ROOT, removeLeftovers } from "./lib/deploy";
import { acquireLock } from "./lib/lock";
import { defaultImage, describeMachine } from "./lib/machine";
import { measureAll } from "./lib/measure";
import { renderPhaseChart } from "./lib/phase-chart";
import { ENGINE_FLOOR_ROLE, planFor, stackFor, stacksOf } from "./lib/plan";
import { AbortedError, nowMs } from "./lib/proc";
import { buildFigures, sectionTitles, type BenchResult, type LatencyFigures } from "./lib/result";
import { medianPercentilePoints, type Summary } from "./lib/stats";
import { renderLatencyChart } from "./lib/svg";
import { formatValue, renderTable } from "./lib/table";

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
const DOCS_DIR = join(REPO_ROOT, "docs");
const CHART_FILE = "bench-latency.svg";
const PHASE_CHART_FILE = "bench-phases.svg";

const started = nowMs();
function log(line: string): void {
  process.stderr.write(`[${((nowMs() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`);
}

function machineLine(r: BenchResult): string {
  return `${r.machine.cores} cores, PostgreSQL ${/([0-9]+\.[0-9]+)/.exec(r.machine.postgres)?.[1] ?? "?"}, ${r.startedAt.slice(0, 10)} (npm run bench)`;
}

/** The latency chart: at each percentile, the median over the rounds; the notes give the medians of the rounds' p50, p99 and max. */
function chart(r: BenchResult): string {
  const v = (ms: number): string => formatValue(ms, "ms").replace(" ms", "");
  const rounds = r.latency.rounds;
  const series = (pick: (x: (typeof rounds)[number]) => LatencyFigures) => {
    const figures = rounds.map(pick);
    const mid = (key: keyof Pick<Summary, "p50" | "p99" | "max">): number => [...figures.map((f) => f.visibilityMs[key])].sort((a, b) => a - b)[Math.floor(figures.length / 2)];
    return { points: medianPercentilePoints(figures.map((f) => f.percentiles)), note: `p50 ${v(mid("p50"))} / p99 ${v(mid("p99"))} / max ${v(mid("max"))} ms` };
  };
  return renderLatencyChart({
    title: "Commit acknowledged -> row visible on the standby",
    subtitle: `${r.plan.latency.rateHz} commits/s for ${r.plan.latency.durationMs / 1000} s, median of ${rounds.length} rounds at each percentile; one host, ${machineLine(r)}`,
    yLabel: "latency (ms, log scale)",
    series: [
      { label: "async floor", color: "#7fa7c9", dashed: true, ...series((x) => x.async.floor) },
      { label: "async", color: "#1f77b4", ...series((x) => x.async.visible) },
      { label: "remote_apply floor", color: "#e89a9a", dashed: true, ...series((x) => x.remoteApply.floor) },
      { label: "remote_apply", color: "#d62728", ...series((x) => x.remoteApply.visible) },
    ],
  });
}

function phaseChart(r: BenchResult): string {
  const rounds = r.timeToReady.rounds;
  return renderPhaseChart(breakdownChart(readyBreakdown(rounds), destroyBreakdown(rounds),
    "Time to ready and destroy, by phase, beside the floor",
    `median of ${rounds.length} rounds per phase; total median (min-max) on the right; ${machineLine(r)}`));
}

function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
}

async function main(argv: readonly string[]): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench: ${error.message}; see npm run bench -- --help\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const plan = planFor(args.quick ? "quick" : "full");
  const controller = new AbortController();
  const cleanups = new Cleanups();
  let signalled: string | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled !== undefined) {
      log(`${signal}: still cleaning up (every step is bounded)`);
      return;
    }
    signalled = signal;
    log(`${signal}: stopping and cleaning up`);
    controller.abort(new AbortedError(`interrupted by ${signal}`));
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) process.on(s, onSignal);
  // A bug that leaves a promise rejected must still end in cleanup, not in a crash that leaves containers behind.
  let stray: Error | undefined;
  const onStray = (reason: unknown): void => {
    stray ??= reason instanceof Error ? reason : new Error(String(reason));
    log(`unexpected error: ${stray.message}: stopping`);
    controller.abort(new AbortedError(`unexpected error: ${stray.message}`));
  };
  process.on("unhandledRejection", onStray);
  const watchdog = setTimeout(() => {
    log(`the run passed its bound of ${plan.boundMs / 60_000} minutes: stopping`);
    controller.abort(new AbortedError(`the run passed its bound of ${plan.boundMs / 60_000} minutes`));
  }, plan.boundMs);

  let release: (() => Promise<void>) | undefined;
  try {
    release = await acquireLock(plan.mode);
    const startedAt = new Date();
    const image = args.image ?? (await defaultImage());
    const pulumi = await pulumiVersion();
    log(`pg-replication bench (${plan.mode}), image ${image}, pulumi ${pulumi} on the test backend`);

    // Leftovers of an earlier run that was killed outright would hold the ports.
    await removeFloor(plan.mode);
    await removeLeftovers(stacksOf(plan), log);
    const engineLeft = await removeEngineFloor(stackFor(plan, ENGINE_FLOOR_ROLE));
    if (engineLeft !== undefined) throw new Error(engineLeft);
    const machine = await describeMachine(image, pulumi);
    if (machine.otherContainersAtStart > 0) {
      log(`note: ${machine.otherContainersAtStart} other containers are running; figures will carry their load (recorded in the results)`);
    }

    const measured = await measureAll({ plan, image, cleanups, log, signal: controller.signal });
    const partial = { ...measured, startedAt: startedAt.toISOString(), machine };
    const figures = buildFigures(partial);
    const result: BenchResult = {
      ...partial,
      finishedAt: new Date().toISOString(),
      durationS: (nowMs() - started) / 1000,
      loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
      figures,
    };
    const table = renderTable(figures, sectionTitles(partial));

    const outDir = resolve(args.out ?? join(REPO_ROOT, "bench", "results"));
    await mkdir(outDir, { recursive: true });
    const base = `${timestamp(startedAt)}${plan.mode === "quick" ? "-quick" : ""}`;
    const resultsFile = join(outDir, `${base}.json`);
    await writeFile(resultsFile, `${JSON.stringify(result, null, 2)}\n`);
    const svg = chart(result);
    const phases = phaseChart(result);
    if (plan.mode === "full") {
      await mkdir(DOCS_DIR, { recursive: true });
      await writeFile(join(DOCS_DIR, CHART_FILE), svg);
      await writeFile(join(DOCS_DIR, PHASE_CHART_FILE), phases);
      await writeFile(join(DOCS_DIR, "BENCHMARKS.md"), renderBenchmarksDoc(result, table, relative(REPO_ROOT, resultsFile), CHART_FILE, PHASE_CHART_FILE));
    } else {
      // The quick run never touches docs/: its charts go beside its results.
      await writeFile(join(outDir, `${base}-latency.svg`), svg);
      await writeFile(join(outDir, `${base}-phases.svg`), phases);
    }

    process.stdout.write(`${table}\n\n`);
    process.stdout.write(`results: ${resultsFile}\n`);
    if (plan.mode === "full") process.stdout.write(`docs: ${join(DOCS_DIR, "BENCHMARKS.md")}, ${join(DOCS_DIR, CHART_FILE)}, ${join(DOCS_DIR, PHASE_CHART_FILE)}\n`);
    log(`done in ${result.durationS.toFixed(0)} s`);
    return 0;
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    log(`bench failed: ${err.message}`);
    return signalled !== undefined ? (SIGNAL_EXIT[signalled] ?? 1) : 1;
  } finally {
    clearTimeout(watchdog);
    const failures = await cleanups.runAll(log);
    for (const f of failures) log(`cleanup failed: ${f}`);
    if (failures.length > 0) {
      const known = new Set(stacksOf(plan));
      const named = [...new Set(failures.flatMap((f) => f.match(/\bbench-[a-z0-9-]+/g) ?? []))].filter((s) => known.has(s));
      log(leftoverHint(named));
    }
    await release?.();
    for (const s of signals) process.off(s, onSignal);
    process.off("unhandledRejection", onStray);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
