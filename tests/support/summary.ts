/** The one line each fault scenario prints: acknowledged rows, rows found per node, recovery time. */
import type { RowCheck } from "./rows";
import type { WriterReport } from "./load-writer";
import { seconds } from "./wait";

export function summaryLine(scenario: string, report: WriterReport, found: readonly (readonly [string, RowCheck])[], recovery: string, extra: readonly string[] = []): string {
  const nodes = found.map(([node, check]) => `${node} ${check.found}`);
  return [`${scenario}: acked ${report.acked.length}`, ...nodes, recovery, ...extra].join(", ");
}

export { seconds };
