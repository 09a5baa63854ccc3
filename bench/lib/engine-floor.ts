/**
 * The engine's part of the time-to-ready floor: `pulumi up` and `pulumi
 * destroy` of bench/engine-floor, a program in the cluster program's runtime
 * that starts the same three provider plugins and creates nothing on the
 * Docker engine. Same CLI, backend, plugins and flags as the measured
 * deployments (`--json` included); its stack lives in its own project
 * (`pg-replication-engine-floor`) in the tests' file backend.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";

import { pulumiEnv } from "../../tests/support/pulumi";
import { describeRun } from "../../scripts/lib/process";
import { destroyArgs, REPO_ROOT, runStamped, upArgs } from "./deploy";
import { nowMs, run, throwIfAborted, type RunResult } from "./proc";

export const ENGINE_FLOOR_DIR = join(REPO_ROOT, "bench", "engine-floor");
const TIMEOUT_MS = 120_000;

export interface EngineFloorSample {
  /** `pulumi up` of the empty program, start to exit. */
  readonly upMs: number;
  /** `pulumi destroy` of it, start to exit. */
  readonly destroyMs: number;
}

function pulumiIn(args: readonly string[], timeoutMs = TIMEOUT_MS): Promise<RunResult> {
  return run("pulumi", ["--non-interactive", ...args, "--cwd", ENGINE_FLOOR_DIR], { timeoutMs, env: pulumiEnv() });
}

async function orThrow(what: string, pending: Promise<RunResult>): Promise<void> {
  const result = await pending;
  if (result.code !== 0 || result.timedOut) throw new Error(describeRun(what, result, 8));
}

/** Removes the floor's stack if a killed earlier run left it (it holds nothing on Docker: state only). Never throws. */
export async function removeEngineFloor(stack: string): Promise<string | undefined> {
  const listed = await pulumiIn(["stack", "ls", "--json"]);
  const names = listed.code === 0 ? (JSON.parse(listed.stdout) as { name: string }[]).map((s) => s.name.split("/").pop()) : [];
  let problem: string | undefined;
  if (names.includes(stack)) {
    await pulumiIn(["cancel", "--yes", "--stack", stack]);
    const removed = await pulumiIn(["stack", "rm", "--yes", "--force", "--stack", stack]);
    if (removed.code !== 0) problem = describeRun(`pulumi stack rm --stack ${stack} (engine floor)`, removed, 4);
  }
  await rm(join(ENGINE_FLOOR_DIR, `Pulumi.${stack}.yaml`), { force: true });
  return problem;
}

/** One sample: a fresh stack (not timed), `up` and `destroy` (timed), the stack removed. */
export async function measureEngineFloor(stack: string, image: string, signal?: AbortSignal): Promise<EngineFloorSample> {
  await removeEngineFloor(stack);
  try {
    await orThrow("pulumi stack init (engine floor)", pulumiIn(["stack", "init", stack]));
    await orThrow("pulumi config set image (engine floor)", pulumiIn(["config", "set", "--stack", stack, "image", image]));
    throwIfAborted(signal);
    const timed = async (args: string[], what: string): Promise<number> => {
      const { result, startedMs } = await runStamped([...args, "--cwd", ENGINE_FLOOR_DIR], { timeoutMs: TIMEOUT_MS, env: pulumiEnv(), signal });
      const ms = nowMs() - startedMs;
      throwIfAborted(signal);
      if (result.code !== 0 || result.timedOut) throw new Error(describeRun(what, result, 8));
      return ms;
    };
    const upMs = await timed(upArgs(stack), "pulumi up (engine floor)");
    const destroyMs = await timed(destroyArgs(stack), "pulumi destroy (engine floor)");
    return { upMs, destroyMs };
  } finally {
    await removeEngineFloor(stack);
  }
}
