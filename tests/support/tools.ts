/** The operator tools (`scripts/`) run as users run them, against a test stack's outputs file. */
import { join } from "node:path";

import type { RunResult } from "./process";
import { REPO_ROOT, runTsx } from "./sandbox";

const TOOL_TIMEOUT_MS = 120_000;

export function runTool(tool: "verify" | "promote" | "status", args: readonly string[]): Promise<RunResult> {
  return runTsx(join(REPO_ROOT, "scripts", `${tool}.ts`), args, TOOL_TIMEOUT_MS);
}

export function verify(outputsFile: string, extra: readonly string[] = []): Promise<RunResult> {
  return runTool("verify", ["--outputs", outputsFile, ...extra]);
}

export function promote(outputsFile: string, replica: number, extra: readonly string[] = []): Promise<RunResult> {
  return runTool("promote", ["--replica", String(replica), "--outputs", outputsFile, ...extra]);
}

export function status(outputsFile: string, extra: readonly string[] = []): Promise<RunResult> {
  return runTool("status", ["--outputs", outputsFile, ...extra]);
}
