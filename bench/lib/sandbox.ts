/**
 * The real program, deployed the way a user tries it without the Pulumi CLI:
 * `tests/executor/sandbox.ts up`, then `scripts/verify.ts` until it passes.
 * Both run as child processes exactly as a user runs them, so their start-up
 * (Node, tsx) is part of the time to ready, as it is for the user.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import type { ClusterOutputs, SynchronousCommit } from "../../components/outputs";
import type { Cleanups } from "./cleanup";
import { check, nowMs, run, sleep, throwIfAborted, type RunResult } from "./proc";

export const REPO_ROOT = resolve(__dirname, "..", "..");
const SANDBOX = join(REPO_ROOT, "tests", "executor", "sandbox.ts");
const VERIFY = join(REPO_ROOT, "scripts", "verify.ts");

const UP_TIMEOUT_MS = 240_000;
const DOWN_TIMEOUT_MS = 180_000;
/** verify is retried until it passes or this long has gone by since `up` returned. */
const VERIFY_BOUND_MS = 60_000;
const VERIFY_RETRY_MS = 100;

/** How commits wait for the standby: async, or `syncMode=first` with this synchronous_commit. */
export type ReplicationMode = "async" | Exclude<SynchronousCommit, "on">;

export interface DeploySpec {
  readonly stack: string;
  readonly replicas: number;
  readonly mode: ReplicationMode;
  /** Host port of the primary; standbys take the next ones (all inside 36000-36999). */
  readonly primaryPort: number;
  /** `--set image=...`; undefined lets the sandbox choose (postgres:17, else the offline image). */
  readonly image?: string;
}

export interface Deployment {
  readonly spec: DeploySpec;
  readonly stateDir: string;
  readonly outputs: ClusterOutputs;
  /** Start of `sandbox up` to its successful exit. */
  readonly upMs: number;
  /** Start of `sandbox up` to the first passing `verify`: the time to ready. */
  readonly readyMs: number;
  readonly verifyAttempts: number;
}

export interface SandboxContext {
  readonly signal?: AbortSignal;
  readonly cleanups: Cleanups;
  readonly log: (line: string) => void;
}

/** The `--set` values for a spec. Pure. */
export function configFor(spec: DeploySpec): string[] {
  const sets = [`replicas=${spec.replicas}`, `primaryPort=${spec.primaryPort}`, `firstReplicaPort=${spec.primaryPort + 1}`];
  if (spec.mode !== "async") sets.push("syncMode=first", `synchronousCommit=${spec.mode}`);
  if (spec.image !== undefined) sets.push(`image=${spec.image}`);
  return sets.flatMap((s) => ["--set", s]);
}

function tool(script: string, args: readonly string[]): [string, string[]] {
  return [process.execPath, ["--import", "tsx", script, ...args]];
}

function parseOutputs(text: string, file: string): ClusterOutputs {
  const value = JSON.parse(text) as Partial<ClusterOutputs>;
  if (typeof value.primaryConnectionString !== "string" || !Array.isArray(value.replicaConnectionStrings) ||
    !Array.isArray(value.replicas) || typeof value.primaryContainerName !== "string") {
    throw new Error(`${file} does not hold the program's stack outputs (components/outputs.ts)`);
  }
  return value as ClusterOutputs;
}

/** The failed checks of a `verify --json` report, in one line; its stderr when it printed no report. */
export function failedChecks(result: RunResult): string {
  try {
    const report = JSON.parse(result.stdout) as { checks?: { node: string; name: string; ok: boolean; detail: string }[] };
    const failed = (report.checks ?? []).filter((c) => !c.ok).map((c) => `${c.node} ${c.name}: ${c.detail}`);
    if (failed.length > 0) return failed.join("; ");
  } catch {
    // not a report: verify could not run
  }
  return `exit ${String(result.code)}: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`;
}

/** Tears a stack down; also sweeps leftovers by label when the state is gone. Never cancellable. */
export async function down(stack: string, stateDir: string): Promise<void> {
  const [file, args] = tool(SANDBOX, ["down", "--stack", stack, "--state-dir", stateDir]);
  try {
    await check(file, args, { timeoutMs: DOWN_TIMEOUT_MS, cwd: REPO_ROOT }, `sandbox down ${stack}`);
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** Which of `stacks` have containers, volumes or networks on the engine (three docker calls, whatever the count). */
export async function stacksPresent(stacks: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const format = ["--format", '{{.Label "pg-replication.stack"}}'];
  for (const args of [["ps", "-a", ...format], ["volume", "ls", ...format], ["network", "ls", ...format]]) {
    const r = await run("docker", args, { timeoutMs: 30_000 });
    for (const line of r.stdout.split("\n")) found.add(line.trim());
  }
  return stacks.filter((s) => found.has(s));
}

/**
 * Removes what an earlier bench run that was killed outright (no cleanup)
 * left: first through its state directories, which record what it created
 * (and hold its secrets, so they must not stay behind either), then by label.
 */
export async function removeLeftovers(stacks: readonly string[], log: (line: string) => void): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const stack of stacks) {
    const prefix = `pg-replication-${stack}-`;
    for (const entry of entries.filter((e) => e.startsWith(prefix) && /^[A-Za-z0-9]{6}$/.test(e.slice(prefix.length)))) {
      log(`removing leftovers of stack ${stack} recorded in ${join(tmpdir(), entry)}`);
      await downInterrupted(stack, join(tmpdir(), entry));
    }
  }
  for (const stack of await stacksPresent(stacks)) {
    log(`removing leftovers of stack ${stack} found by label`);
    await sweep(stack);
  }
}

/** Removes what an earlier, killed bench run left of a stack (by label, through `sandbox down`). */
export async function sweep(stack: string): Promise<void> {
  await down(stack, await mkdtemp(join(tmpdir(), "pg-replication-bench-sweep-")));
}

/**
 * Removes a deployment that may have been cut short. An `up` killed after
 * creating a standby container but before recording it leaves that standby
 * running and streaming, so `down` cannot drop its slot (it retries for 30 s
 * and fails), nor the volume and network it holds. So the stack's standbys
 * go first, and if `down` still fails, the stack is swept by label.
 */
export async function downInterrupted(stack: string, stateDir: string): Promise<void> {
  const filters = ["--filter", `label=pg-replication.stack=${stack}`, "--filter", "label=pg-replication.role=replica"];
  const listed = await run("docker", ["ps", "-aq", ...filters], { timeoutMs: 30_000 });
  const ids = listed.stdout.split("\n").map((s) => s.trim()).filter((s) => s !== "");
  if (ids.length > 0) await run("docker", ["rm", "-f", ...ids], { timeoutMs: 120_000 });
  try {
    await down(stack, stateDir);
  } catch {
    await sweep(stack);
  }
}

/** Deploys, then runs verify until it passes; the caller must `teardown` (also registered in cleanups). */
export async function deploy(spec: DeploySpec, ctx: SandboxContext): Promise<Deployment> {
  const stateDir = await mkdtemp(join(tmpdir(), `pg-replication-${spec.stack}-`));
  ctx.cleanups.add(`sandbox down ${spec.stack}`, () => downInterrupted(spec.stack, stateDir));
  const [file, args] = tool(SANDBOX, ["up", "--stack", spec.stack, "--state-dir", stateDir, ...configFor(spec)]);
  const started = nowMs();
  await check(file, args, { timeoutMs: UP_TIMEOUT_MS, cwd: REPO_ROOT, signal: ctx.signal }, `sandbox up ${spec.stack}`);
  const upMs = nowMs() - started;
  const outputsFile = join(stateDir, "outputs.json");
  const outputs = parseOutputs(await readFile(outputsFile, "utf8"), outputsFile);

  const [vFile, vArgs] = tool(VERIFY, ["--outputs", outputsFile, "--json"]);
  const deadline = nowMs() + VERIFY_BOUND_MS;
  for (let attempt = 1; ; attempt++) {
    const result = await run(vFile, vArgs, { timeoutMs: 30_000, cwd: REPO_ROOT, signal: ctx.signal });
    throwIfAborted(ctx.signal);
    if (result.code === 0) {
      return { spec, stateDir, outputs, upMs, readyMs: nowMs() - started, verifyAttempts: attempt };
    }
    if (nowMs() > deadline) {
      throw new Error(`verify of ${spec.stack} did not pass in ${VERIFY_BOUND_MS / 1000} s (${attempt} attempts): ${failedChecks(result)}`);
    }
    await sleep(VERIFY_RETRY_MS, ctx.signal);
  }
}

/** Removes a deployment and forgets its cleanup step. */
export async function teardown(dep: Deployment, ctx: SandboxContext): Promise<void> {
  await down(dep.spec.stack, dep.stateDir);
  ctx.cleanups.forget(`sandbox down ${dep.spec.stack}`);
}
