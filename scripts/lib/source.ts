/**
 * Where the outputs come from: a file (`--outputs FILE`, e.g. one written by
 * `pulumi stack output --json --show-secrets > FILE`) or the Pulumi CLI
 * (`pulumi stack output --json --show-secrets`). Every failure is a
 * `FatalError` with one line.
 */
import { readFile } from "node:fs/promises";
import { FatalError } from "./errors";
import { validateOutputs, type LoadedOutputs } from "./outputs";
import { run, SpawnError } from "./process";

export interface SourceOptions {
  /** `--outputs FILE`; when absent the Pulumi CLI is asked. */
  readonly file?: string;
  /** `--stack NAME`, passed to the Pulumi CLI. */
  readonly stack?: string;
}

export const NO_PULUMI_MESSAGE =
  "the Pulumi CLI is not installed (no `pulumi` on PATH): pass --outputs FILE instead, a file with the stack outputs as `pulumi stack output --json --show-secrets` prints them";

/**
 * Where JSON.parse stopped, without its message: V8 quotes the text around
 * the error, and in an outputs file that text can be a password.
 */
export function jsonErrorWhere(message: string): string {
  if (/Unexpected end of JSON input/.test(message)) return " (it ends too early: truncated?)";
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc !== null) return ` (line ${lc[1]}, column ${lc[2]})`;
  const pos = /position (\d+)/.exec(message);
  return pos !== null ? ` (at character ${pos[1]})` : "";
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new FatalError(`${source} is not valid JSON${jsonErrorWhere((err as Error).message)}`);
  }
}

function validate(value: unknown, source: string): LoadedOutputs {
  try {
    return validateOutputs(value);
  } catch (err) {
    throw new FatalError(`${source} does not match the stack outputs: ${(err as Error).message}`);
  }
}

async function fromFile(file: string): Promise<LoadedOutputs> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : (err as Error).message;
    throw new FatalError(`cannot read outputs file ${file}: ${why}`);
  }
  return validate(parseJson(text, file), file);
}

const PULUMI_TIMEOUT_MS = 60_000;

async function runPulumi(args: readonly string[]): Promise<string> {
  let result;
  try {
    result = await run("pulumi", args, { timeoutMs: PULUMI_TIMEOUT_MS });
  } catch (err) {
    if (err instanceof SpawnError && err.code === "ENOENT") throw new FatalError(NO_PULUMI_MESSAGE);
    throw new FatalError(`\`pulumi stack output\` failed: ${(err as Error).message.split("\n", 1)[0]}`);
  }
  if (result.code === 0 && !result.timedOut) return result.stdout;
  const detail = result.timedOut
    ? `timed out after ${PULUMI_TIMEOUT_MS / 1000} s`
    : result.stderr.split("\n").map((l) => l.trim()).find((l) => l !== "") ?? `exit ${result.code ?? result.signal ?? "by a signal"}`;
  throw new FatalError(`\`pulumi stack output\` failed: ${detail}`);
}

async function fromPulumi(stack: string | undefined): Promise<LoadedOutputs> {
  const args = ["stack", "output", "--json", "--show-secrets", ...(stack !== undefined ? ["--stack", stack] : [])];
  const text = await runPulumi(args);
  return validate(parseJson(text, "`pulumi stack output --json`"), "`pulumi stack output --json`");
}

export function loadOutputs(options: SourceOptions): Promise<LoadedOutputs> {
  return options.file !== undefined ? fromFile(options.file) : fromPulumi(options.stack);
}
