/**
 * The latency chart in docs/: latency by percentile, one line per series,
 * as a hand-written SVG string (no library, no service). Pure.
 *
 * The x axis is in "nines" (-log10(1 - p)): 50%, 90%, 99% and 99.9% are
 * evenly spaced, so the tail, where async and synchronous replication differ
 * most, gets as much room as the median. The y axis is logarithmic because
 * the series span a round trip (sub-millisecond) to a replication stall.
 */

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** [value, percentile level 0..100), as stats.percentilePoints makes them. */
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
  /** Shown after the label in the legend, e.g. "p50 0.61 / p99 2.3 / max 9.8 ms". */
  readonly note?: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const nines = (level: number): number => -Math.log10(1 - level / 100);
const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();

/** 1-2-5 ticks between two powers of ten, for a log axis. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(Number(v.toPrecision(3)));
    }
  }
  return ticks;
}

function tickLabel(v: number): string {
  return v >= 1 ? String(v) : String(Number(v.toPrecision(2)));
}

function levelLabel(n: number): string {
  const level = 100 * (1 - 10 ** -n);
  return `${Number(level.toPrecision(n + 2))}%`;
}

export function renderLatencyChart(spec: ChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 420 + spec.series.length * 18;
  // The legend gets its own band above the plot, so it never hides a line.
  const legendTop = spec.subtitle === undefined ? 38 : 56;
  const m = { left: 64, right: 24, top: legendTop + spec.series.length * 18 + 8, bottom: 52 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = spec.series.flatMap((s) => s.points).filter(([v]) => v > 0 && Number.isFinite(v));
  if (all.length === 0) throw new Error("chart: no positive values to draw");
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...all.map(([v]) => v))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...all.map(([v]) => v))));
  const yTop = yMax > yMin ? yMax : yMin * 10;
  const xMax = Math.max(1, Math.ceil(Math.max(...all.map(([, p]) => nines(p)))));
  const x = (level: number): number => m.left + (nines(level) / xMax) * plotW;
  const y = (v: number): number => m.top + plotH - ((Math.log10(v) - Math.log10(yMin)) / (Math.log10(yTop) - Math.log10(yMin))) * plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${m.left}" y="22" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`);
  if (spec.subtitle !== undefined) out.push(`<text x="${m.left}" y="40" fill="#555555">${escapeXml(spec.subtitle)}</text>`);

  for (const t of logTicks(yMin, yTop)) {
    const ty = fmt(y(t));
    out.push(`<line x1="${m.left}" y1="${ty}" x2="${m.left + plotW}" y2="${ty}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  const xTicks = [0, Math.log10(2), ...Array.from({ length: xMax }, (_, i) => i + 1)];
  for (const n of xTicks) {
    const tx = fmt(m.left + (n / xMax) * plotW);
    out.push(`<line x1="${tx}" y1="${m.top}" x2="${tx}" y2="${m.top + plotH}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${tx}" y="${m.top + plotH + 18}" text-anchor="middle">${n === 0 ? "0%" : levelLabel(n)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#999999"/>`);
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 12}" text-anchor="middle">percentile (of rows; log scale of nines)</text>`);
  out.push(`<text transform="translate(16 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`);

  for (const s of spec.series) {
    const pts = s.points.filter(([v]) => v > 0 && Number.isFinite(v));
    if (pts.length === 0) continue;
    const d = pts.map(([v, p], j) => `${j === 0 ? "M" : "L"}${fmt(x(p))} ${fmt(y(v))}`).join(" ");
    const dash = s.dashed === true ? ` stroke-dasharray="5 4"` : "";
    out.push(`<path d="${d}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`);
  }
  spec.series.forEach((s, i) => {
    const ly = legendTop + 6 + i * 18;
    const dash = s.dashed === true ? ` stroke-dasharray="5 4"` : "";
    out.push(`<line x1="${m.left + 10}" y1="${ly}" x2="${m.left + 34}" y2="${ly}" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`);
    const note = s.note === undefined ? "" : `  ${s.note}`;
    out.push(`<text x="${m.left + 40}" y="${ly}" dominant-baseline="middle">${escapeXml(s.label + note)}</text>`);
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
