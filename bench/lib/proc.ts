/**
 * Runs a command for the bench: argument arrays (no shell on the host), a
 * timeout on every call, optional stdin, and cancellation when the bench is
 * interrupted. Secrets go through stdin only, never into the arguments.
 */
import { spawn } from "node:child_process";

const ORIGIN = process.hrtime.bigint();

/**
 * Milliseconds on the monotonic clock since this process started: every
 * interval in the bench comes from this one clock. (Relative to an origin so
 * the nanosecond count stays well inside a double's exact range.)
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint() - ORIGIN) / 1e6;
}

export interface RunOptions {
  /** Kill the command (SIGKILL) and fail after this long. */
  readonly timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting kills the command with SIGTERM (a sandbox `up` then dies and is torn down by `down`). */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

export class CommandError extends Error {
  constructor(readonly command: string, readonly result: RunResult) {
    const why = result.timedOut ? `timed out after ${(result.ms / 1000).toFixed(1)} s` : `failed (exit ${String(result.code)})`;
    const detail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-8).join("\n");
    super(`${command} ${why}${detail === "" ? "" : `:\n${detail}`}`);
    this.name = "CommandError";
  }
}

/** Thrown where the bench stops because it was interrupted (SIGINT/SIGTERM) or ran out of time. */
export class AbortedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "AbortedError";
  }
}

function abortReason(signal: AbortSignal | undefined): AbortedError {
  const reason: unknown = signal?.reason;
  if (reason instanceof AbortedError) return reason;
  return new AbortedError(reason instanceof Error ? reason.message : String(reason ?? "aborted"));
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortReason(signal);
}

/** Runs a command to its end; never rejects for a non-zero exit (see `check`). */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  throwIfAborted(options.signal);
  const started = nowMs();
  const elapsed = (): number => nowMs() - started;
  return new Promise((resolve, reject) => {
    const child = spawn(file, [...args], { cwd: options.cwd, env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    const onAbort = (): void => {
      child.kill("SIGTERM");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(new Error(`${file}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      resolve({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        ms: elapsed(),
        timedOut,
      });
    });
    // A command that exits before reading all of stdin must not crash the bench with EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Runs a command and fails unless it exits 0. */
export async function check(file: string, args: readonly string[], options: RunOptions, label?: string): Promise<RunResult> {
  const result = await run(file, args, options);
  throwIfAborted(options.signal);
  if (result.code !== 0 || result.timedOut) throw new CommandError(label ?? `${file} ${args.slice(0, 2).join(" ")}`, result);
  return result;
}

export function docker(args: readonly string[], options: RunOptions, label?: string): Promise<RunResult> {
  return check("docker", args, options, label ?? `docker ${args.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ")}`);
}

/** Sleeps, but wakes (and throws) at once when the bench is interrupted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  throwIfAborted(signal);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
