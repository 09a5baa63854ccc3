/**
 * Runs a command for the bench, over scripts/lib/process.ts (the repository's
 * one process runner): argument arrays (no shell on the host), a timeout on
 * every call that kills the command's whole process group, optional stdin,
 * and cancellation when the bench is interrupted. Secrets go through stdin
 * only, never into the arguments.
 */
import { nowMs, ProcessError, run as runProcess, tail, type RunResult } from "../../scripts/lib/process";

/**
 * Milliseconds on the monotonic clock since the process started: every
 * interval in the bench comes from this one clock.
 */
export { nowMs };
export type { RunResult };

export interface RunOptions {
  /** Kill the command's process group (SIGKILL) and fail after this long. */
  readonly timeoutMs: number;
  /** Written to the command's stdin, which is then closed. */
  readonly input?: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Aborting stops the command: `abortWith` (SIGTERM by default; `pulumi up`
   * cancels gracefully on it), then SIGKILL to its group after `abortGraceMs`.
   */
  readonly signal?: AbortSignal;
  readonly abortWith?: NodeJS.Signals;
  readonly abortGraceMs?: number;
  /** Called with each chunk of stdout as it arrives. */
  readonly onStdout?: (chunk: Buffer) => void;
}

export class CommandError extends ProcessError {
  constructor(readonly command: string, result: RunResult) {
    const why = result.timedOut ? `timed out after ${(result.ms / 1000).toFixed(1)} s` : `failed (exit ${String(result.code ?? result.signal ?? null)})`;
    const detail = tail(result.stderr.trim() || result.stdout.trim(), 8);
    super(command, result, `${command} ${why}${detail === "" ? "" : `:\n${detail}`}`);
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
  return runProcess(file, args, options);
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
