/**
 * Runs an unmodified Pulumi program under `pulumi.runtime.setMocks` with the
 * Docker-backed executor, and returns its stack outputs (secrets revealed).
 *
 * One deploy per process: Pulumi's runtime state and Node's module cache are
 * per process, so callers run `sandbox.ts` in a child process per deploy.
 *
 * A failure during up leaves nothing behind: whatever was created is torn
 * down (Command deletes included) before the error is rethrown.
 */
import { resolve } from "node:path";

import * as pulumi from "@pulumi/pulumi";

import { DockerExecutor } from "./executor";
import { ensureStateDir, readState } from "./state-file";
import { describeFailures } from "./teardown";
import type { ResourceRecord } from "./resources/types";

export const DEFAULT_PROJECT = "pg-replication";
export const DEFAULT_PROGRAM = resolve(__dirname, "../../index.ts");

export interface DeployOptions {
  readonly stack: string;
  /** Config values by key without the project prefix, as `pulumi config set` takes them (objects as JSON). */
  readonly config?: Readonly<Record<string, string>>;
  /** Keys of `config` that are secrets. */
  readonly secretKeys?: readonly string[];
  readonly stateDir: string;
  readonly project?: string;
  /** The program's entry file; default the real program, index.ts. */
  readonly program?: string;
  readonly log?: (line: string) => void;
}

export interface DeployResult {
  readonly outputs: Record<string, unknown>;
  readonly resources: readonly ResourceRecord[];
}

/** The failure of a deploy, after its teardown; `leftovers` says what could not be removed. */
export class DeployError extends Error {
  constructor(message: string, readonly leftovers: string) {
    super(leftovers === "" ? message : `${message}\nteardown could not remove:\n${leftovers}`);
    this.name = "DeployError";
  }
}

interface PromiseCarrier {
  promise(withUnknowns?: boolean): Promise<unknown>;
}

/**
 * The plain value of an export: `pulumi.output` lifts nested Outputs, and the
 * Output's promise yields the value whether or not it is secret. (An `apply`
 * would never run if the Output rejects, and the wait would hang.)
 */
async function plainValue(value: unknown): Promise<unknown> {
  const output = pulumi.output(value) as unknown as Partial<PromiseCarrier>;
  if (typeof output.promise !== "function") throw new Error("this @pulumi/pulumi has no Output.promise(); update deploy.ts");
  return output.promise();
}

/** A CommonJS program's exports, whether `import()` wrapped them in a namespace or not. */
function moduleExports(mod: unknown): Record<string, unknown> {
  const ns = (mod ?? {}) as Record<string, unknown>;
  const def = ns["default"];
  const source = def !== null && typeof def === "object" ? (def as Record<string, unknown>) : ns;
  return Object.fromEntries(Object.entries(source).filter(([key, value]) => key !== "__esModule" && typeof value !== "function"));
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const project = options.project ?? DEFAULT_PROJECT;
  const program = resolve(options.program ?? DEFAULT_PROGRAM);
  const log = options.log ?? ((): void => undefined);
  await ensureStateDir(options.stateDir);
  const existing = await readState(options.stateDir);
  if (existing !== undefined && existing.resources.length > 0) {
    throw new Error(`${options.stateDir} already holds stack '${existing.stack}' (${existing.resources.length} resources); tear it down first`);
  }

  const executor = new DockerExecutor({ project, stack: options.stack, program, stateDir: options.stateDir, log });
  await executor.setStatus("creating");

  // Failures inside Pulumi's runtime reach us only as unhandled rejections.
  const rejections: Error[] = [];
  const onRejection = (reason: unknown): void => {
    rejections.push(asError(reason));
  };
  process.on("unhandledRejection", onRejection);
  try {
    await pulumi.runtime.setMocks(executor, project, options.stack, false);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.config ?? {})) config[`${project}:${key}`] = value;
    pulumi.runtime.setAllConfig(config, (options.secretKeys ?? []).map((key) => `${project}:${key}`));

    let programError: Error | undefined;
    const outputs: Record<string, unknown> = {};
    try {
      const mod: unknown = await import(program);
      for (const [key, value] of Object.entries(moduleExports(mod))) outputs[key] = await plainValue(value);
    } catch (error) {
      programError = asError(error);
    }
    // Every registration must have finished (or failed) before we either
    // report success or tear down: nothing may be created after teardown.
    await pulumi.runtime.disconnect();
    await new Promise((done) => setImmediate(done));

    const failure = executor.failure ?? programError ?? rejections[0];
    if (failure !== undefined) {
      if (executor.resources.length > 0) log(`deploy failed: tearing down ${executor.resources.length} created resources`);
      const leftovers = await executor.destroy();
      await executor.setStatus("failed");
      throw new DeployError(failure.message, describeFailures(leftovers));
    }
    await executor.setStatus("deployed");
    return { outputs, resources: executor.resources };
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}
