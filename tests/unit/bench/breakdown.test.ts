import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { breakdownChart, breakdownTable, destroyBreakdown, FLOOR_PHASES, readyBreakdown } from "../../../bench/lib/breakdown";
import { DESTROY_PHASES, UP_PHASES } from "../../../bench/lib/events";
import { renderPhaseChart } from "../../../bench/lib/phase-chart";
import type { ReadyRound } from "../../../bench/lib/result";
import { READY_ROUNDS, readyRound, readySample } from "./fixtures";

const FLOOR = { engineUp: 2000, engineDestroy: 1000, dockerPrimary: 1000, dockerStandby: 1000, dockerDestroy: 500 };
const DESTROY = [100, 200, 300, 400];
const ANY_UP = [100, 100, 100, 100, 100, 100, 100, 100];

describe("bench breakdown", () => {
  it("gives each phase's median and spread over the rounds, in the phases' order", () => {
    const [floor, one, floor3, three] = readyBreakdown(READY_ROUNDS);
    assert.deepEqual(floor, {
      label: "floor, 1 standby",
      phases: [
        { name: FLOOR_PHASES.engineUp, ms: 2500, range: [2000, 3000] },
        { name: FLOOR_PHASES.dockerPrimary, ms: 1200, range: [1000, 1500] },
        { name: FLOOR_PHASES.dockerStandby, ms: 1300, range: [1000, 1500] },
      ],
      totalMs: 5000,
      totalRange: [4500, 5500],
    });
    assert.equal(one.label, "1 standby");
    assert.deepEqual(one.phases.map((p) => p.name), [...UP_PHASES]);
    assert.deepEqual(one.phases.map((p) => p.ms), [1600, 600, 2800, 900, 1700, 1300, 700, 400]);
    assert.deepEqual(one.phases[4].range, [1500, 1900]);
    assert.deepEqual([one.totalMs, one.totalRange], [10_000, [9000, 11_000]]);
    assert.deepEqual(floor3, {
      label: "floor, 3 standbys",
      phases: [
        { name: FLOOR_PHASES.engineUp, ms: 2500, range: [2000, 3000] },
        { name: FLOOR_PHASES.dockerPrimary, ms: 1200, range: [1000, 1500] },
        { name: FLOOR_PHASES.dockerStandby, ms: 2300, range: [2000, 2500] },
      ],
      totalMs: 6000,
      totalRange: [5500, 6500],
    });
    assert.equal(three.label, "3 standbys");
    assert.deepEqual(three.phases.map((p) => p.ms), [1600, 600, 2600, 800, 3500, 3000, 1100, 1000]);
    assert.deepEqual([three.totalMs, three.totalRange], [14_000, [13_000, 15_000]]);
  });

  it("totals a row as the median of the rounds' totals, not the sum of the phases' medians", () => {
    // 1 standby: 2600, 7600, 8600 ms in all; the two phases that vary peak in different rounds.
    const rounds = [[1000, 1000], [2000, 5000], [6000, 2000]].map(([start, bootstrap]) =>
      readyRound(FLOOR, readySample([start, 100, bootstrap, 100, 100, 100, 100, 100], DESTROY), readySample(ANY_UP, DESTROY)));
    const one = readyBreakdown(rounds)[1];
    assert.deepEqual(one.phases.map((p) => p.ms), [2000, 100, 2000, 100, 100, 100, 100, 100], "sum of the medians: 4600");
    assert.deepEqual(one.phases[0].range, [1000, 6000]);
    assert.equal(one.totalMs, 7600);
    assert.deepEqual(one.totalRange, [2600, 8600]);
  });

  it("gives destroy rows: the floor's engine and docker parts, then each cluster's destroy phases", () => {
    const [floor, one, floor3, three] = destroyBreakdown(READY_ROUNDS);
    assert.deepEqual(floor, {
      label: "floor, 1 standby",
      phases: [
        { name: FLOOR_PHASES.engineUp, ms: 1500, range: [1200, 1600] },
        { name: FLOOR_PHASES.dockerDestroy, ms: 900, range: [800, 1000] },
      ],
      totalMs: 2500, // 2500, 2000, 2500; the phases' medians add up to 2400
      totalRange: [2000, 2500],
    });
    assert.deepEqual([floor3.label, floor3.phases.map((p) => p.ms), floor3.totalMs, floor3.totalRange], ["floor, 3 standbys", [1500, 1400], 3000, [2500, 3000]]);
    assert.deepEqual(one.phases.map((p) => [p.name, p.ms]), [[DESTROY_PHASES[0], 1100], [DESTROY_PHASES[1], 2200], [DESTROY_PHASES[2], 700], [DESTROY_PHASES[3], 500]]);
    assert.deepEqual([one.totalMs, three.totalMs, three.totalRange], [4500, 5500, [5000, 6000]]);
  });

  it("refuses rounds whose phases differ, naming the row", () => {
    const swapped: ReadyRound = {
      ...READY_ROUNDS[1],
      standbys3: { ...READY_ROUNDS[1].standbys3, phases: [READY_ROUNDS[1].standbys3.phases[1], READY_ROUNDS[1].standbys3.phases[0], ...READY_ROUNDS[1].standbys3.phases.slice(2)] },
    };
    assert.throws(() => readyBreakdown([READY_ROUNDS[0], swapped, READY_ROUNDS[2]]), /^Error: 3 standbys: the rounds' phases differ$/);
    const short: ReadyRound = { ...READY_ROUNDS[2], standbys1: { ...READY_ROUNDS[2].standbys1, phases: READY_ROUNDS[2].standbys1.phases.slice(0, -1) } };
    assert.throws(() => readyBreakdown([READY_ROUNDS[0], READY_ROUNDS[1], short]), /^Error: 1 standby: the rounds' phases differ$/);
    const renamed: ReadyRound = {
      ...READY_ROUNDS[0],
      standbys1: { ...READY_ROUNDS[0].standbys1, destroy: { ...READY_ROUNDS[0].standbys1.destroy, phases: READY_ROUNDS[0].standbys1.destroy.phases.map((p, i) => (i === 3 ? { ...p, name: "other" } : p)) } },
    };
    assert.throws(() => destroyBreakdown([renamed, READY_ROUNDS[1]]), /^Error: 1 standby: the rounds' phases differ$/);
    assert.doesNotThrow(() => readyBreakdown([renamed, READY_ROUNDS[1]]), "up phases alike");
    assert.throws(() => readyBreakdown([]), /^Error: no rounds for floor, 1 standby$/);
  });

  it("tables a breakdown: one line per phase, then the total", () => {
    assert.equal(breakdownTable(destroyBreakdown(READY_ROUNDS)), [
      "| phase, s (min-max) | floor, 1 standby | 1 standby | floor, 3 standbys | 3 standbys |",
      "|---|---:|---:|---:|---:|",
      "| engine floor | 1.5 (1.2-1.6) |  | 1.5 (1.2-1.6) |  |",
      "| docker floor: stop, rm | 0.9 (0.8-1.0) |  | 1.4 (1.3-1.5) |  |",
      "| engine start |  | 1.1 (1.0-1.2) |  | 1.1 (1.0-1.2) |",
      "| containers |  | 2.2 (2.0-2.5) |  | 3.1 (2.8-3.4) |",
      "| volumes, network, the rest |  | 0.7 (0.6-0.8) |  | 0.8 (0.7-0.8) |",
      "| engine finish |  | 0.5 (0.4-0.5) |  | 0.5 (0.5-0.6) |",
      "| **total** | **2.5** (2.0-2.5) | **4.5** (4.0-5.0) | **3.0** (2.5-3.0) | **5.5** (5.0-6.0) |",
    ].join("\n"));
    const up = breakdownTable(readyBreakdown(READY_ROUNDS)).split("\n");
    assert.equal(up.length, 2 + 3 + UP_PHASES.length + 1);
    assert.deepEqual(up.slice(2, -1).map((l) => l.split(" | ")[0].slice(2)), [FLOOR_PHASES.engineUp, FLOOR_PHASES.dockerPrimary, FLOOR_PHASES.dockerStandby, ...UP_PHASES]);
    assert.equal(up[4], "| docker floor: standbys, first row | 1.3 (1.0-1.5) |  | 2.3 (2.0-2.5) |  |");
    assert.equal(up[5], "| engine and program start |  | 1.6 (1.5-1.7) |  | 1.6 (1.5-1.7) |");
    assert.equal(up.at(-1), "| **total** | **5.0** (4.5-5.5) | **10.0** (9.0-11.0) | **6.0** (5.5-6.5) | **14.0** (13.0-15.0) |");
  });

  it("charts both breakdowns: each bar the phases' medians, its note the median total and spread", () => {
    const chart = breakdownChart(readyBreakdown(READY_ROUNDS), destroyBreakdown(READY_ROUNDS), "Title", "Subtitle");
    assert.equal(chart.title, "Title");
    assert.equal(chart.subtitle, "Subtitle");
    assert.deepEqual(chart.phases.map((p) => p.name), [
      FLOOR_PHASES.engineUp, FLOOR_PHASES.dockerPrimary, FLOOR_PHASES.dockerStandby, ...UP_PHASES, FLOOR_PHASES.dockerDestroy, ...DESTROY_PHASES,
    ], "each phase once, in the order met");
    const color = new Map(chart.phases.map((p) => [p.name, p.color]));
    const upNames = [FLOOR_PHASES.engineUp, FLOOR_PHASES.dockerPrimary, FLOOR_PHASES.dockerStandby, ...UP_PHASES];
    assert.equal(new Set(upNames.map((n) => color.get(n))).size, upNames.length, "no two phases of an up bar share a color");
    const destroyNames = [FLOOR_PHASES.engineUp, FLOOR_PHASES.dockerDestroy, ...DESTROY_PHASES];
    assert.equal(new Set(destroyNames.map((n) => color.get(n))).size, destroyNames.length, "no two phases of a destroy bar share a color");
    const labels = ["floor, 1 standby", "1 standby", "floor, 3 standbys", "3 standbys"];
    assert.deepEqual(chart.bars.map((b) => b.label), [...labels, ...labels]);
    assert.deepEqual(chart.bars.map((b) => b.note), [
      "5.0 s (4.5-5.5)", "10.0 s (9.0-11.0)", "6.0 s (5.5-6.5)", "14.0 s (13.0-15.0)",
      "2.5 s (2.0-2.5)", "4.5 s (4.0-5.0)", "3.0 s (2.5-3.0)", "5.5 s (5.0-6.0)",
    ]);
    assert.deepEqual(chart.bars[4].segments, [{ phase: FLOOR_PHASES.engineUp, ms: 1500 }, { phase: FLOOR_PHASES.dockerDestroy, ms: 900 }]);
    assert.deepEqual(chart.bars[1].segments.map((s) => s.ms), [1600, 600, 2800, 900, 1700, 1300, 700, 400]);
    assert.deepEqual(chart.groups, [{ title: "pulumi up until verify passes", bars: 4 }, { title: "pulumi destroy", bars: 4 }]);
    const svg = renderPhaseChart(chart);
    assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
    for (const phase of [...UP_PHASES, ...DESTROY_PHASES]) assert.ok(svg.includes(phase), `the legend names ${phase}`);
  });
});
