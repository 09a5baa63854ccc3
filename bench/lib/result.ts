/**
 * The results of a run, as written to bench/results/<timestamp>.json, and
 * the figures table derived from them. Building the table is pure, so the
 * ratios printed are exactly the ratios of the figures stored.
 */
import type { CatchUpResult } from "./catchup";
import { MB } from "./catchup";
import type { FloorSample } from "./floor";
import type { Machine } from "./machine";
import type { PgbenchResult } from "./pgbench";
import type { Plan } from "./plan";
import type { ReplicationMode } from "./deploy";
import { median, ratio, type Summary } from "./stats";

export interface DeploymentRecord {
  readonly stack: string;
  readonly replicas: number;
  readonly mode: ReplicationMode;
  readonly upMs: number;
  readonly readyMs: number;
  readonly verifyAttempts: number;
}

export interface LatencyFigures {
  readonly sent: number;
  readonly seen: number;
  readonly missing: number;
  readonly achievedHz: number;
  readonly visibilityMs: Summary;
  readonly commitMs: Summary;
  /** visibilityMs by percentile, for the chart: [ms, percentile level] (stats.percentilePoints). */
  readonly percentiles: readonly (readonly [number, number])[];
}

/** One replication mode: its visibility latency, and its floor measured the same way on the same deployment. */
export interface ModeLatency {
  readonly visible: LatencyFigures;
  /** The same writer and reader, but the reader's query answers at once: one round trip under the same load. */
  readonly floor: LatencyFigures;
}

export interface BenchResult {
  readonly tool: "pg-replication bench";
  readonly version: 1;
  readonly mode: Plan["mode"];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  /** 1, 5 and 15 minute load averages when the run ended (the start's are in machine). */
  readonly loadAverageAtEnd: readonly number[];
  readonly plan: Plan;
  readonly deployments: readonly DeploymentRecord[];
  readonly timeToReady: {
    readonly floorMs: readonly FloorSample[];
    /** Dedicated async deployments, interleaved with the floor samples. */
    readonly standbys1Ms: readonly number[];
    readonly standbys3Ms: readonly number[];
  };
  readonly latency: {
    readonly switchMethod: Plan["switchMethod"];
    readonly async: ModeLatency;
    readonly remoteApply: ModeLatency;
    /** Plain back-to-back `SELECT 1` round trips to the standby's port (on the async deployment), for reference. */
    readonly selectOneMs: Summary;
  };
  readonly throughput: {
    readonly switchMethod: Plan["switchMethod"];
    readonly async: PgbenchResult;
    readonly remoteWrite: PgbenchResult;
    readonly remoteApply: PgbenchResult;
  };
  readonly catchUp: CatchUpResult;
  /** The table, as printed and as written to docs/BENCHMARKS.md. */
  readonly figures: readonly Figure[];
}

/** A result before its table is built and the run has ended. */
export type Measurements = Omit<BenchResult, "figures" | "finishedAt" | "durationS" | "loadAverageAtEnd">;

/** One line of the table: a measured value, its baseline from the same run, and value / baseline. */
export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly baseline: number;
  readonly ratio: number;
  readonly unit: "s" | "ms" | "tps" | "MB/s";
}

export interface Section {
  readonly title: string;
  /** What the baseline column is, for this section. */
  readonly baseline: string;
}

function figure(section: string, name: string, value: number, baseline: number, unit: Figure["unit"]): Figure {
  return { section, name, value, baseline, ratio: ratio(value, baseline), unit };
}

export const SECTIONS = {
  ready: "ready",
  visibility: "visibility",
  commit: "commit",
  throughput: "throughput",
  catchUp: "catchUp",
} as const;

/** Section headings for a result (they carry the run's parameters). Pure. */
export function sectionTitles(r: Measurements): Record<keyof typeof SECTIONS, Section> {
  const n = r.timeToReady.standbys1Ms.length;
  const lat = r.plan.latency;
  const pg = r.plan.pgbench;
  const how = r.plan.switchMethod === "redeploy" ? "one deployment per mode" : "one synchronous deployment, synchronous_commit set per session";
  return {
    ready: {
      title: `Time to ready: \`pulumi up\` until \`verify\` passes (median of ${n})`,
      baseline: "plain docker: initdb + start, pg_basebackup -c fast, standby start, first row seen",
    },
    visibility: {
      title: `Visibility: commit acknowledged -> row visible on the standby (${lat.rateHz}/s for ${lat.durationMs / 1000} s; ${how})`,
      baseline: "the same writer and reader on the same deployment, reading ids the standby answers at once: one round trip",
    },
    commit: {
      title: "Commit latency: single-row INSERT sent -> acknowledged (same writer)",
      baseline: "async",
    },
    throughput: {
      title: `Throughput: pgbench TPC-B-like, ${pg.clients} clients, ${pg.durationS} s, scale ${pg.scale} (${how})`,
      baseline: "async",
    },
    catchUp: {
      title: `Catch-up: standby stopped while ${r.plan.catchUpMb} MB of WAL were written, then started`,
      baseline: "time: the same restart with no backlog; rate: the primary's WAL write rate",
    },
  };
}

const PERCENTILES = ["p50", "p95", "p99", "max"] as const;

/** The table rows of a result. Pure; throws if a baseline is zero or not finite. */
export function buildFigures(r: Measurements): Figure[] {
  const floor = median(r.timeToReady.floorMs.map((f) => f.totalMs)) / 1000;
  const rows: Figure[] = [
    figure(SECTIONS.ready, "1 standby", median(r.timeToReady.standbys1Ms) / 1000, floor, "s"),
    figure(SECTIONS.ready, "3 standbys", median(r.timeToReady.standbys3Ms) / 1000, floor, "s"),
  ];
  for (const [label, lat] of [["async", r.latency.async], ["remote_apply", r.latency.remoteApply]] as const) {
    for (const p of PERCENTILES) rows.push(figure(SECTIONS.visibility, `${label} ${p}`, lat.visible.visibilityMs[p], lat.floor.visibilityMs[p], "ms"));
  }
  const asyncCommit = r.latency.async.visible.commitMs;
  const applyCommit = r.latency.remoteApply.visible.commitMs;
  for (const p of ["p50", "p99"] as const) rows.push(figure(SECTIONS.commit, `remote_apply ${p}`, applyCommit[p], asyncCommit[p], "ms"));
  const t = r.throughput;
  rows.push(
    figure(SECTIONS.throughput, "async", t.async.tps, t.async.tps, "tps"),
    figure(SECTIONS.throughput, "remote_write", t.remoteWrite.tps, t.async.tps, "tps"),
    figure(SECTIONS.throughput, "remote_apply", t.remoteApply.tps, t.async.tps, "tps"),
  );
  const c = r.catchUp;
  const mb = c.backlogBytes / MB;
  rows.push(
    figure(SECTIONS.catchUp, `catch-up time, ${mb.toFixed(0)} MB`, c.catchUpMs / 1000, c.restartMs / 1000, "s"),
    figure(SECTIONS.catchUp, "catch-up rate", mb / (c.catchUpMs / 1000), mb / (c.writeMs / 1000), "MB/s"),
  );
  return rows;
}
