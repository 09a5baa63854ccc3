/**
 * Drives `tests/executor/sandbox.ts` (the real program on local Docker) from
 * the integration tests, one child process per `up`/`down` as it requires,
 * and reads what it writes: outputs.json (ClusterOutputs, secrets revealed)
 * and state.json (the executor's resource records).
 */
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { ClusterOutputs } from "../../components/outputs";
import type { ResourceRecord } from "../executor/resources/types";
import { readState, type StateFile } from "../executor/state-file";
import { describeRun, REPO_ROOT, runTsx, type RunResult } from "./process";

const SANDBOX = join(REPO_ROOT, "tests/executor/sandbox.ts");

/** The program fails at preview on bad config quickly; a real deploy of a few containers takes seconds. */
export const UP_TIMEOUT_MS = 240_000;
const DOWN_TIMEOUT_MS = 240_000;

/** Where a test stack keeps its state: under the OS temp dir, one directory per stack. */
export function stateDirFor(stack: string): string {
  return join(tmpdir(), "pg-replication-it", stack);
}

export function outputsFile(stateDir: string): string {
  return join(stateDir, "outputs.json");
}

/** `key=value` pairs as `--set key=value` arguments. */
export function setArgs(config: Readonly<Record<string, string>>): string[] {
  return Object.entries(config).flatMap(([key, value]) => ["--set", `${key}=${value}`]);
}

export function sandboxUp(stack: string, stateDir: string, config: Readonly<Record<string, string>>, timeoutMs = UP_TIMEOUT_MS): Promise<RunResult> {
  return runTsx(SANDBOX, ["up", "--stack", stack, "--state-dir", stateDir, ...setArgs(config)], timeoutMs);
}

export function sandboxDown(stack: string, stateDir: string): Promise<RunResult> {
  return runTsx(SANDBOX, ["down", "--stack", stack, "--state-dir", stateDir], DOWN_TIMEOUT_MS);
}

/** Runs `up` and fails with its output when it does not succeed. */
export async function sandboxUpOrThrow(stack: string, stateDir: string, config: Readonly<Record<string, string>>): Promise<RunResult> {
  const result = await sandboxUp(stack, stateDir, config);
  if (result.code !== 0) throw new Error(describeRun(`sandbox up --stack ${stack}`, result));
  return result;
}

/** Tears down whatever an earlier run left in the state dir, then removes the dir. Never throws. */
export async function sandboxDownQuietly(stack: string, stateDir: string): Promise<RunResult | undefined> {
  let result: RunResult | undefined;
  try {
    if (existsSync(join(stateDir, "state.json"))) result = await sandboxDown(stack, stateDir);
  } catch {
    // the label cleanup that follows removes what this could not
  }
  await rm(stateDir, { recursive: true, force: true });
  return result;
}

export async function readOutputs(stateDir: string): Promise<ClusterOutputs> {
  return JSON.parse(await readFile(outputsFile(stateDir), "utf8")) as ClusterOutputs;
}

/**
 * Writes a copy of the outputs, changed by `edit`, into the state dir (so
 * teardown removes it) and returns its path: inputs the tools must reject.
 */
export async function writeOutputsVariant(stateDir: string, name: string, edit: (outputs: Record<string, unknown>) => void): Promise<string> {
  const outputs = JSON.parse(await readFile(outputsFile(stateDir), "utf8")) as Record<string, unknown>;
  edit(outputs);
  const file = join(stateDir, `${name}.json`);
  // Mode 0600 like outputs.json itself: the copy holds the passwords too.
  await writeFile(file, JSON.stringify(outputs, null, 2), { mode: 0o600 });
  return file;
}

export async function readStateOrThrow(stateDir: string): Promise<StateFile> {
  const state = await readState(stateDir);
  if (state === undefined) throw new Error(`no state.json in ${stateDir}`);
  return state;
}

export function findResource(state: StateFile, type: string, name: string): ResourceRecord {
  const record = state.resources.find((r) => r.type === type && r.name === name);
  if (record === undefined) throw new Error(`state.json has no ${type} named ${name}: ${state.resources.map((r) => r.name).join(", ")}`);
  return record;
}
