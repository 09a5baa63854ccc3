import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { median, medianPercentilePoints, percentilePoints, percentileSorted, ratio, summarize } from "../../../bench/lib/stats";

describe("bench statistics", () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted on purpose

  it("reports nearest-rank percentiles: values that were measured", () => {
    const s = summarize(hundred);
    assert.deepEqual([s.min, s.p50, s.p95, s.p99, s.max], [1, 50, 95, 99, 100]);
    assert.equal(s.count, 100);
    assert.equal(s.mean, 50.5);
  });

  it("keeps p50 <= p95 <= p99 <= max for any sample, even one value", () => {
    for (const sample of [[7], [3, 1], [0.2, 0.2, 5, 0.3], hundred]) {
      const s = summarize(sample);
      assert.ok(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.p99 && s.p99 <= s.max, JSON.stringify(s));
    }
    assert.equal(percentileSorted([1, 2, 3], 100), 3);
  });

  it("refuses empty samples, non-finite values and impossible percentiles", () => {
    assert.throws(() => summarize([]), /empty/);
    assert.throws(() => summarize([1, Number.NaN]), /non-finite/);
    assert.throws(() => percentileSorted([1], 0), /outside/);
    assert.throws(() => percentileSorted([1], 101), /outside/);
  });

  it("takes the median of an odd and an even number of repeats", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it("forms a ratio only against a positive, finite baseline", () => {
    assert.equal(ratio(3, 2), 1.5);
    assert.throws(() => ratio(1, 0), /baseline/);
    assert.throws(() => ratio(Number.POSITIVE_INFINITY, 1), /baseline/);
  });

  it("gives chart points in percentile order, ending at the maximum", () => {
    const values = Array.from({ length: 4000 }, (_, i) => (i % 97) + 1 + (i === 1234 ? 500 : 0));
    const points = percentilePoints(values);
    const levels = points.map(([, p]) => p);
    assert.deepEqual([...levels].sort((a, b) => a - b), levels);
    assert.equal(points[0][1], 0);
    assert.deepEqual(points[points.length - 1], [Math.max(...values), 100 * (1 - 1 / 4000)]);
    assert.ok(points.every(([v], i) => i === 0 || v >= points[i - 1][0]), "values never decrease");
    assert.ok(levels.every((p) => p < 100), "100% would sit at infinity on the chart's axis");
  });

  it("takes the median of several rounds' chart points at the levels every round has", () => {
    const rounds: [number, number][][] = [
      [[1, 0], [2, 50], [3, 90], [4, 95], [9, 99]],
      [[2, 0], [3, 50], [5, 95], [7, 99]],
      [[3, 0], [4, 50], [4, 90], [6, 95], [8, 99.5]],
    ];
    assert.deepEqual(medianPercentilePoints(rounds), [[2, 0], [3, 50], [5, 95]], "90 and 99 are not in every round; 99.5 only in one");
    assert.deepEqual(medianPercentilePoints([[[1, 0], [4, 50]], [[3, 0], [2, 50]]]), [[2, 0], [3, 50]], "the median of two is their mean");
    assert.deepEqual(medianPercentilePoints([[[5, 0], [6, 50]]]), [[5, 0], [6, 50]]);
    assert.deepEqual(medianPercentilePoints([]), []);
  });

  it("keeps every point, the maximum included, of rounds with as many samples each", () => {
    const a = percentilePoints(Array.from({ length: 200 }, (_, i) => i + 1));
    const b = percentilePoints(Array.from({ length: 200 }, (_, i) => 2 * (i + 1)));
    const c = percentilePoints(Array.from({ length: 200 }, (_, i) => 3 * (i + 1)));
    const mid = medianPercentilePoints([c, a, b]);
    assert.deepEqual(mid, b);
    assert.deepEqual(mid[mid.length - 1], [400, 99.5]);
  });
});
