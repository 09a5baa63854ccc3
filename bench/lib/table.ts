/** The figures as an aligned text table, for the terminal and for docs/BENCHMARKS.md. Pure. */
import type { Figure, Range, Section } from "./result";

/** "1 standby", "3 standbys". */
export const standbysText = (n: number): string => `${n} standby${n === 1 ? "" : "s"}`;

export function formatValue(value: number, unit: Figure["unit"]): string {
  switch (unit) {
    case "s":
      return `${value.toFixed(2)} s`;
    case "ms":
      return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
    case "tps":
      return `${value.toFixed(0)} tps`;
    case "MB/s":
      return `${value.toFixed(0)} MB/s`;
  }
}

export function formatRatio(r: number): string {
  return `${r < 10 ? r.toFixed(2) : r.toFixed(1)}x`;
}

/** "min-max" in the unit's precision, the unit written once. */
export function formatRange(range: Range, unit: Figure["unit"]): string {
  const [low, high] = range.map((v) => formatValue(v, unit).replace(` ${unit}`, ""));
  return `${low}-${high} ${unit}`;
}

const bracket = (text: string): string => `[${text}]`;

/**
 * Rows grouped under their section's title, with the baseline named once per
 * section; the value, baseline and ratio columns, each followed by its spread
 * in brackets, are right-aligned across the whole table so figures compare at
 * a glance. A figure whose spread overlaps its baseline's is marked "~".
 */
export function renderTable(figures: readonly Figure[], sections: Readonly<Record<string, Section>>): string {
  const header = ["", "value [spread]", "baseline [spread]", "ratio [spread]", ""];
  const cells = figures.map((f) => [
    `  ${f.name}`,
    `${formatValue(f.value, f.unit)} ${bracket(formatRange(f.valueRange, f.unit))}`,
    `${formatValue(f.baseline, f.unit)} ${bracket(formatRange(f.baselineRange, f.unit))}`,
    `${formatRatio(f.ratio)} ${bracket(`${formatRatio(f.ratioRange[0])}-${formatRatio(f.ratioRange[1])}`)}`,
    f.withinNoise ? "~" : " ",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: readonly string[]): string =>
    [c[0].padEnd(widths[0]), ...c.slice(1).map((v, i) => v.padStart(widths[i + 1]))].join("   ").trimEnd();
  const out = [line(header)];
  let current = "";
  figures.forEach((f, i) => {
    if (f.section !== current) {
      current = f.section;
      const s = sections[f.section];
      out.push("", s === undefined ? f.section : s.title, s === undefined ? "" : `  (baseline: ${s.baseline})`);
    }
    out.push(line(cells[i]));
  });
  if (figures.some((f) => f.withinNoise)) out.push("", "~ the value's spread overlaps the baseline's: inside the noise of this run");
  return out.filter((l, i, all) => !(l === "" && all[i - 1] === "")).join("\n");
}
