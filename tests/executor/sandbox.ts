/**
 * `npm run sandbox -- <up|down|outputs>`: runs the program on the local Docker
 * engine without the Pulumi CLI, through the test executor (the program runs
 * under Pulumi's mocks; each resource is applied with the real providers'
 * semantics). A way to try the cluster, not a deployment engine: state lives
 * in a local directory, there is no preview, no update, no refresh.
 */
import { access } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

import { removeLeftovers, removeUnrecordedContainers } from "./cleanup";
import { inspect } from "./docker-cli";
import { deploy, DEFAULT_PROGRAM } from "./deploy";
import {
  OUTPUTS_FILE, STATE_FILE, ensureStateDir, readState, removeStateFiles, writePrivateJson, type StateFile,
} from "./state-file";
import { describeFailures, teardown } from "./teardown";

export const USAGE = `usage: npm run sandbox -- <up|down|outputs> [--stack NAME] [--state-dir DIR] [--set key=value]...

Runs this Pulumi program on the local Docker engine without the Pulumi CLI
(under Pulumi's mocks, each resource applied with the providers' semantics).

commands:
  up        create the cluster; writes <state-dir>/outputs.json (secrets included, mode 0600)
  down      remove everything up created, and leftovers of the stack found by label
  outputs   print the path of the outputs file

options:
  --stack NAME      stack name (default: sandbox); resources are named pg-<stack>-...
  --state-dir DIR   directory for state.json and outputs.json (default: .sandbox)
  --set key=value   config value, as \`pulumi config set\` takes it (repeatable);
                    superuserPassword and replicationPassword are treated as secrets
  --program FILE    program entry file (default: index.ts; used by tests)
  -h, --help        show this help`;

export const SECRET_CONFIG_KEYS = ["superuserPassword", "replicationPassword"] as const;
const PROJECT_PREFIX = "pg-replication:";
const OFFLINE_IMAGE = "pg-replication/postgres:17";
const DEFAULT_IMAGE = "postgres:17";

/** A mistake on the command line: exit 2 with the usage. */
export class UsageError extends Error {}

export interface SandboxArgs {
  readonly command: "up" | "down" | "outputs" | "help";
  readonly stack: string;
  /** Whether --stack was given (down then checks it against the state file). */
  readonly stackGiven: boolean;
  readonly stateDir: string;
  readonly config: Readonly<Record<string, string>>;
  readonly program: string;
}

/** Parses argv (after `npm run sandbox --`). Pure. */
export function parseSandboxArgs(argv: readonly string[]): SandboxArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        stack: { type: "string" },
        "state-dir": { type: "string" },
        set: { type: "string", multiple: true },
        program: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    // Node's message goes on about positionals after "--"; its first sentence is the point.
    throw new UsageError((error as Error).message.split(". ")[0] ?? String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { command: "help", stack: "", stackGiven: false, stateDir: "", config: {}, program: "" };
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "missing command (up, down or outputs)" : `one command expected, got: ${positionals.join(" ")}`);
  }
  const command = positionals[0] as string;
  if (command !== "up" && command !== "down" && command !== "outputs") throw new UsageError(`unknown command '${command}'`);
  const stack = values.stack ?? "sandbox";
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(stack)) throw new UsageError(`invalid --stack '${stack}' (letters, digits, _ . -)`);
  if (command !== "up" && values.set !== undefined) throw new UsageError("--set is only for up");
  const config: Record<string, string> = {};
  for (const item of values.set ?? []) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`--set expects key=value, got '${item}'`);
    let key = item.slice(0, eq);
    if (key.startsWith(PROJECT_PREFIX)) key = key.slice(PROJECT_PREFIX.length);
    if (key.includes(":")) throw new UsageError(`--set key '${key}' belongs to another project`);
    config[key] = item.slice(eq + 1);
  }
  return {
    command,
    stack,
    stackGiven: values.stack !== undefined,
    stateDir: resolve(values["state-dir"] ?? ".sandbox"),
    config,
    program: resolve(values.program ?? DEFAULT_PROGRAM),
  };
}

/** The one-line summary of a successful up. Pure; never prints secrets. */
export function upSummary(stack: string, outputs: Record<string, unknown>, resources: number, seconds: number, outputsPath: string): string {
  const host = outputs["primaryHost"];
  const port = outputs["primaryPort"];
  const replicas = Array.isArray(outputs["replicas"]) ? (outputs["replicas"] as { host?: unknown; port?: unknown }[]) : [];
  const where = typeof host === "string" && typeof port === "number"
    ? `primary ${host}:${port}, standbys ${replicas.map((r) => `${String(r.host)}:${String(r.port)}`).join(", ") || "none"}`
    : `${resources} resources`;
  return `sandbox stack '${stack}' is up in ${seconds.toFixed(1)} s: ${where}; outputs in ${outputsPath}`;
}

const progress = (line: string): void => {
  process.stderr.write(`  ${line}\n`);
};

/** The down command for this state dir, to quote in messages. */
function downCommand(args: SandboxArgs, withStack = false): string {
  const dir = args.stateDir === resolve(".sandbox") ? "" : ` --state-dir ${args.stateDir}`;
  const stack = withStack ? ` --stack ${args.stack}` : "";
  return `\`npm run sandbox -- down${stack}${dir}\``;
}

function alreadyUp(state: StateFile, args: SandboxArgs): Error {
  return new Error(`${args.stateDir} already holds sandbox stack '${state.stack}' (${state.status}, ${state.resources.length} resources): ` +
    `run ${downCommand(args)} first`);
}

async function up(args: SandboxArgs): Promise<void> {
  const started = Date.now();
  await ensureStateDir(args.stateDir);
  const existing = await readState(args.stateDir);
  if (existing !== undefined && existing.resources.length > 0) throw alreadyUp(existing, args);

  const config = { ...args.config };
  if (config["image"] === undefined && args.program === resolve(DEFAULT_PROGRAM)) {
    const official = await inspect("image", DEFAULT_IMAGE);
    if (official === undefined && (await inspect("image", OFFLINE_IMAGE)) !== undefined) {
      config["image"] = OFFLINE_IMAGE;
      console.log(`${DEFAULT_IMAGE} is not present locally; using the offline image ${OFFLINE_IMAGE}`);
    }
  }
  const secretKeys = SECRET_CONFIG_KEYS.filter((key) => config[key] !== undefined);
  // Ctrl-C mid-way leaves what was created so far in the state file.
  const interrupted = (): void => {
    process.stderr.write(`interrupted: run ${downCommand(args)} to remove what was created\n`);
    process.exit(130);
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    const result = await deploy({
      stack: args.stack, config, secretKeys, stateDir: args.stateDir, program: args.program, log: progress,
    });
    const outputsPath = join(args.stateDir, OUTPUTS_FILE);
    await writePrivateJson(outputsPath, result.outputs);
    console.log(upSummary(args.stack, result.outputs, result.resources.length, (Date.now() - started) / 1000, outputsPath));
  } catch (error) {
    const state = await readState(args.stateDir).catch(() => undefined);
    if (state !== undefined && state.resources.length === 0) await removeStateFiles(args.stateDir);
    const message = error instanceof Error ? error.message : String(error);
    if (/already (in use|exists)/.test(message)) {
      // Names are fixed, so objects of an earlier, unrecorded run block this one.
      throw new Error(`${message.trimEnd()}\nleftovers of an earlier run? ${downCommand(args, true)} removes them by label`);
    }
    throw error;
  } finally {
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

async function down(args: SandboxArgs): Promise<void> {
  const started = Date.now();
  const state = await readState(args.stateDir);
  if (state !== undefined && args.stackGiven && args.stack !== state.stack) {
    throw new Error(`${args.stateDir} holds stack '${state.stack}', not '${args.stack}'`);
  }
  const stack = state?.stack ?? args.stack;
  let removed = 0;
  let unrecorded = 0;
  if (state !== undefined && state.resources.length > 0) {
    const recorded = new Set(state.resources.filter((r) => r.type === "docker:index/container:Container").map((r) => String(r.outputs.name ?? r.inputs.name ?? r.name)));
    unrecorded = await removeUnrecordedContainers(stack, recorded, progress);
    const statePath = join(args.stateDir, STATE_FILE);
    const failures = await teardown(state.resources, {
      log: progress,
      onProgress: (remaining) => writePrivateJson(statePath, { ...state, status: "destroying", updatedAt: new Date().toISOString(), resources: remaining }),
    });
    removed = state.resources.length - failures.length;
    if (failures.length > 0) {
      throw new Error(`could not remove ${failures.length} resources (kept in ${statePath}; run down again, or delete the file to forget them):\n` +
        describeFailures(failures));
    }
  }
  const leftovers = await removeLeftovers(stack, progress);
  await removeStateFiles(args.stateDir);
  const extra = unrecorded + leftovers.containers + leftovers.volumes + leftovers.networks;
  if (removed === 0 && extra === 0) {
    console.log("nothing to remove");
    return;
  }
  const leftoverText = extra > 0 ? ` and ${extra} leftovers found by label` : "";
  console.log(`sandbox stack '${stack}' is down: removed ${removed} resources${leftoverText} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function outputs(args: SandboxArgs): Promise<void> {
  const path = join(args.stateDir, OUTPUTS_FILE);
  try {
    await access(path);
  } catch {
    throw new Error(`no outputs in ${args.stateDir}: run \`npm run sandbox -- up\` first`);
  }
  console.log(path);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let args: SandboxArgs;
  try {
    args = parseSandboxArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (args.command === "help") console.log(USAGE);
    else if (args.command === "up") await up(args);
    else if (args.command === "down") await down(args);
    else await outputs(args);
    return 0;
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    if (process.env["DEBUG"] !== undefined && process.env["DEBUG"] !== "") {
      process.stderr.write(`${err.stack ?? err.message}\n`);
    } else {
      // First line is the error; what follows (a failed command's output,
      // a container's last log lines) is kept, indented, because it is the
      // only way to see why.
      const [first, ...rest] = err.message.trimEnd().split("\n");
      process.stderr.write(`sandbox ${args.command} failed: ${first}\n${rest.map((l) => `  | ${l}\n`).join("")}`);
    }
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
