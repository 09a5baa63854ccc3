/**
 * command.local.Command, as @pulumi/command 1.2.1's provider runs it
 * (pulumi/pulumi-command provider/pkg/provider/local/commandController.go and
 * commandOutputs.go, function `run`):
 *
 * - create and delete both call run(command, BaseInputs, BaseOutputs): argv
 *   `/bin/sh -c <command>`, cwd `dir` or the provider's working directory,
 *   env = the provider's environment + `environment`, and stdin = `stdin` when
 *   non-empty. So delete gets the SAME stdin and environment as create.
 * - PULUMI_COMMAND_STDOUT / PULUMI_COMMAND_STDERR are added only when the
 *   previous outputs are non-empty (and addPreviousOutputInEnv is not false):
 *   never on create (its outputs are still empty), on delete from create's.
 * - Failure: `fmt.Errorf("%w: running %q:\n%s", err, command, stdout+stderr
 *   interleaved)`, where err prints as "exit status N" (Go's ExitError).
 * - Outputs: the inputs, plus stdout and stderr with ONE trailing "\n" trimmed.
 * - id: resource.NewUniqueHex(name, 8, 0): the name plus 8 random hex digits.
 * - `triggers` only forces replacement; `update` runs on update (never, here).
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

import { goQuote } from "../go-format";
import { InputReader, assertImplemented, type PlainObject } from "../inputs";
import type { CreateResult, HandlerContext, ResourceHandler, ResourceRecord } from "../handler";

const TYPE = "command:local:Command";
/** The provider has no timeout; a test tool needs one. Base backups of test clusters take seconds. */
export const COMMAND_TIMEOUT_MS = 600_000;

export interface ShellRun {
  readonly command: string;
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
export function runShell(run: ShellRun): Promise<ShellResult> {
  const timeoutMs = run.timeoutMs ?? COMMAND_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", run.command], {
      cwd: run.dir ?? process.cwd(),
      env: { ...process.env, ...run.environment },
      stdio: [run.stdin !== undefined && run.stdin !== "" ? "pipe" : "ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const combined: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
      // A grandchild (the script's own children) may still hold the pipes
      // open; stop reading so the failure is reported now, not when it exits.
      child.stdout?.destroy();
      child.stderr?.destroy();
    }, timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => { stdout.push(chunk); combined.push(chunk); });
    child.stderr?.on("data", (chunk: Buffer) => { stderr.push(chunk); combined.push(chunk); });
    if (child.stdin) {
      child.stdin.on("error", () => undefined);
      child.stdin.end(run.stdin);
    }
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(commandErrorMessage(error.message, run.command, "")));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(combined).toString("utf8");
      if (code === 0) {
        resolve({
          stdout: trimOneNewline(Buffer.concat(stdout).toString("utf8")),
          stderr: trimOneNewline(Buffer.concat(stderr).toString("utf8")),
        });
        return;
      }
      let reason = signal !== null ? `signal: ${SIGNAL_TEXT[signal] ?? signal}` : `exit status ${code}`;
      if (timedOut) reason = `signal: killed (the executor's ${Math.round(timeoutMs / 1000)} s timeout)`;
      reject(new Error(commandErrorMessage(reason, run.command, output)));
    });
  });
}

function previousOutputEnv(outputs: PlainObject): Record<string, string> {
  const env: Record<string, string> = {};
  if (typeof outputs["stdout"] === "string" && outputs["stdout"] !== "") env["PULUMI_COMMAND_STDOUT"] = outputs["stdout"];
  if (typeof outputs["stderr"] === "string" && outputs["stderr"] !== "") env["PULUMI_COMMAND_STDERR"] = outputs["stderr"];
  return env;
}

export const commandHandler: ResourceHandler = {
  type: TYPE,
  spec: { create: "any", delete: "any", triggers: "any", environment: "any", stdin: "any", dir: "any" },

  async create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult> {
    assertImplemented(TYPE, name, inputs, this.spec);
    const read = new InputReader(TYPE, name);
    const create = read.string(inputs["create"], "create");
    read.string(inputs["delete"], "delete");
    const environment = read.stringMap(inputs["environment"], "environment") ?? {};
    const stdin = read.string(inputs["stdin"], "stdin");
    const dir = read.string(inputs["dir"], "dir");
    const id = `${name}${randomBytes(4).toString("hex")}`;
    if (create === undefined) return { id, outputs: { ...inputs, stdout: "", stderr: "" } };
    const started = Date.now();
    let result: ShellResult;
    try {
      result = await runShell({ command: create, environment, ...(stdin !== undefined ? { stdin } : {}), ...(dir !== undefined ? { dir } : {}) });
    } catch (error) {
      throw read.fail((error as Error).message);
    }
    ctx.log(`command ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { id, outputs: { ...inputs, stdout: result.stdout, stderr: result.stderr } };
  },

  async destroy(record: ResourceRecord, ctx: HandlerContext): Promise<void> {
    const del = record.inputs["delete"];
    if (typeof del !== "string") return;
    const read = new InputReader(TYPE, record.name);
    const environment = { ...(read.stringMap(record.inputs["environment"], "environment") ?? {}), ...previousOutputEnv(record.outputs) };
    const stdin = read.string(record.inputs["stdin"], "stdin");
    const dir = read.string(record.inputs["dir"], "dir");
    try {
      await runShell({ command: del, environment, ...(stdin !== undefined ? { stdin } : {}), ...(dir !== undefined ? { dir } : {}) });
    } catch (error) {
      throw read.fail((error as Error).message);
    }
    ctx.log(`command ${record.name} delete done`);
  },
};
