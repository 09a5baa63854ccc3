/**
 * Where the time goes: one horizontal bar per measurement, split into the
 * phases it passed through, as a hand-written SVG string in the style of
 * svg.ts (no library, no service). Pure and deterministic.
 *
 * All bars share one linear axis in seconds so their lengths compare
 * directly; a floor bar drawn beside the measured ones then shows how much of
 * a total is the engine and Docker rather than replication.
 */

import { escapeXml } from "./svg";

export interface PhaseSegment { readonly phase: string; readonly ms: number }

export interface PhaseBar {
  readonly label: string;
  /** Left to right; each phase must be one of the chart's phases. */
  readonly segments: readonly PhaseSegment[];
  /** Printed right of the bar, e.g. "13.8 s (min 13.1, max 14.2)". */
  readonly note?: string;
}

export interface PhaseChart {
  readonly title: string;
  readonly subtitle: string;
  /** Legend order. */
  readonly phases: readonly { readonly name: string; readonly color: string }[];
  /** Top to bottom. */
  readonly bars: readonly PhaseBar[];
  /** Consecutive bars under a small heading; the counts sum to bars.length. */
  readonly groups?: readonly { readonly title: string; readonly bars: number }[];
}

const WIDTH = 900;
const PAD = 16;
const LEGEND_LINE = 18;
const GROUP_HEADING = 22;
const ROW = 30;
const BAR_H = 20;
const MIN_LABELLED_PX = 28;
// No font metrics without a browser: an average glyph at 12 px sans-serif is
// about 0.55 em, which is close enough to lay out columns and wrap the legend.
const CHAR_PX = 6.6;

const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();
const textPx = (text: string, size = 12): number => (text.length * CHAR_PX * size) / 12;
const clamp = (n: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, n));

/**
 * The axis end and tick step in seconds: the smallest 1-2-5 step that needs
 * at most 10 intervals to reach the longest bar. As neighbouring steps differ
 * by at most 2.5x, that also means at least 5 intervals.
 */
function niceAxis(maxSeconds: number): { max: number; step: number } {
  if (!(maxSeconds > 0)) return { max: 1, step: 0.2 };
  for (let e = Math.floor(Math.log10(maxSeconds)) - 1; ; e++) {
    for (const m of [1, 2, 5]) {
      const step = Number((m * 10 ** e).toPrecision(1));
      const n = Math.ceil(maxSeconds / step);
      if (n <= 10) return { max: Number((n * step).toPrecision(12)), step };
    }
  }
}

/** Text on a segment has to stay readable on both pale and saturated fills. */
function inkOn(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim())?.[1];
  if (hex === undefined) return "#222222";
  const full = hex.length === 3 ? hex.replace(/./g, "$&$&") : hex;
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16) / 255);
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.6 ? "#222222" : "#ffffff";
}

function validate(chart: PhaseChart): void {
  if (chart.bars.length === 0) throw new Error("phase chart: no bars to draw");
  const known = new Set<string>();
  for (const p of chart.phases) {
    if (known.has(p.name)) throw new Error(`phase chart: phase "${p.name}" is listed twice`);
    known.add(p.name);
  }
  for (const bar of chart.bars) {
    for (const s of bar.segments) {
      if (!known.has(s.phase)) {
        throw new Error(`phase chart: bar "${bar.label}" has a segment of unknown phase "${s.phase}" (phases: ${[...known].join(", ")})`);
      }
      if (!Number.isFinite(s.ms) || s.ms < 0) {
        throw new Error(`phase chart: bar "${bar.label}", phase "${s.phase}": duration must be a finite number of ms >= 0, got ${s.ms}`);
      }
    }
  }
  if (chart.groups !== undefined) {
    for (const g of chart.groups) {
      if (!Number.isInteger(g.bars) || g.bars < 1) throw new Error(`phase chart: group "${g.title}" must hold a whole number of bars >= 1, got ${g.bars}`);
    }
    const sum = chart.groups.reduce((a, g) => a + g.bars, 0);
    if (sum !== chart.bars.length) throw new Error(`phase chart: groups hold ${sum} bars but the chart has ${chart.bars.length}`);
  }
}

/** Legend items placed left to right, starting a new line when the next would overflow. */
function legendLayout(phases: PhaseChart["phases"]): { x: number; line: number }[] {
  const places: { x: number; line: number }[] = [];
  let x = PAD;
  let line = 0;
  for (const p of phases) {
    const w = 14 + 6 + textPx(p.name) + 20;
    if (x > PAD && x + w - 20 > WIDTH - PAD) {
      x = PAD;
      line++;
    }
    places.push({ x, line });
    x += w;
  }
  return places;
}

export function renderPhaseChart(chart: PhaseChart): string {
  validate(chart);
  const color = new Map(chart.phases.map((p) => [p.name, p.color]));
  const totals = chart.bars.map((b) => b.segments.reduce((a, s) => a + s.ms, 0));
  const axis = niceAxis(Math.max(...totals) / 1000);

  const legend = legendLayout(chart.phases);
  const legendLines = legend.length === 0 ? 0 : legend[legend.length - 1].line + 1;
  const legendTop = 58;
  const groups = chart.groups ?? [];
  // The label and note columns take what their text needs, but never so much
  // that the bars are squeezed to nothing.
  const labelW = clamp(Math.max(...chart.bars.map((b) => textPx(b.label))) + 12, 60, WIDTH / 3);
  const noteW = clamp(Math.max(0, ...chart.bars.map((b) => (b.note === undefined ? 0 : textPx(b.note) + 12))), 12, WIDTH / 3);
  const m = { left: PAD + labelW, right: PAD + noteW, top: legendTop + legendLines * LEGEND_LINE + 10, bottom: 46 };
  const plotW = WIDTH - m.left - m.right;
  const plotH = groups.length * GROUP_HEADING + chart.bars.length * ROW + 6;
  const height = m.top + plotH + m.bottom;
  const xs = (ms: number): number => m.left + (ms / 1000 / axis.max) * plotW;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${PAD}" y="22" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  out.push(`<text x="${PAD}" y="40" fill="#555555">${escapeXml(chart.subtitle)}</text>`);

  chart.phases.forEach((p, i) => {
    const { x, line } = legend[i];
    const ly = legendTop + line * LEGEND_LINE;
    out.push(`<rect x="${fmt(x)}" y="${ly - 6}" width="14" height="12" fill="${escapeXml(p.color)}"/>`);
    out.push(`<text x="${fmt(x + 20)}" y="${ly}" dominant-baseline="middle">${escapeXml(p.name)}</text>`);
  });

  const plotBottom = m.top + plotH;
  const ticks = Math.round(axis.max / axis.step);
  for (let i = 0; i <= ticks; i++) {
    const t = Number((i * axis.step).toPrecision(12));
    const tx = fmt(m.left + (i / ticks) * plotW);
    out.push(`<line x1="${tx}" y1="${m.top}" x2="${tx}" y2="${plotBottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${tx}" y="${plotBottom + 18}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${fmt(plotW)}" height="${plotH}" fill="none" stroke="#999999"/>`);
  out.push(`<text x="${fmt(m.left + plotW / 2)}" y="${height - 12}" text-anchor="middle">seconds</text>`);

  // Bars without a group (no groups given) are laid out as one untitled group.
  const blocks = groups.length > 0 ? groups : [{ title: undefined, bars: chart.bars.length }];
  let y = m.top + 6;
  let index = 0;
  for (const block of blocks) {
    if (block.title !== undefined) {
      out.push(`<text x="${PAD}" y="${y + 14}" font-weight="bold" fill="#333333">${escapeXml(block.title)}</text>`);
      y += GROUP_HEADING;
    }
    for (let k = 0; k < block.bars; k++, index++) {
      const bar = chart.bars[index];
      const mid = y + BAR_H / 2;
      out.push(`<text x="${fmt(m.left - 8)}" y="${mid}" text-anchor="end" dominant-baseline="middle">${escapeXml(bar.label)}</text>`);
      let at = 0;
      for (const s of bar.segments) {
        // Both edges come from the running total, so neighbours meet exactly.
        const x0 = Number(fmt(xs(at)));
        const x1 = Number(fmt(xs(at + s.ms)));
        const w = x1 - x0;
        const fill = color.get(s.phase) ?? "#999999";
        const tip = `${s.phase}: ${(s.ms / 1000).toFixed(2)} s`;
        out.push(`<rect x="${fmt(x0)}" y="${y}" width="${fmt(w)}" height="${BAR_H}" fill="${escapeXml(fill)}" stroke="#ffffff" stroke-width="0.5"><title>${escapeXml(tip)}</title></rect>`);
        const inside = (s.ms / 1000).toFixed(1);
        if (w >= Math.max(MIN_LABELLED_PX, textPx(inside, 11) + 6)) {
          out.push(`<text x="${fmt(x0 + w / 2)}" y="${mid}" text-anchor="middle" dominant-baseline="middle" font-size="11" fill="${inkOn(fill)}" pointer-events="none">${inside}</text>`);
        }
        at += s.ms;
      }
      if (bar.note !== undefined) {
        out.push(`<text x="${fmt(m.left + plotW + 8)}" y="${mid}" dominant-baseline="middle" fill="#333333">${escapeXml(bar.note)}</text>`);
      }
      y += ROW;
    }
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
