/**
 * The operator tools (`scripts/`) run as users run them, against a test
 * stack's outputs file; what their --json and human reports say; and the
 * probe rows verify writes (and must delete again).
 */
import { join } from "node:path";

import { query } from "./pg";
import { REPO_ROOT, runTsx, startTsx, type RunResult, type Started } from "./process";

type Tool = "verify" | "promote" | "status";

const TOOL_TIMEOUT_MS = 120_000;

function script(tool: Tool): string {
  return join(REPO_ROOT, "scripts", `${tool}.ts`);
}

export function runTool(tool: Tool, args: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Promise<RunResult> {
  return runTsx(script(tool), args, timeoutMs);
}

/** A tool left running, for tests that interrupt it (status --watch, Ctrl-C during verify). */
export function startTool(tool: Tool, args: readonly string[], timeoutMs = TOOL_TIMEOUT_MS): Started {
  return startTsx(script(tool), args, timeoutMs);
}

export function verify(outputsFile: string, extra: readonly string[] = [], timeoutMs = TOOL_TIMEOUT_MS): Promise<RunResult> {
  return runTool("verify", ["--outputs", outputsFile, ...extra], timeoutMs);
}

export function promote(outputsFile: string, replica: number, extra: readonly string[] = []): Promise<RunResult> {
  return runTool("promote", ["--replica", String(replica), "--outputs", outputsFile, ...extra]);
}

export function status(outputsFile: string, extra: readonly string[] = []): Promise<RunResult> {
  return runTool("status", ["--outputs", outputsFile, ...extra]);
}

/** `verify --json`: the verdict, the topology found, and every check with its figures. */
export interface VerifyJson {
  readonly ok: boolean;
  readonly verdict: string;
  readonly exitCode: number;
  readonly topology: { readonly declaredPrimary: string; readonly writable: string[] };
  readonly checks: VerifyCheck[];
}

export interface VerifyCheck {
  readonly node: string;
  readonly name: string;
  readonly ok: boolean;
  readonly status: string;
  readonly detail: string;
  readonly hint: string | null;
  readonly figures: Record<string, number | string | boolean | null>;
}

export function findCheck(report: VerifyJson, node: string, name: string): VerifyCheck | undefined {
  return report.checks.find((c) => c.node === node && c.name === name);
}

/** `status --json`: which nodes take writes, and one entry per node. */
export interface StatusJson {
  readonly writable: string[];
  readonly nodes: {
    readonly name: string;
    readonly role: string;
    readonly state: string;
    readonly error: string | null;
    readonly lag: { readonly measuredOn: string; readonly replayBytes: number | null; readonly replayLagMs: number | null } | null;
    readonly slot: { readonly name: string; readonly active: boolean; readonly walStatus: string | null; readonly retainedBytes: number | null } | null;
  }[];
}

/** Parses the check lines of verify's human report into "node/name" -> mark (✓ ✗ ! -). */
export function reportMarks(text: string): Map<string, string> {
  const marks = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([✓✗!-]) (\S+)\s{2,}(.+?)\s{2,}/.exec(line);
    if (m !== null) marks.set(`${m[2]}/${m[3]}`, m[1]);
  }
  return marks;
}

/** Rows in verify's round-trip probe table on a node, as PostgreSQL's count(*) text. */
export async function probeRowCount(dsn: string): Promise<string> {
  const [row] = await query<{ n: string }>(dsn, "SELECT count(*) AS n FROM replication_verify.probe");
  return row.n;
}
