/**
 * Plain-text rendering, pure: aligned tables and the verify report.
 * Output is for people first; --json carries the same verdicts for machines.
 */
import type { Check, CheckStatus, Summary } from "./check";

export const MARK: Readonly<Record<CheckStatus, string>> = { pass: "✓", fail: "✗", warn: "!", skip: "-" };

/** Display width: code points, which is right for the text these tools print (no wide CJK, no combining marks). */
export function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, w - width(s)));
  return align === "left" ? s + fill : fill + s;
}

export interface Column {
  readonly header: string;
  readonly align?: "left" | "right";
}

/**
 * Columns padded to their widest cell, separated by two spaces, no trailing
 * blanks. A row shorter than the columns leaves the rest empty.
 */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => pad(cells[i] ?? "", widths[i], c.align ?? "left"))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)].join("\n");
}

/** "replica-2: reachable, slot; primary: probe write" */
export function failedByNode(checks: readonly Check[]): string {
  const groups = new Map<string, string[]>();
  for (const c of checks) {
    if (c.status !== "fail") continue;
    groups.set(c.node, [...(groups.get(c.node) ?? []), c.name]);
  }
  return [...groups].map(([node, names]) => `${node}: ${names.join(", ")}`).join("; ");
}

export function verdictLine(summary: Summary, checks: readonly Check[]): string {
  const extras = [summary.warnings > 0 ? `${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}` : "", summary.skipped > 0 ? `${summary.skipped} skipped` : ""].filter((s) => s !== "");
  const tail = extras.length > 0 ? ` (${extras.join(", ")})` : "";
  if (summary.failed === 0) return `${MARK.pass} PASSED: ${summary.passed} check${summary.passed === 1 ? "" : "s"} passed${tail}`;
  return `${MARK.fail} FAILED: ${summary.failed} of ${summary.total} checks failed${tail}: ${failedByNode(checks)}`;
}

/**
 * One line per check: mark, node, check, detail, aligned; a failure or
 * warning gets its hint on the next line under the detail.
 */
export function renderChecks(checks: readonly Check[]): string {
  const nodeW = Math.max(...checks.map((c) => width(c.node)));
  const nameW = Math.max(...checks.map((c) => width(c.name)));
  const lines: string[] = [];
  for (const c of checks) {
    const lead = `${MARK[c.status]} ${pad(c.node, nodeW, "left")}  ${pad(c.name, nameW, "left")}  `;
    lines.push(`${lead}${c.detail}`.trimEnd());
    if (c.hint !== undefined && (c.status === "fail" || c.status === "warn")) {
      lines.push(`${" ".repeat(width(lead))}hint: ${c.hint}`);
    }
  }
  return lines.join("\n");
}

export function renderReport(title: string, checks: readonly Check[], summary: Summary): string {
  return [title, "", renderChecks(checks), "", verdictLine(summary, checks)].join("\n");
}
