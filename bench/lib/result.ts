/**
 * The results of a run, as written to bench/results/<timestamp>.json, and
 * the figures table derived from them. Building the table is pure, so the
 * figures printed are exactly those of the samples stored.
 *
 * Every measurement is repeated in rounds, interleaved across the things it
 * compares; a figure is the median of its rounds, shown with the smallest
 * and largest round (its spread). Its ratio is the median value over the
 * median baseline; the ratio's spread is the smallest and largest ratio of
 * one round's value to the same round's baseline.
 */
import type { CatchUpResult } from "./catchup";
import { MB } from "./catchup";
import type { DestroyTiming } from "./deploy";
import type { EngineFloorSample } from "./engine-floor";
import type { Phase } from "./events";
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

/** A fresh cluster deployed, verified and destroyed, with where the time went. */
export interface ReadySample {
  readonly upMs: number;
  readonly readyMs: number;
  readonly verifyAttempts: number;
  readonly phases: readonly Phase[];
  readonly destroy: DestroyTiming;
}

/** One round of time to ready: the floors (plain docker with 1 and with 3 standbys, the engine), then 1 and 3 standbys, one after the other. */
export interface ReadyRound {
  readonly dockerFloor1: FloorSample;
  readonly dockerFloor3: FloorSample;
  readonly engineFloor: EngineFloorSample;
  readonly standbys1: ReadySample;
  readonly standbys3: ReadySample;
}

export interface LatencyRound {
  readonly async: ModeLatency;
  readonly remoteApply: ModeLatency;
}

export interface ThroughputRound {
  readonly async: PgbenchResult;
  readonly remoteWrite: PgbenchResult;
  readonly remoteApply: PgbenchResult;
}

export interface BenchResult {
  readonly tool: "pg-replication bench";
  readonly version: 3;
  readonly mode: Plan["mode"];
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationS: number;
  readonly machine: Machine;
  /** 1, 5 and 15 minute load averages when the run ended (the start's are in machine). */
  readonly loadAverageAtEnd: readonly number[];
  readonly plan: Plan;
  readonly deployments: readonly DeploymentRecord[];
  readonly timeToReady: { readonly rounds: readonly ReadyRound[] };
  readonly latency: {
    readonly switchMethod: Plan["switchMethod"];
    readonly rounds: readonly LatencyRound[];
    /** Plain back-to-back `SELECT 1` round trips to the standby's port (on the async deployment), for reference. */
    readonly selectOneMs: Summary;
  };
  readonly throughput: { readonly switchMethod: Plan["switchMethod"]; readonly rounds: readonly ThroughputRound[] };
  readonly catchUp: { readonly rounds: readonly CatchUpResult[] };
  /** The table, as printed and as written to docs/BENCHMARKS.md. */
  readonly figures: readonly Figure[];
}

/** A result before its table is built and the run has ended. */
export type Measurements = Omit<BenchResult, "figures" | "finishedAt" | "durationS" | "loadAverageAtEnd">;

export type Range = readonly [number, number];

/** One line of the table: a measured value, its baseline from the same rounds, value / baseline, and their spreads. */
export interface Figure {
  readonly section: string;
  readonly name: string;
  /** Median over the rounds. */
  readonly value: number;
  readonly baseline: number;
  /** value / baseline. */
  readonly ratio: number;
  readonly unit: "s" | "ms" | "tps" | "MB/s";
  readonly rounds: number;
  /** Smallest and largest round. */
  readonly valueRange: Range;
  readonly baselineRange: Range;
  /** Smallest and largest of one round's value over the same round's baseline. */
  readonly ratioRange: Range;
  /** The value's and the baseline's spreads overlap: the difference is inside the noise of this run. */
  readonly withinNoise: boolean;
}

export interface Section {
  readonly title: string;
  /** What the baseline column is, for this section. */
  readonly baseline: string;
}

const range = (values: readonly number[]): Range => [Math.min(...values), Math.max(...values)];

/** Whether two spreads share a value. Pure. */
export function overlaps(a: Range, b: Range): boolean {
  return Math.max(a[0], b[0]) <= Math.min(a[1], b[1]);
}

/** A figure from paired rounds: [value, baseline] of round 1, of round 2, ... Pure. */
export function figureOf(section: string, name: string, pairs: readonly (readonly [number, number])[], unit: Figure["unit"]): Figure {
  if (pairs.length === 0) throw new Error(`figure ${section}/${name} has no rounds`);
  const values = pairs.map(([v]) => v);
  const baselines = pairs.map(([, b]) => b);
  const value = median(values);
  const baseline = median(baselines);
  const valueRange = range(values);
  const baselineRange = range(baselines);
  return {
    section, name, value, baseline, ratio: ratio(value, baseline), unit, rounds: pairs.length,
    valueRange, baselineRange, ratioRange: range(pairs.map(([v, b]) => ratio(v, b))),
    withinNoise: overlaps(valueRange, baselineRange),
  };
}

export const SECTIONS = {
  ready: "ready",
  scale: "scale",
  destroy: "destroy",
  visibility: "visibility",
  commit: "commit",
  throughput: "throughput",
  catchUp: "catchUp",
} as const;

/** Section headings for a result (they carry the run's parameters). Pure. */
export function sectionTitles(r: Measurements): Record<keyof typeof SECTIONS, Section> {
  const lat = r.plan.latency;
  const pg = r.plan.pgbench;
  const how = r.plan.switchMethod === "redeploy" ? "one deployment per mode" : "one synchronous deployment, synchronous_commit set per session";
  const n = r.timeToReady.rounds.length;
  const of = (k: number): string => `median of ${k} round${k === 1 ? "" : "s"}`;
  return {
    ready: {
      title: `Time to ready: \`pulumi up\` until \`verify\` passes (${of(n)})`,
      baseline: "floor = engine (`pulumi up` of a program that creates nothing, same plugins) + plain docker with as many standbys (initdb + start; at once for each standby: pg_basebackup -c fast, standby start; a row seen on every standby)",
    },
    scale: {
      title: `Standbys seeded in parallel: 3 standbys against 1 (${of(n)})`,
      baseline: "the same with 1 standby: the program's time to ready, and its floor (engine + plain docker)",
    },
    destroy: {
      title: `\`pulumi destroy\` (${of(n)})`,
      baseline: "floor = engine (`pulumi destroy` of the same empty program) + plain docker (stop with a fast shutdown, rm, volumes, network) of as many containers",
    },
    visibility: {
      title: `Visibility: commit acknowledged -> row visible on the standby (${lat.rateHz}/s for ${lat.durationMs / 1000} s; ${how}; ${of(r.latency.rounds.length)})`,
      baseline: "the same writer and reader on the same deployment, reading ids the standby answers at once: one round trip",
    },
    commit: {
      title: "Commit latency: single-row INSERT sent -> acknowledged (same writer)",
      baseline: "async",
    },
    throughput: {
      title: `Throughput: pgbench TPC-B-like, ${pg.clients} clients, ${pg.durationS} s, scale ${pg.scale} (${how}; ${of(r.throughput.rounds.length)})`,
      baseline: "async",
    },
    catchUp: {
      title: `Catch-up: standby stopped while ${r.plan.catchUpMb} MB of WAL were written, then started (${of(r.catchUp.rounds.length)})`,
      baseline: "time: the same restart with no backlog; rate: the primary's WAL write rate",
    },
  };
}

const PERCENTILES = ["p50", "p95", "p99", "max"] as const;

/** A round's deployment with `standbys` standbys. */
export const readySampleOf = (r: ReadyRound, standbys: 1 | 3): ReadySample => (standbys === 1 ? r.standbys1 : r.standbys3);
/** A round's plain-docker floor with as many standbys as the deployment it is the floor of. */
export const dockerFloorOf = (r: ReadyRound, standbys: 1 | 3): FloorSample => (standbys === 1 ? r.dockerFloor1 : r.dockerFloor3);
/** The floor of one round's time to ready: the engine's empty `up` plus plain docker to the first row seen on every standby (ms). */
export const readyFloorMs = (r: ReadyRound, standbys: 1 | 3): number => r.engineFloor.upMs + dockerFloorOf(r, standbys).totalMs;
/** The floor of one round's destroy: the engine's empty `destroy` plus plain docker stop and removal (ms). */
export const destroyFloorMs = (r: ReadyRound, standbys: 1 | 3): number => r.engineFloor.destroyMs + dockerFloorOf(r, standbys).destroyMs;

/** The table rows of a result. Pure; throws if a baseline is zero or not finite. */
export function buildFigures(r: Measurements): Figure[] {
  const s = (ms: number): number => ms / 1000;
  const ready = r.timeToReady.rounds;
  const rows: Figure[] = [
    figureOf(SECTIONS.ready, "1 standby", ready.map((x) => [s(x.standbys1.readyMs), s(readyFloorMs(x, 1))]), "s"),
    figureOf(SECTIONS.ready, "3 standbys", ready.map((x) => [s(x.standbys3.readyMs), s(readyFloorMs(x, 3))]), "s"),
    figureOf(SECTIONS.scale, "3 standbys", ready.map((x) => [s(x.standbys3.readyMs), s(x.standbys1.readyMs)]), "s"),
    figureOf(SECTIONS.scale, "floor", ready.map((x) => [s(readyFloorMs(x, 3)), s(readyFloorMs(x, 1))]), "s"),
    figureOf(SECTIONS.destroy, "1 standby", ready.map((x) => [s(x.standbys1.destroy.destroyMs), s(destroyFloorMs(x, 1))]), "s"),
    figureOf(SECTIONS.destroy, "3 standbys", ready.map((x) => [s(x.standbys3.destroy.destroyMs), s(destroyFloorMs(x, 3))]), "s"),
  ];
  const lat = r.latency.rounds;
  for (const [label, key] of [["async", "async"], ["remote_apply", "remoteApply"]] as const) {
    for (const p of PERCENTILES) {
      rows.push(figureOf(SECTIONS.visibility, `${label} ${p}`, lat.map((x) => [x[key].visible.visibilityMs[p], x[key].floor.visibilityMs[p]]), "ms"));
    }
  }
  for (const p of ["p50", "p99"] as const) {
    rows.push(figureOf(SECTIONS.commit, `remote_apply ${p}`, lat.map((x) => [x.remoteApply.visible.commitMs[p], x.async.visible.commitMs[p]]), "ms"));
  }
  const t = r.throughput.rounds;
  rows.push(
    figureOf(SECTIONS.throughput, "remote_write", t.map((x) => [x.remoteWrite.tps, x.async.tps]), "tps"),
    figureOf(SECTIONS.throughput, "remote_apply", t.map((x) => [x.remoteApply.tps, x.async.tps]), "tps"),
  );
  const c = r.catchUp.rounds;
  const mb = (x: CatchUpResult): number => x.backlogBytes / MB;
  rows.push(
    figureOf(SECTIONS.catchUp, `catch-up time, ${median(c.map(mb)).toFixed(0)} MB`, c.map((x) => [s(x.catchUpMs), s(x.restartMs)]), "s"),
    figureOf(SECTIONS.catchUp, "catch-up rate", c.map((x) => [mb(x) / s(x.catchUpMs), mb(x) / s(x.writeMs)]), "MB/s"),
  );
  return rows;
}

/** A comparison between two figures of the table that the page states, with whether their spreads overlap. */
export interface Comparison {
  readonly what: string;
  readonly a: { readonly name: string; readonly value: number; readonly range: Range };
  readonly b: { readonly name: string; readonly value: number; readonly range: Range };
  readonly unit: Figure["unit"];
  readonly withinNoise: boolean;
}

/** The comparisons between measured things (not against a floor) that a reader draws from the table. Pure. */
export function comparisons(figures: readonly Figure[]): Comparison[] {
  const get = (section: string, name: string): Figure => {
    const f = figures.find((x) => x.section === section && x.name === name);
    if (f === undefined) throw new Error(`figure ${section}/${name} missing`);
    return f;
  };
  const pair = (what: string, a: Figure, an: string, b: Figure, bn: string): Comparison => ({
    what, unit: a.unit,
    a: { name: an, value: a.value, range: a.valueRange },
    b: { name: bn, value: b.value, range: b.valueRange },
    withinNoise: overlaps(a.valueRange, b.valueRange),
  });
  return [
    pair("throughput", get(SECTIONS.throughput, "remote_write"), "remote_write", get(SECTIONS.throughput, "remote_apply"), "remote_apply"),
    pair("visibility p99", get(SECTIONS.visibility, "async p99"), "async", get(SECTIONS.visibility, "remote_apply p99"), "remote_apply"),
    pair("destroy", get(SECTIONS.destroy, "1 standby"), "1 standby", get(SECTIONS.destroy, "3 standbys"), "3 standbys"),
  ];
}
