/**
 * The real program, deployed as a user deploys it: the real `pulumi` CLI and
 * engine (built from Go modules by scripts/setup-test-env.sh) on the tests'
 * local file backend, with the stand-in docker, random and command provider
 * plugins (tests/providers/) from the test Pulumi home. One stack per
 * measured deployment (`bench-...`), configured with `pulumi config set-all`
 * (tests/support/pulumi.ts).
 *
 * Time to ready: from starting `pulumi up --yes --skip-preview` until
 * `scripts/verify.ts --stack <stack>` (which reads the outputs with `pulumi
 * stack output`, as `npm run verify` does) first passes. Both run as child
 * processes exactly as a user runs them, so their start-up (the CLI, the
 * language host, Node, tsx) is part of the time to ready, as it is for the
 * user. `up` runs with `--json`, which streams the engine's events; each is
 * stamped on arrival and gives the phases (events.ts).
 *
 * Teardown: `pulumi destroy`, `pulumi stack rm`, then a sweep of anything
 * still labelled with the stack (an interrupted `up` can create a resource
 * that never reaches the state). Registered in the cleanups before anything
 * exists, so it also runs on SIGINT, SIGTERM and failures.
 */
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join, resolve } from "node:path";

import type { ClusterOutputs, SynchronousCommit } from "../../components/outputs";
import { describeLeftovers, isEmpty, leftoversOf, removeStackLeftovers, STACK_LABEL } from "../../tests/support/docker";
import { BACKEND_DIR, listStacks, pulumiEnv, PulumiStack, stackConfigFile, TEST_PASSPHRASE, type Config } from "../../tests/support/pulumi";
import { describeRun, ProcessError } from "../../scripts/lib/process";
import type { Cleanups } from "./cleanup";
import { destroyPhases, errorDiagnostics, resourceTimings, stampLines, upPhases, type Phase, type StampedLine } from "./events";
import { nowMs, run, sleep, throwIfAborted, type RunResult, type RunOptions } from "./proc";

export const REPO_ROOT = resolve(__dirname, "..", "..");
const VERIFY = join(REPO_ROOT, "scripts", "verify.ts");

const UP_TIMEOUT_MS = 240_000;
/** An interrupted `pulumi up` cancels (on SIGTERM) and waits for the operations in flight; past this its processes are killed. */
const UP_CANCEL_GRACE_MS = 60_000;
const DESTROY_TIMEOUT_MS = 180_000;
/** verify is retried until it passes or this long has gone by since `up` returned. */
const VERIFY_BOUND_MS = 60_000;
const VERIFY_RETRY_MS = 100;

/** How commits wait for the standby: async, or `syncMode=first` with this synchronous_commit. */
export type ReplicationMode = "async" | Exclude<SynchronousCommit, "on">;

export interface DeploySpec {
  readonly stack: string;
  readonly replicas: number;
  readonly mode: ReplicationMode;
  /** Host port of the primary; standbys take the next ones (all inside 28000-28999). */
  readonly primaryPort: number;
  /** The program's `image`; always set, because the program's default (postgres:17) may not be on this machine. */
  readonly image: string;
}

export interface Deployment {
  readonly spec: DeploySpec;
  readonly outputs: ClusterOutputs;
  /** Start of `pulumi up` to its successful exit. */
  readonly upMs: number;
  /** Start of `pulumi up` to the first passing `verify`: the time to ready. */
  readonly readyMs: number;
  readonly verifyAttempts: number;
  /** Where the time to ready went (events.UP_PHASES), adding up to readyMs. */
  readonly phases: readonly Phase[];
}

/** A measured `pulumi destroy`: its time, and where it went (events.DESTROY_PHASES). */
export interface DestroyTiming {
  readonly destroyMs: number;
  readonly phases: readonly Phase[];
}

export interface DeployContext {
  readonly signal?: AbortSignal;
  readonly cleanups: Cleanups;
  readonly log: (line: string) => void;
}

/** The stack config (`pulumi config set-all --plaintext`) for a spec. Pure. */
export function configFor(spec: DeploySpec): Config {
  const config: Record<string, string> = {
    replicas: String(spec.replicas),
    primaryPort: String(spec.primaryPort),
    firstReplicaPort: String(spec.primaryPort + 1),
  };
  if (spec.mode !== "async") {
    config.syncMode = "first";
    config.synchronousCommit = spec.mode;
  }
  config.image = spec.image;
  return config;
}

/** The `pulumi` arguments of the measured `up`: as tests/support/pulumi.ts runs it, no preview. Pure. */
export function upArgs(stack: string): string[] {
  return ["--non-interactive", "up", "--yes", "--skip-preview", "--json", "--stack", stack];
}

/** The `pulumi` arguments of the measured `destroy`. Pure. */
export function destroyArgs(stack: string): string[] {
  return ["--non-interactive", "destroy", "--yes", "--skip-preview", "--json", "--stack", stack];
}

/** Why a `pulumi ... --json` run failed: the engine's error diagnostics, else the end of its output. */
function failure(what: string, result: RunResult, lines: readonly StampedLine[]): string {
  const errors = errorDiagnostics(lines);
  return errors.length > 0 ? `${what} failed: ${errors.join("; ")}` : describeRun(what, result, 10);
}

/** Runs a pulumi command with `--json`, stamping every event line on arrival (ms since the command started). */
export async function runStamped(args: readonly string[], options: RunOptions): Promise<{ result: RunResult; lines: StampedLine[]; startedMs: number }> {
  const lines: StampedLine[] = [];
  const startedMs = nowMs();
  const result = await run("pulumi", args, { ...options, onStdout: stampLines(() => nowMs() - startedMs, lines) });
  return { result, lines, startedMs };
}

/** The name of a stack's step in the cleanups. */
function cleanupName(stack: string): string {
  return `pulumi destroy ${stack}`;
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

/** How to remove what a run left of its stacks by hand (test backend, then the label sweep). Pure. */
export function leftoverHint(stacks: readonly string[]): string {
  const names = stacks.length > 0 ? stacks : ["<name>"];
  const env = `PULUMI_BACKEND_URL=file://${BACKEND_DIR} PULUMI_CONFIG_PASSPHRASE='${TEST_PASSPHRASE}'`;
  const lines = [
    "some resources may be left. The next run of the bench removes its stacks' and its floor's leftovers before it starts; by hand, with the test toolchain (eval \"$(bash scripts/setup-test-env.sh --print-path)\"):",
  ];
  for (const stack of names) {
    const label = `label=${STACK_LABEL}=${stack}`;
    lines.push(
      `  ${env} pulumi destroy --yes --stack ${stack}; ${env} pulumi stack rm --yes --force --stack ${stack}`,
      `  docker rm -f -v $(docker ps -aq --filter ${label}); docker volume rm $(docker volume ls -q --filter ${label}); docker network rm $(docker network ls -q --filter ${label})`,
    );
  }
  return lines.join("\n");
}

/**
 * Removes a stack and everything it created: `pulumi destroy` and `pulumi
 * stack rm` when the backend has it, its config file, then whatever still
 * carries its label. Throws only if something is left; a failed destroy that
 * the label sweep made good is logged. Never cancellable: it runs while the
 * bench is being interrupted.
 */
export async function removeStack(stack: string, log: (line: string) => void, known?: boolean, destroyed = false): Promise<void> {
  const problems: string[] = [];
  const pulumi = new PulumiStack(stack);
  if (known ?? (await pulumi.exists())) {
    const result = destroyed ? undefined : await pulumi.destroy(DESTROY_TIMEOUT_MS);
    if (result !== undefined && result.code !== 0) log(`  ${describeRun(`pulumi destroy --stack ${stack}`, result, 6).replace(/\n/g, "\n    ")}`);
    const removed = await pulumi.run(["stack", "rm", "--yes", "--force"]);
    if (removed.code !== 0) problems.push(describeRun(`pulumi stack rm --stack ${stack}`, removed, 6));
  }
  await rm(stackConfigFile(stack), { force: true });
  const left = await leftoversOf(stack);
  if (!isEmpty(left)) {
    log(`  ${stack}: removing by label what pulumi destroy left: ${describeLeftovers(left)}`);
    await removeStackLeftovers(stack);
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
}

/** Which of `stacks` have containers, volumes or networks on the engine (three docker calls, whatever the count). */
export async function stacksPresent(stacks: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const format = ["--format", `{{.Label "${STACK_LABEL}"}}`];
  for (const args of [["ps", "-a", ...format], ["volume", "ls", ...format], ["network", "ls", ...format]]) {
    const r = await run("docker", args, { timeoutMs: 30_000 });
    for (const line of r.stdout.split("\n")) found.add(line.trim());
  }
  return stacks.filter((s) => found.has(s));
}

/**
 * Removes what an earlier bench run that was killed outright (no cleanup)
 * left of `stacks`: stacks in the test backend, their config files, and
 * anything labelled with them.
 */
export async function removeLeftovers(stacks: readonly string[], log: (line: string) => void): Promise<void> {
  const inBackend = new Set(await listStacks());
  const labelled = new Set(await stacksPresent(stacks));
  for (const stack of stacks) {
    if (!inBackend.has(stack) && !labelled.has(stack) && !existsSync(stackConfigFile(stack))) continue;
    log(`removing leftovers of stack ${stack} (${[inBackend.has(stack) ? "in the test backend" : "", labelled.has(stack) ? "labelled on the engine" : ""].filter((s) => s !== "").join(", ") || "its config file"})`);
    await removeStack(stack, log, inBackend.has(stack));
  }
}

/** Checks that the Pulumi CLI runs; returns its version. */
export async function pulumiVersion(): Promise<string> {
  try {
    const r = await run("pulumi", ["version"], { timeoutMs: 30_000, env: pulumiEnv() });
    if (r.code === 0) return r.stdout.trim();
    throw new Error(describeRun("pulumi version", r, 5));
  } catch (error) {
    throw new Error(`the bench deploys with the Pulumi CLI, which did not run (${(error as Error).message.split("\n")[0]}); ` +
      "put the test toolchain on PATH first: eval \"$(bash scripts/setup-test-env.sh --print-path)\"");
  }
}

/**
 * Not measured: `pulumi preview` of a fresh stack of the spec, then the stack
 * removed. It runs the program once (the language host compiles it; the
 * TypeScript compiler caches what it compiled) and starts the plugins, so the
 * first measured round starts as warm as the others.
 */
export async function warmUp(spec: DeploySpec, ctx: DeployContext): Promise<void> {
  const stack = new PulumiStack(spec.stack);
  ctx.cleanups.add(cleanupName(spec.stack), () => removeStack(spec.stack, ctx.log));
  if (await stack.exists()) await removeStack(spec.stack, ctx.log, true);
  await stack.init();
  await stack.setConfig(configFor(spec));
  const previewed = await stack.preview();
  await removeStack(spec.stack, ctx.log, true, true);
  ctx.cleanups.forget(cleanupName(spec.stack));
  if (previewed.code !== 0) throw new ProcessError(`pulumi preview --stack ${spec.stack}`, previewed, describeRun(`pulumi preview --stack ${spec.stack} (warm-up)`, previewed, 10));
}

/** Deploys, then runs verify until it passes; the caller must `teardown` (also registered in cleanups). */
export async function deploy(spec: DeploySpec, ctx: DeployContext): Promise<Deployment> {
  const stack = new PulumiStack(spec.stack);
  ctx.cleanups.add(cleanupName(spec.stack), () => removeStack(spec.stack, ctx.log));
  // Not measured: a stack of this name left by a failed teardown earlier in the run, then a fresh stack with its config.
  if (await stack.exists()) await removeStack(spec.stack, ctx.log, true);
  await rm(stackConfigFile(spec.stack), { force: true });
  throwIfAborted(ctx.signal);
  await stack.init();
  await stack.setConfig(configFor(spec));
  throwIfAborted(ctx.signal);

  const env = pulumiEnv();
  const { result: up, lines, startedMs: started } = await runStamped(upArgs(spec.stack), {
    timeoutMs: UP_TIMEOUT_MS, cwd: REPO_ROOT, env, signal: ctx.signal, abortWith: "SIGTERM", abortGraceMs: UP_CANCEL_GRACE_MS,
  });
  const upMs = nowMs() - started;
  throwIfAborted(ctx.signal);
  if (up.code !== 0 || up.timedOut) throw new ProcessError(`pulumi up --stack ${spec.stack}`, up, failure(`pulumi up --stack ${spec.stack}`, up, lines));

  const vArgs = ["--import", "tsx", VERIFY, "--stack", spec.stack, "--json"];
  const deadline = nowMs() + VERIFY_BOUND_MS;
  for (let attempt = 1; ; attempt++) {
    const result = await run(process.execPath, vArgs, { timeoutMs: 30_000, cwd: REPO_ROOT, env, signal: ctx.signal });
    throwIfAborted(ctx.signal);
    if (result.code === 0) {
      const readyMs = nowMs() - started;
      const phases = upPhases(resourceTimings(lines), upMs, readyMs);
      return { spec, outputs: await stack.outputs(), upMs, readyMs, verifyAttempts: attempt, phases };
    }
    if (nowMs() > deadline) {
      throw new Error(`verify of ${spec.stack} did not pass in ${VERIFY_BOUND_MS / 1000} s (${attempt} attempts): ${failedChecks(result)}`);
    }
    await sleep(VERIFY_RETRY_MS, ctx.signal);
  }
}

/**
 * Removes a deployment and forgets its cleanup step (kept, and retried at the
 * end, if this fails). With `measure`, its `pulumi destroy` is timed and
 * broken into phases; the stack's removal and the label sweep that follow are
 * not part of the figure.
 */
export async function teardown(dep: Deployment, ctx: DeployContext, measure = false): Promise<DestroyTiming | undefined> {
  let timing: DestroyTiming | undefined;
  if (measure) {
    const { result, lines, startedMs } = await runStamped(destroyArgs(dep.spec.stack), { timeoutMs: DESTROY_TIMEOUT_MS, cwd: REPO_ROOT, env: pulumiEnv() });
    const destroyMs = nowMs() - startedMs;
    if (result.code !== 0 || result.timedOut) throw new ProcessError(`pulumi destroy --stack ${dep.spec.stack}`, result, failure(`pulumi destroy --stack ${dep.spec.stack}`, result, lines));
    timing = { destroyMs, phases: destroyPhases(resourceTimings(lines), destroyMs) };
  }
  await removeStack(dep.spec.stack, ctx.log, true, measure);
  ctx.cleanups.forget(cleanupName(dep.spec.stack));
  return timing;
}
