/**
 * The real `pulumi` CLI, as the integration tests and the bench drive it: one
 * local file backend for every test stack, a fixed passphrase for their
 * secrets, stack names of their own (`it-...`, `bench-...`; their
 * Pulumi.<stack>.yaml files sit in the repository root, where the CLI keeps
 * stack config, and are ignored by git), and a timeout on every command.
 *
 * The CLI, the engine and the Node.js language host are the real ones; the
 * docker, random and command provider plugins it loads are the stand-ins in
 * tests/providers/, installed in the Pulumi home that
 * `scripts/setup-test-env.sh --print-path` selects (PULUMI_HOME).
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { ClusterOutputs } from "../../components/outputs";
import { describeRun, REPO_ROOT, run, type RunResult } from "./process";

/** Where every test stack's state lives: one file backend, kept across runs so leftovers can be found. */
export const BACKEND_DIR = join(tmpdir(), "pg-replication-it", "backend");
/** Encrypts the test stacks' secrets; it protects nothing real, so it may be written here. */
export const TEST_PASSPHRASE = "pg-replication test stacks";

export const UP_TIMEOUT_MS = 300_000;
const QUICK_TIMEOUT_MS = 120_000;

export type Config = Readonly<Record<string, string>>;

/** The environment every pulumi command of the tests runs with. */
export function pulumiEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PULUMI_BACKEND_URL: `file://${BACKEND_DIR}`,
    PULUMI_CONFIG_PASSPHRASE: TEST_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Plain output: the tests read it.
    NO_COLOR: "1",
    ...extra,
  };
}

/** Runs `pulumi ARGS` in the repository (the project directory). */
export async function pulumi(args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  await mkdir(BACKEND_DIR, { recursive: true });
  return run("pulumi", ["--non-interactive", ...args], {
    cwd: REPO_ROOT,
    timeoutMs: options.timeoutMs ?? QUICK_TIMEOUT_MS,
    env: pulumiEnv(options.env),
    ...(options.input !== undefined ? { input: options.input } : {}),
  });
}

export async function pulumiOrThrow(args: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const result = await pulumi(args, options);
  if (result.code !== 0) throw new Error(describeRun(`pulumi ${args.join(" ")}`, result));
  return result;
}

/** Names of the stacks in the test backend. */
export async function listStacks(): Promise<string[]> {
  const result = await pulumiOrThrow(["stack", "ls", "--json"]);
  return (JSON.parse(result.stdout) as { name: string }[]).map((s) => s.name.split("/").pop() ?? s.name);
}

/** Where the CLI keeps a stack's config: Pulumi.<stack>.yaml in the repository root (ignored by git for it-* and bench-*). */
export function stackConfigFile(stack: string): string {
  return join(REPO_ROOT, `Pulumi.${stack}.yaml`);
}

/** Where a stack's outputs file (secrets revealed, mode 0600) is written for the operator tools. */
export function stackDir(stack: string): string {
  return join(tmpdir(), "pg-replication-it", "stacks", stack);
}

/** One stack of the program in the test backend. */
export class PulumiStack {
  constructor(readonly stack: string) {}

  private args(command: readonly string[]): string[] {
    return [...command, "--stack", this.stack];
  }

  run(command: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return pulumi(this.args(command), options);
  }

  runOrThrow(command: readonly string[], options: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
    return pulumiOrThrow(this.args(command), options);
  }

  async exists(): Promise<boolean> {
    return (await listStacks()).includes(this.stack);
  }

  async init(): Promise<void> {
    await pulumiOrThrow(["stack", "init", this.stack]);
  }

  /** Plain values with `config set-all --plaintext`; secret ones on standard input, never in an argument. */
  async setConfig(config: Config, secrets: Config = {}): Promise<void> {
    const plain = Object.entries(config).flatMap(([key, value]) => ["--plaintext", `${key}=${value}`]);
    if (plain.length > 0) await this.runOrThrow(["config", "set-all", ...plain]);
    for (const [key, value] of Object.entries(secrets)) {
      await this.runOrThrow(["config", "set", "--secret", key], { input: value });
    }
  }

  async removeConfig(keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.runOrThrow(["config", "rm", key]);
  }

  /** `pulumi up` without its preview (the tests that need a preview run one themselves). */
  up(extra: readonly string[] = [], timeoutMs = UP_TIMEOUT_MS, env?: NodeJS.ProcessEnv): Promise<RunResult> {
    return this.run(["up", "--yes", "--skip-preview", ...extra], { timeoutMs, ...(env !== undefined ? { env } : {}) });
  }

  async upOrThrow(extra: readonly string[] = [], timeoutMs = UP_TIMEOUT_MS): Promise<RunResult> {
    const result = await this.up(extra, timeoutMs);
    if (result.code !== 0) throw new Error(describeRun(`pulumi up --stack ${this.stack}`, result));
    return result;
  }

  preview(extra: readonly string[] = []): Promise<RunResult> {
    return this.run(["preview", ...extra], { timeoutMs: QUICK_TIMEOUT_MS });
  }

  refresh(extra: readonly string[] = []): Promise<RunResult> {
    return this.run(["refresh", "--yes", "--skip-preview", ...extra], { timeoutMs: QUICK_TIMEOUT_MS });
  }

  destroy(timeoutMs = UP_TIMEOUT_MS, env?: NodeJS.ProcessEnv): Promise<RunResult> {
    return this.run(["destroy", "--yes", "--skip-preview"], { timeoutMs, ...(env !== undefined ? { env } : {}) });
  }

  async outputs(): Promise<ClusterOutputs> {
    const result = await this.runOrThrow(["stack", "output", "--json", "--show-secrets"]);
    return JSON.parse(result.stdout) as ClusterOutputs;
  }

  /** Writes the outputs (secrets revealed) where the operator tools' `--outputs` can read them. */
  async writeOutputs(): Promise<{ outputs: ClusterOutputs; file: string }> {
    const outputs = await this.outputs();
    const dir = stackDir(this.stack);
    await mkdir(dir, { recursive: true });
    const file = join(dir, "outputs.json");
    await writeFile(file, JSON.stringify(outputs, null, 2), { mode: 0o600 });
    await chmod(file, 0o600);
    return { outputs, file };
  }

  /** The URN of one of the program's resources, e.g. urn("docker:index/volume:Volume", "pg-x-replica-1-data"). */
  urn(type: string, name: string): string {
    return `urn:pulumi:${this.stack}::pg-replication::pg-replication:index:Cluster$${type}::${name}`;
  }

  /** The resources in the stack's state (`pulumi stack export`), secrets left encrypted. */
  async resources(): Promise<{ urn: string; type: string; id?: string; outputs?: Record<string, unknown>; inputs?: Record<string, unknown> }[]> {
    const result = await this.runOrThrow(["stack", "export"]);
    const state = JSON.parse(result.stdout) as { deployment: { resources?: { urn: string; type: string; id?: string }[] } };
    return state.deployment.resources ?? [];
  }

  /** Destroys what the stack has and removes the stack. Never throws; returns what went wrong. */
  async removeQuietly(): Promise<string | undefined> {
    try {
      if (!(await this.exists())) return undefined;
      // A pulumi command killed by a timeout leaves the stack locked; destroy and stack rm would refuse.
      await this.run(["cancel", "--yes"]);
      const destroyed = await this.destroy();
      const removed = await this.run(["stack", "rm", "--yes", "--force"]);
      if (destroyed.code !== 0) return describeRun(`pulumi destroy --stack ${this.stack}`, destroyed);
      if (removed.code !== 0) return describeRun(`pulumi stack rm ${this.stack}`, removed);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }
}

/** How `pulumi stack export` marks a secret: `{ [SECRET_SIG_KEY]: SECRET_SIG, ciphertext | plaintext }`. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";

export interface ExportedResource {
  readonly urn: string;
  readonly type: string;
  readonly id?: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
}

export interface StackExport {
  /** What the CLI printed: the state as the backend keeps it (secrets encrypted), or with them revealed. */
  readonly text: string;
  /** The resources, secrets revealed (decoded) when the export showed them, else left as their ciphertext envelope. */
  readonly resources: readonly ExportedResource[];
}

/** A value of a `--show-secrets` export with every secret envelope replaced by the value it holds. */
export function revealed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealed);
  if (typeof value !== "object" || value === null) return value;
  const record = value as Record<string, unknown>;
  if (SECRET_SIG_KEY in record && typeof record["plaintext"] === "string") return revealed(JSON.parse(record["plaintext"]));
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, revealed(v)]));
}

/** `pulumi stack export` of a stack; `--show-secrets` only when asked. */
export async function exportStack(stack: PulumiStack, options: { showSecrets?: boolean } = {}): Promise<StackExport> {
  const result = await stack.runOrThrow(["stack", "export", ...(options.showSecrets === true ? ["--show-secrets"] : [])]);
  const state = JSON.parse(result.stdout) as { deployment: { resources?: { urn: string; type: string; id?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] } };
  const resources = (state.deployment.resources ?? []).map((r): ExportedResource => ({
    urn: r.urn,
    type: r.type,
    ...(r.id !== undefined ? { id: r.id } : {}),
    inputs: revealed(r.inputs ?? {}) as Record<string, unknown>,
    outputs: revealed(r.outputs ?? {}) as Record<string, unknown>,
  }));
  return { text: result.stdout, resources };
}

/** The one resource of `type` named `name` (the last part of its URN) in an export. */
export function findExported(exported: StackExport, type: string, name: string): ExportedResource {
  const found = exported.resources.filter((r) => r.type === type && r.urn.endsWith(`::${name}`));
  if (found.length !== 1) {
    throw new Error(`the stack export has ${found.length} ${type} named ${name}; it has: ${exported.resources.map((r) => r.urn.split("::").pop() ?? r.urn).join(", ")}`);
  }
  return found[0];
}
