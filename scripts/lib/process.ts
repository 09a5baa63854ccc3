/**
 * Runs child processes, for the whole repository (operator tools, bench,
 * tests, provider stand-ins): argument arrays only (no shell unless the
 * caller runs one, e.g. `/bin/sh -c`), optional stdin, a working directory and
 * environment, and a hard timeout on every call.
 *
 * Every child starts in its own process group (and session), so that:
 * - the timeout kills everything it started (SIGKILL to the group), its
 *   grandchildren included;
 * - a Ctrl-C on the terminal reaches only the caller, which decides what its
 *   children get (one SIGTERM to `pulumi up` cancels it gracefully; a
 *   second signal would make it terminate at once).
 *
 * Cancellation: an AbortSignal sends `abortWith` (SIGTERM by default) to the
 * child itself, and SIGKILL to its whole group if it is still there after
 * `abortGraceMs`. The result then says `aborted`. A signal that has already
 * fired when `run` is called starts nothing: the call rejects with the
 * signal's reason.
 *
 * A non-zero exit is not an error here: the result carries it, and
 * `ProcessError` / `describeRun` turn it into a message that shows the last
 * lines of the output. Only a child that could not be started at all
 * (`SpawnError`, e.g. ENOENT) rejects.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface RunOptions {
  /** Hard limit: past it the whole process group is killed (SIGKILL) and the result says `timedOut`. */
  readonly timeoutMs: number;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  readonly input?: string | Buffer;
  readonly cwd?: string;
  /** The child's whole environment (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Aborting stops the child: `abortWith` to it, then SIGKILL to its group after `abortGraceMs`. */
  readonly signal?: AbortSignal;
  /** What an abort sends to the child itself first (default SIGTERM). */
  readonly abortWith?: NodeJS.Signals;
  /** How long an aborted child may take to exit before its group is killed (default 5 s). */
  readonly abortGraceMs?: number;
  /** Also capture stdout and stderr interleaved, in the order they arrived (`combined` in the result). */
  readonly combined?: boolean;
  /** Called with each chunk of stdout as it arrives, for callers that time or follow the output. */
  readonly onStdout?: (chunk: Buffer) => void;
}

export interface RunResult {
  /** Exit status; null when the child was ended by a signal (a timeout included). */
  readonly code: number | null;
  /** The signal that ended the child, if one did. */
  readonly signal?: NodeJS.Signals;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr interleaved as they arrived; only with `combined: true`. */
  readonly combined?: string;
  /** The timeout killed it. */
  readonly timedOut: boolean;
  /** The AbortSignal stopped it. */
  readonly aborted: boolean;
  /** Wall time from the start to the end of the child (monotonic clock). */
  readonly ms: number;
}

/** A child that is still running: for callers that act on it while it runs. */
export interface Running {
  readonly pid: number | undefined;
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Both, interleaved (empty unless started with `combined: true`). */
  combined(): string;
  /** Sends a signal to the child itself (as `kill PID` does); false when it is already gone. */
  kill(signal: NodeJS.Signals): boolean;
  /** Sends a signal to the child's whole process group; false when the group is already gone. */
  killGroup(signal: NodeJS.Signals): boolean;
  /** Resolves when it has exited (or was killed); rejects only with a `SpawnError`. */
  readonly done: Promise<RunResult>;
}

/** A child that could not be started at all (no such file, no permission, bad cwd). */
export class SpawnError extends Error {
  /** The errno code, e.g. ENOENT. */
  readonly code: string | undefined;

  constructor(readonly file: string, readonly args: readonly string[], cause: Error) {
    super(`${[file, ...args.slice(0, 2)].join(" ")}: ${cause.message}`, { cause });
    this.name = "SpawnError";
    this.code = (cause as NodeJS.ErrnoException).code;
  }
}

/** After a kill, how long stdout and stderr may stay open (a grandchild that left the group holds them) before we stop reading. */
const STREAM_GRACE_MS = 2_000;
const DEFAULT_ABORT_GRACE_MS = 5_000;

const ORIGIN = process.hrtime.bigint();

/**
 * Milliseconds on the monotonic clock since this module was loaded. (Relative
 * to an origin so the nanosecond count stays well inside a double's exact
 * range.) Every interval measured with it is immune to wall-clock steps.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint() - ORIGIN) / 1e6;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(reason === undefined ? "aborted" : String(reason));
  error.name = "AbortError";
  return error;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
  if (child.pid === undefined) return false;
  try {
    process.kill(-child.pid, signal);
    return true;
  } catch {
    // The group is gone (ESRCH), or it never became one: the child alone, then.
    return child.exitCode === null && child.signalCode === null ? child.kill(signal) : false;
  }
}

/** Starts a child; see the module comment. */
export function start(file: string, args: readonly string[], options: RunOptions): Running {
  const started = nowMs();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const both: Buffer[] = [];
  const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString("utf8");

  if (options.signal?.aborted === true) {
    const reason = abortReason(options.signal);
    const done = Promise.reject(reason);
    // Whoever awaits `done` sees the rejection; nobody else should.
    done.catch(() => undefined);
    return { pid: undefined, stdout: () => "", stderr: () => "", combined: () => "", kill: () => false, killGroup: () => false, done };
  }

  const hasInput = options.input !== undefined;
  const child = spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [hasInput ? "pipe" : "ignore", "pipe", "pipe"],
    // Its own process group (and session): the timeout kills what it started too.
    detached: true,
  });

  let timedOut = false;
  let aborted = false;
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, fn: () => void): void => {
    timers.push(setTimeout(fn, ms));
  };
  /** SIGKILL to the group; if the pipes stay open anyway, stop reading them so the call still ends. */
  const killHard = (): void => {
    signalGroup(child, "SIGKILL");
    later(STREAM_GRACE_MS, () => {
      child.stdout?.destroy();
      child.stderr?.destroy();
    });
  };
  later(options.timeoutMs, () => {
    timedOut = true;
    killHard();
  });
  const onAbort = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    aborted = true;
    try {
      child.kill(options.abortWith ?? "SIGTERM");
    } catch {
      // already gone
    }
    later(options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS, killHard);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  child.stdout?.on("data", (chunk: Buffer) => {
    out.push(chunk);
    if (options.combined === true) both.push(chunk);
    options.onStdout?.(chunk);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err.push(chunk);
    if (options.combined === true) both.push(chunk);
  });
  if (child.stdin !== null) {
    // A child that exits before reading all of its stdin must not crash the caller with EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
  }

  const done = new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    const finish = (): void => {
      settled = true;
      for (const t of timers) clearTimeout(t);
      options.signal?.removeEventListener("abort", onAbort);
    };
    child.on("error", (error) => {
      // Also emitted when a kill fails; only a child that never started is an error of the call.
      if (settled || child.pid !== undefined) return;
      finish();
      reject(new SpawnError(file, args, error));
    });
    child.on("close", (code, signal) => {
      if (settled) return;
      finish();
      resolve({
        code,
        ...(signal !== null ? { signal } : {}),
        stdout: text(out),
        stderr: text(err),
        ...(options.combined === true ? { combined: text(both) } : {}),
        timedOut,
        aborted,
        ms: nowMs() - started,
      });
    });
  });

  return {
    pid: child.pid,
    stdout: () => text(out),
    stderr: () => text(err),
    combined: () => text(both),
    kill: (signal) => {
      if (child.exitCode !== null || child.signalCode !== null) return false;
      try {
        return child.kill(signal);
      } catch {
        return false;
      }
    },
    killGroup: (signal) => signalGroup(child, signal),
    done,
  };
}

/** Runs a child to its end; resolves whatever its exit status (see `ProcessError`). */
export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return start(file, args, options).done;
}

/** How a run ended, in words: "exited 3", "timed out", "killed by SIGTERM", "was aborted". */
export function describeStatus(result: RunResult): string {
  if (result.timedOut) return "timed out";
  if (result.aborted) return "was aborted";
  if (result.code !== null) return `exited ${result.code}`;
  return result.signal !== undefined ? `killed by ${result.signal}` : "exited by a signal";
}

/** The last `n` lines of a text, surrounding blank space trimmed first. Pure. */
export function tail(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join("\n");
}

/** A finished run as one readable message: what, how it ended, after how long, and the last lines of each stream. */
export function describeRun(what: string, result: RunResult, lines = 15): string {
  return `${what} ${describeStatus(result)} after ${(result.ms / 1000).toFixed(1)} s\n--- stdout\n${tail(result.stdout, lines)}\n--- stderr\n${tail(result.stderr, lines)}`;
}

/** A run that did not succeed, for callers that throw on it. The default message is `describeRun`'s. */
export class ProcessError extends Error {
  constructor(readonly what: string, readonly result: RunResult, message: string = describeRun(what, result)) {
    super(message);
    this.name = "ProcessError";
  }
}

/** Runs a child and throws a `ProcessError` unless it exits 0 (`what` names it in the message). */
export async function runOrThrow(file: string, args: readonly string[], options: RunOptions, what = [file, ...args.slice(0, 2)].join(" ")): Promise<RunResult> {
  const result = await run(file, args, options);
  if (result.code !== 0 || result.timedOut || result.aborted) throw new ProcessError(what, result);
  return result;
}
