import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { buildFigures, comparisons, figureOf, overlaps, SECTIONS, type Figure } from "../../../bench/lib/result";
import { formatRange, formatRatio, formatValue, renderTable } from "../../../bench/lib/table";
import { pgbench, sample } from "./fixtures";

describe("bench figure from paired rounds", () => {
  it("takes the medians of an odd number of rounds, their ranges, and overlapping spreads as inside the noise", () => {
    const f = figureOf("s", "odd", [[3, 1], [5, 2], [4, 9]], "s");
    assert.deepEqual(f, {
      section: "s", name: "odd", value: 4, baseline: 2, ratio: 2, unit: "s", rounds: 3,
      valueRange: [3, 5], baselineRange: [1, 9], ratioRange: [4 / 9, 3], withinNoise: true,
    });
  });

  it("averages the middle two of an even number of rounds, and tells spreads that are apart", () => {
    const f = figureOf("s", "even", [[10, 4], [12, 5], [11, 6], [14, 3]], "ms");
    assert.equal(f.value, 11.5);
    assert.equal(f.baseline, 4.5);
    assert.equal(f.ratio, 11.5 / 4.5, "value / baseline exactly: the ratio of the medians, not the median of the ratios");
    assert.deepEqual(f.valueRange, [10, 14]);
    assert.deepEqual(f.baselineRange, [3, 6]);
    assert.deepEqual(f.ratioRange, [11 / 6, 14 / 3], "each round's value over the same round's baseline");
    assert.equal(f.withinNoise, false);
    assert.equal(f.rounds, 4);
    assert.equal(f.unit, "ms");
  });

  it("counts spreads that touch as overlapping", () => {
    assert.equal(figureOf("s", "touch", [[5, 3], [6, 5]], "s").withinNoise, true);
    assert.equal(figureOf("s", "apart", [[5.01, 3], [6, 5]], "s").withinNoise, false);
    assert.equal(figureOf("s", "below", [[1, 3], [2, 4]], "tps").withinNoise, false, "a value below its baseline, apart");
  });

  it("with one round, is that round", () => {
    const f = figureOf("s", "one", [[7, 2]], "tps");
    assert.deepEqual([f.value, f.baseline, f.ratio, f.valueRange, f.baselineRange, f.ratioRange, f.withinNoise], [7, 2, 3.5, [7, 7], [2, 2], [3.5, 3.5], false]);
  });

  it("refuses no rounds and a zero baseline", () => {
    assert.throws(() => figureOf("s", "none", [], "s"), /^Error: figure s\/none has no rounds$/);
    assert.throws(() => figureOf("s", "zero", [[1, 1], [2, 0]], "s"), /cannot form a ratio of 2 to baseline 0/);
  });

  it("tells whether two ranges share a value", () => {
    assert.equal(overlaps([1, 2], [2, 3]), true);
    assert.equal(overlaps([2, 3], [1, 2]), true);
    assert.equal(overlaps([1, 4], [2, 3]), true, "one inside the other");
    assert.equal(overlaps([1, 2], [2.5, 3]), false);
    assert.equal(overlaps([2.5, 3], [1, 2]), false);
  });
});

describe("bench comparisons", () => {
  it("set throughput, visibility p99 and destroy side by side, with whether their spreads overlap", () => {
    assert.deepEqual(comparisons(buildFigures(sample)), [
      { what: "throughput", unit: "tps", a: { name: "remote_write", value: 800, range: [760, 850] }, b: { name: "remote_apply", value: 700, range: [690, 780] }, withinNoise: true },
      { what: "visibility p99", unit: "ms", a: { name: "async", value: 9, range: [8, 10] }, b: { name: "remote_apply", value: 2.5, range: [2.5, 2.5] }, withinNoise: false },
      { what: "destroy", unit: "s", a: { name: "1 standby", value: 4.5, range: [4, 5] }, b: { name: "3 standbys", value: 5.5, range: [5, 6] }, withinNoise: true },
    ]);
  });

  it("tells remote_write and remote_apply throughput apart when their spreads do not meet", () => {
    const throughput = { ...sample.throughput, rounds: [[1000, 900, 700], [1100, 950, 780], [900, 880, 690]].map(([a, w, s]) => ({ async: pgbench(a), remoteWrite: pgbench(w), remoteApply: pgbench(s) })) };
    const [t] = comparisons(buildFigures({ ...sample, throughput }));
    assert.deepEqual([t.what, t.a.range, t.b.range, t.withinNoise], ["throughput", [880, 950], [690, 780], false]);
  });

  it("name a figure that is missing", () => {
    const figures = buildFigures(sample).filter((f) => !(f.section === SECTIONS.destroy && f.name === "3 standbys"));
    assert.throws(() => comparisons(figures), /^Error: figure destroy\/3 standbys missing$/);
  });
});

describe("bench table", () => {
  const sections = { x: { title: "Section X", baseline: "the floor" } };
  const apart = figureOf("x", "fast", [[2, 1], [2.2, 1.1], [1.8, 0.9]], "s");
  const noisy = figureOf("x", "noisy", [[1.05, 1], [0.95, 1.02], [1.1, 0.98]], "s");

  it("formats values, ratios and ranges in the unit's precision", () => {
    assert.equal(formatValue(9.994, "ms"), "9.99 ms");
    assert.equal(formatValue(10, "ms"), "10.0 ms");
    assert.equal(formatValue(1.5, "s"), "1.50 s");
    assert.equal(formatValue(1021.7, "tps"), "1022 tps");
    assert.equal(formatValue(102.4, "MB/s"), "102 MB/s");
    assert.equal(formatRatio(3.456), "3.46x");
    assert.equal(formatRatio(12.34), "12.3x");
    assert.equal(formatRange([8, 10], "ms"), "8.00-10.0 ms");
    assert.equal(formatRange([760, 850.4], "tps"), "760-850 tps");
    assert.equal(formatRange([80, 128], "MB/s"), "80-128 MB/s");
    assert.equal(formatRange([0.95, 1.1], "s"), "0.95-1.10 s");
  });

  it("marks a figure inside the noise with ~ and explains the mark under the table", () => {
    assert.equal(renderTable([apart, noisy], sections), [
      `${" ".repeat(16)}value [spread]${" ".repeat(6)}baseline [spread]${" ".repeat(8)}ratio [spread]`,
      "",
      "Section X",
      "  (baseline: the floor)",
      "  fast    2.00 s [1.80-2.20 s]   1.00 s [0.90-1.10 s]   2.00x [2.00x-2.00x]",
      "  noisy   1.05 s [0.95-1.10 s]   1.00 s [0.98-1.02 s]   1.05x [0.93x-1.12x]   ~",
      "",
      "~ the value's spread overlaps the baseline's: inside the noise of this run",
    ].join("\n"));
  });

  it("has no mark and no legend when every figure is apart from its baseline", () => {
    const table = renderTable([apart], sections);
    assert.doesNotMatch(table, /~/);
    assert.equal(table.split("\n").at(-1), "  fast   2.00 s [1.80-2.20 s]   1.00 s [0.90-1.10 s]   2.00x [2.00x-2.00x]");
  });

  it("starts a section at each change of section, under its title and baseline", () => {
    const other: Figure = { ...apart, section: "y", name: "other" };
    const lines = renderTable([apart, other, noisy], { ...sections, y: { title: "Section Y", baseline: "async" } }).split("\n");
    assert.deepEqual(lines.filter((l) => /^Section|\(baseline/.test(l)), ["Section X", "  (baseline: the floor)", "Section Y", "  (baseline: async)", "Section X", "  (baseline: the floor)"]);
    assert.ok(!lines.some((l, i) => l === "" && lines[i - 1] === ""), "never two blank lines in a row");
  });
});
