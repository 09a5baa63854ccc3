/**
 * Where the time of `pulumi up` (to a passing `verify`) and of `pulumi
 * destroy` goes, phase by phase, beside the floor's parts: the median of
 * each phase over the rounds, with its spread. Pure.
 */
import { DESTROY_PHASES, UP_PHASES, type Phase } from "./events";
import type { PhaseChart } from "./phase-chart";
import { dockerFloorOf, readySampleOf, type Range, type ReadyRound } from "./result";
import { median } from "./stats";
import { standbysText } from "./table";

export const FLOOR_PHASES = {
  engineUp: "engine floor",
  dockerPrimary: "docker floor: primary",
  dockerStandby: "docker floor: standbys, first row",
  dockerDestroy: "docker floor: stop, rm",
} as const;

export interface PhaseStat {
  readonly name: string;
  readonly ms: number;
  readonly range: Range;
}

export interface BreakdownRow {
  readonly label: string;
  readonly phases: readonly PhaseStat[];
  /** The median of the rounds' totals (not the sum of the phases' medians). */
  readonly totalMs: number;
  readonly totalRange: Range;
}

function stat(name: string, values: readonly number[]): PhaseStat {
  return { name, ms: median(values), range: [Math.min(...values), Math.max(...values)] };
}

/** A row from each round's phases, which must have the same names in the same order in every round. */
function rowOf(label: string, rounds: readonly (readonly Phase[])[]): BreakdownRow {
  if (rounds.length === 0) throw new Error(`no rounds for ${label}`);
  const names = rounds[0].map((p) => p.name);
  for (const r of rounds) {
    if (r.map((p) => p.name).join("|") !== names.join("|")) throw new Error(`${label}: the rounds' phases differ`);
  }
  const totals = rounds.map((r) => r.reduce((sum, p) => sum + p.ms, 0));
  return { label, phases: names.map((name, i) => stat(name, rounds.map((r) => r[i].ms))), ...totalOf(totals) };
}

function totalOf(totals: readonly number[]): { totalMs: number; totalRange: Range } {
  return { totalMs: median(totals), totalRange: [Math.min(...totals), Math.max(...totals)] };
}

/** Rows for `up` until verify passes: for 1 and for 3 standbys, the floor (engine + docker) and the program. */
export function readyBreakdown(rounds: readonly ReadyRound[]): BreakdownRow[] {
  return ([1, 3] as const).flatMap((n) => [
    rowOf(`floor, ${standbysText(n)}`, rounds.map((r) => [
      { name: FLOOR_PHASES.engineUp, ms: r.engineFloor.upMs },
      { name: FLOOR_PHASES.dockerPrimary, ms: dockerFloorOf(r, n).primaryReadyMs },
      { name: FLOOR_PHASES.dockerStandby, ms: dockerFloorOf(r, n).standbyMs },
    ])),
    rowOf(standbysText(n), rounds.map((r) => readySampleOf(r, n).phases)),
  ]);
}

/** Rows for `pulumi destroy`: for 1 and for 3 standbys, the floor (engine + docker) and the program. */
export function destroyBreakdown(rounds: readonly ReadyRound[]): BreakdownRow[] {
  return ([1, 3] as const).flatMap((n) => [
    rowOf(`floor, ${standbysText(n)}`, rounds.map((r) => [
      { name: FLOOR_PHASES.engineUp, ms: r.engineFloor.destroyMs },
      { name: FLOOR_PHASES.dockerDestroy, ms: dockerFloorOf(r, n).destroyMs },
    ])),
    rowOf(standbysText(n), rounds.map((r) => readySampleOf(r, n).destroy.phases)),
  ]);
}

const COLORS: Readonly<Record<string, string>> = {
  [FLOOR_PHASES.engineUp]: "#7f7f7f",
  [FLOOR_PHASES.dockerPrimary]: "#8c564b",
  [FLOOR_PHASES.dockerStandby]: "#bcbd22",
  [FLOOR_PHASES.dockerDestroy]: "#8c564b",
  [UP_PHASES[0]]: "#1f77b4",
  [UP_PHASES[1]]: "#17becf",
  [UP_PHASES[2]]: "#d62728",
  [UP_PHASES[3]]: "#ff7f0e",
  [UP_PHASES[4]]: "#9467bd",
  [UP_PHASES[5]]: "#2ca02c",
  [UP_PHASES[6]]: "#e377c2",
  [UP_PHASES[7]]: "#393b79",
  [DESTROY_PHASES[0]]: "#1f77b4",
  [DESTROY_PHASES[1]]: "#2ca02c",
  [DESTROY_PHASES[2]]: "#17becf",
  [DESTROY_PHASES[3]]: "#e377c2",
};

const secs = (ms: number): string => (ms / 1000).toFixed(1);

/** The stacked-bar chart of both breakdowns: each bar the phases' medians, its note the median total and spread. */
export function breakdownChart(up: readonly BreakdownRow[], destroy: readonly BreakdownRow[], title: string, subtitle: string): PhaseChart {
  const rows = [...up, ...destroy];
  const names: string[] = [];
  for (const row of rows) for (const p of row.phases) if (!names.includes(p.name)) names.push(p.name);
  return {
    title,
    subtitle,
    phases: names.map((name) => ({ name, color: COLORS[name] ?? "#7f7f7f" })),
    bars: rows.map((row) => ({
      label: row.label,
      segments: row.phases.map((p) => ({ phase: p.name, ms: p.ms })),
      note: `${secs(row.totalMs)} s (${secs(row.totalRange[0])}-${secs(row.totalRange[1])})`,
    })),
    groups: [
      { title: "pulumi up until verify passes", bars: up.length },
      { title: "pulumi destroy", bars: destroy.length },
    ],
  };
}

/** The breakdown as a markdown table: one column per row (each floor beside its deployment), one line per phase. */
export function breakdownTable(rows: readonly BreakdownRow[]): string {
  const cell = (p: PhaseStat | undefined): string => (p === undefined ? "" : `${secs(p.ms)} (${secs(p.range[0])}-${secs(p.range[1])})`);
  const names: string[] = [];
  for (const row of rows) for (const p of row.phases) if (!names.includes(p.name)) names.push(p.name);
  const lines = [
    `| phase, s (min-max) | ${rows.map((r) => r.label).join(" | ")} |`,
    `|---|${rows.map(() => "---:").join("|")}|`,
    ...names.map((name) => `| ${name} | ${rows.map((r) => cell(r.phases.find((p) => p.name === name))).join(" | ")} |`),
    `| **total** | ${rows.map((r) => `**${secs(r.totalMs)}** (${secs(r.totalRange[0])}-${secs(r.totalRange[1])})`).join(" | ")} |`,
  ];
  return lines.join("\n");
}
