/**
 * command.local.Command, as @pulumi/command 1.2.1's provider runs it
 * (pulumi/pulumi-command v1.2.1 provider/pkg/provider/local/commandController.go,
 * commandOutputs.go `run`; pulumi-go-provider v1.3.0 infer/resource.go):
 *
 * - Check: no defaults are annotated, so the inputs come back unchanged.
 * - Diff: old INPUTS against new inputs (diffInputs); only the whole `triggers`
 *   key is replaceOnChanges in the provider; a change of an element comes
 *   back as an update and the engine makes it a replace, because the SDK
 *   registers `replaceOnChanges: ["triggers[*]"]` (@pulumi/command
 *   local/command.js). Create-before-delete unless the program asks for
 *   deleteBeforeReplace. Any other change is an update.
 * - Create: `run(create)` with an empty previous output; id = name + 8 hex
 *   (resource.NewUniqueHex(name, 8, 0), no separator).
 * - Update: `run(update ?? create)` with the NEW inputs and the OLD stdout and
 *   stderr (PULUMI_COMMAND_STDOUT/STDERR); a failure keeps the old state.
 * - Delete: `run(delete)` with the state's inputs (those of the last create or
 *   update: old script, stdin, environment) and its stdout/stderr.
 * - Read: no CustomRead: the state comes back unchanged.
 * - run: argv = interpreter (default `/bin/sh -c`) + command, cwd `dir` or the
 *   provider's working directory, env = the provider's environment +
 *   `environment` + the previous stdout/stderr when non-empty (unless
 *   addPreviousOutputInEnv is false), stdin when non-empty. Failure:
 *   `fmt.Errorf("%w: running %q:\n%s", err, command, stdout+stderr
 *   interleaved)`, where err prints as "exit status N" (Go's ExitError).
 *   Outputs: the inputs, plus stdout and stderr with ONE trailing "\n" trimmed.
 * - Preview: nothing runs (server.ts never calls create/update in a preview).
 */
import { randomBytes } from "node:crypto";

import { run } from "../../../scripts/lib/process";

import { checkInputs, type InputSchema } from "../check";
import { diffInputs } from "../diff";
import { goQuote } from "../go-format";
import { InputReader, plainObject, type PlainObject } from "../inputs";
import type { ResourceType } from "../server";
import { keepSecrecy, type PropertyMap } from "../values";

export const COMMAND_TYPE = "command:local:Command";
/** The provider has no timeout; a test tool needs one. Base backups of test clusters take seconds. */
export const COMMAND_TIMEOUT_MS = 600_000;

export interface ShellRun {
  readonly command: string;
  /** argv before the command; default `/bin/sh -c`. */
  readonly interpreter?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly stdin?: string;
  readonly dir?: string;
  readonly timeoutMs?: number;
}

export interface ShellResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Go's ExitError text for a process killed by a signal (syscall.Signal.String()). */
const SIGNAL_TEXT: Readonly<Record<string, string>> = {
  SIGKILL: "killed", SIGTERM: "terminated", SIGINT: "interrupt", SIGHUP: "hangup", SIGQUIT: "quit",
  SIGABRT: "aborted", SIGSEGV: "segmentation fault", SIGPIPE: "broken pipe", SIGBUS: "bus error",
};

/** The command provider's error text. Pure. */
export function commandErrorMessage(reason: string, command: string, combinedOutput: string): string {
  return `${reason}: running ${goQuote(command)}:\n${combinedOutput}`;
}

/** Strips exactly one trailing newline, like strings.TrimSuffix(s, "\n"). */
export function trimOneNewline(text: string): string {
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/** Runs `/bin/sh -c command` the way the provider's `run` does. */
export async function runShell(shell: ShellRun): Promise<ShellResult> {
  const timeoutMs = shell.timeoutMs ?? COMMAND_TIMEOUT_MS;
  const [program, ...args] = shell.interpreter !== undefined && shell.interpreter.length > 0 ? shell.interpreter : ["/bin/sh", "-c"];
  let result;
  try {
    result = await run(program as string, [...args, shell.command], {
      timeoutMs,
      cwd: shell.dir ?? process.cwd(),
      env: { ...process.env, ...shell.environment },
      ...(shell.stdin !== undefined && shell.stdin !== "" ? { input: shell.stdin } : {}),
      combined: true,
    });
  } catch (error) {
    throw new Error(commandErrorMessage((error as Error).message, shell.command, ""));
  }
  if (result.code === 0 && !result.timedOut) {
    return { stdout: trimOneNewline(result.stdout), stderr: trimOneNewline(result.stderr) };
  }
  let reason = result.signal !== undefined ? `signal: ${SIGNAL_TEXT[result.signal] ?? result.signal}` : `exit status ${result.code ?? "?"}`;
  if (result.timedOut) reason = `signal: killed (the stand-in's ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`} timeout)`;
  throw new Error(commandErrorMessage(reason, shell.command, result.combined ?? ""));
}


const SCHEMA: InputSchema = {
  type: COMMAND_TYPE,
  spec: { create: "any", update: "any", delete: "any", triggers: "any", environment: "any", stdin: "any", dir: "any", interpreter: "any", addPreviousOutputInEnv: "any" },
};

/** The previous run's output, as `run` exports it (only when non-empty, unless addPreviousOutputInEnv is false). */
export function previousOutputEnv(inputs: PlainObject, previous: PlainObject): Record<string, string> {
  const env: Record<string, string> = {};
  if (inputs["addPreviousOutputInEnv"] === false) return env;
  if (typeof previous["stdout"] === "string" && previous["stdout"] !== "") env["PULUMI_COMMAND_STDOUT"] = previous["stdout"];
  if (typeof previous["stderr"] === "string" && previous["stderr"] !== "") env["PULUMI_COMMAND_STDERR"] = previous["stderr"];
  return env;
}

/** run(command, BaseInputs of `inputs`, BaseOutputs `previous`) -> the new stdout/stderr. */
async function runWith(name: string, command: string, inputs: PlainObject, previous: PlainObject): Promise<ShellResult> {
  const read = new InputReader(COMMAND_TYPE, name);
  const environment = { ...(read.stringMap(inputs["environment"], "environment") ?? {}), ...previousOutputEnv(inputs, previous) };
  const stdin = read.string(inputs["stdin"], "stdin");
  const dir = read.string(inputs["dir"], "dir");
  const interpreter = read.strings(inputs["interpreter"], "interpreter");
  // The provider's own error text, unprefixed: the engine names the resource.
  return runShell({
    command, environment,
    ...(stdin !== undefined ? { stdin } : {}), ...(dir !== undefined ? { dir } : {}), ...(interpreter !== undefined ? { interpreter } : {}),
  });
}

function withOutputs(inputs: PropertyMap, result: ShellResult): PropertyMap {
  return keepSecrecy(inputs, { ...inputs, stdout: result.stdout, stderr: result.stderr });
}

export const commandType: ResourceType = {
  token: COMMAND_TYPE,
  check: (name, _olds, news) => checkInputs(SCHEMA, name, news),
  diff: (oldInputs, _oldOutputs, news) => diffInputs(oldInputs, news, ["triggers"]),

  async create(name, inputs) {
    const id = `${name}${randomBytes(4).toString("hex")}`;
    const plain = plainObject(inputs);
    if (typeof plain["create"] !== "string") return { id, outputs: withOutputs(inputs, { stdout: "", stderr: "" }) };
    return { id, outputs: withOutputs(inputs, await runWith(name, plain["create"], plain, {})) };
  },

  async read(id, outputs, inputs) {
    return { id, outputs, inputs };
  },

  async update(_id, name, olds, news) {
    const plain = plainObject(news);
    const previous = plainObject(olds);
    const command = typeof plain["update"] === "string" ? plain["update"] : plain["create"];
    const kept = { stdout: typeof previous["stdout"] === "string" ? previous["stdout"] : "", stderr: typeof previous["stderr"] === "string" ? previous["stderr"] : "" };
    if (typeof command !== "string") return withOutputs(news, kept);
    return withOutputs(news, await runWith(name, command, plain, previous));
  },

  async delete(id, outputs) {
    const state = plainObject(outputs);
    if (typeof state["delete"] !== "string") return;
    await runWith(id, state["delete"], state, state);
  },
};
