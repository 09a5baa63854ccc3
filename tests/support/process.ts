/**
 * Runs a child process for the integration tests: argument arrays only (no
 * shell), optional stdin, stdout and stderr captured, and a hard timeout
 * after which the whole process group is killed. A thin layer over
 * scripts/lib/process.ts, the repository's one process runner.
 */
import { resolve } from "node:path";

import { describeRun as describeProcessRun, start as startProcess, type RunResult } from "../../scripts/lib/process";

export type { RunResult };

export const REPO_ROOT = resolve(__dirname, "../..");

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** A child process that is still running: for tests that act on it while it runs (Ctrl-C). */
export interface Started {
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGINT, as Ctrl-C does, and resolves when it has exited; SIGKILL after `graceMs` if given. */
  interrupt(graceMs?: number): Promise<RunResult>;
  /**
   * Sends SIGINT to its whole process group, as a terminal's Ctrl-C does to
   * the foreground job (`npm run x` and the script it runs both get it).
   */
  interruptGroup(graceMs?: number): Promise<RunResult>;
  /** Resolves when it has exited (or the timeout killed it). */
  readonly done: Promise<RunResult>;
}

export function start(file: string, args: readonly string[], options: RunOptions): Started {
  const child = startProcess(file, args, {
    timeoutMs: options.timeoutMs,
    // stdin is always a pipe here, closed after the input (if any).
    input: options.input ?? "",
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
  });
  const stopWith = async (send: () => void, graceMs?: number): Promise<RunResult> => {
    send();
    const grace = graceMs === undefined ? undefined : setTimeout(() => child.killGroup("SIGKILL"), graceMs);
    try {
      return await child.done;
    } finally {
      clearTimeout(grace);
    }
  };
  return {
    stdout: () => child.stdout(),
    stderr: () => child.stderr(),
    interrupt: (graceMs?: number) => stopWith(() => child.kill("SIGINT"), graceMs),
    interruptGroup: (graceMs?: number) => stopWith(() => child.killGroup("SIGINT"), graceMs),
    done: child.done,
  };
}

export function run(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return start(file, args, options).done;
}

/** `node --import tsx <script> ...`, from the repository root, with the same Node. */
export function startTsx(script: string, args: readonly string[], timeoutMs: number): Started {
  return start(process.execPath, ["--import", "tsx", script, ...args], { cwd: REPO_ROOT, timeoutMs });
}

export function runTsx(script: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  return startTsx(script, args, timeoutMs).done;
}

/** A failed run as one readable message (the last lines of its output). */
export function describeRun(what: string, result: RunResult): string {
  return describeProcessRun(what, result);
}
