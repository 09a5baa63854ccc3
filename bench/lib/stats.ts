/**
 * Distribution summaries for the bench. Pure: numbers in, numbers out.
 *
 * Percentiles use the nearest-rank method: every reported percentile is a
 * value that was actually measured, and p50 <= p95 <= p99 <= max holds by
 * construction (interpolation could report a latency no commit ever had).
 */

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Nearest-rank percentile of values sorted ascending; p in (0, 100]. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error("percentile of an empty sample");
  if (!(p > 0 && p <= 100)) throw new Error(`percentile ${p} is outside (0, 100]`);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error("summary of an empty sample");
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`sample holds a non-finite value (${v})`);
  }
  const sorted = sortedCopy(values);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0],
    p50: percentileSorted(sorted, 50),
    p95: percentileSorted(sorted, 95),
    p99: percentileSorted(sorted, 99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

/** The median of a few repeated samples (time to ready is measured 1-3 times). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of an empty sample");
  const sorted = sortedCopy(values);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** value / baseline; a ratio against a zero or broken baseline is a bug in the measurement, not a figure. */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline <= 0) {
    throw new Error(`cannot form a ratio of ${value} to baseline ${baseline}`);
  }
  return value / baseline;
}

/** Percentile levels for a latency-by-percentile chart: even steps, then ever finer towards the tail. */
const CHART_LEVELS = [
  ...Array.from({ length: 19 }, (_, i) => (i + 1) * 5),
  96, 97, 98, 99, 99.5, 99.7, 99.8, 99.9, 99.95, 99.97, 99.99,
];

/**
 * Points of the latency distribution for a chart: [value, percentile level].
 * The last point is the maximum, at the level 100 * (1 - 1/n) a sample of n
 * can resolve (100 itself would sit at infinity on a "nines" axis).
 */
export function percentilePoints(values: readonly number[]): [number, number][] {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) return [];
  const top = 100 * (1 - 1 / sorted.length);
  const points: [number, number][] = [[sorted[0], 0]];
  for (const level of CHART_LEVELS) {
    if (level < top) points.push([percentileSorted(sorted, level), level]);
  }
  if (sorted.length > 1) points.push([sorted[sorted.length - 1], top]);
  return points;
}

/**
 * The median, level by level, of several rounds' percentile points (from
 * `percentilePoints`), at the levels every round has: one curve for a chart
 * of repeated runs. Pure.
 */
export function medianPercentilePoints(rounds: readonly (readonly (readonly [number, number])[])[]): [number, number][] {
  if (rounds.length === 0) return [];
  const levels = rounds[0].map(([, level]) => level).filter((level) => rounds.every((r) => r.some(([, l]) => l === level)));
  return levels.map((level) => [median(rounds.map((r) => (r.find(([, l]) => l === level) as readonly [number, number])[0])), level]);
}
