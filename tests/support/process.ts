/**
 * Runs a child process for the integration tests: argument arrays only (no
 * shell), optional stdin, stdout and stderr captured, and a hard timeout
 * after which the whole process group is killed.
 */
import { spawn } from "node:child_process";
import { resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "../..");

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs: number;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** Exit status; null when killed by a signal (a timeout included). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/** A child process that is still running: for tests that act on it while it runs (Ctrl-C). */
export interface Started {
  /** What it printed so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGINT, as Ctrl-C does, and resolves when it has exited; SIGKILL after `graceMs` if given. */
  interrupt(graceMs?: number): Promise<RunResult>;
  /** Resolves when it has exited (or the timeout killed it). */
  readonly done: Promise<RunResult>;
}

export function start(file: string, args: readonly string[], options: RunOptions): Started {
  const started = Date.now();
  const child = spawn(file, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["pipe", "pipe", "pipe"],
    // Its own process group, so the timeout also kills whatever it started.
    detached: true,
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const text = (chunks: Buffer[]): string => Buffer.concat(chunks).toString("utf8");
  let timedOut = false;
  const killGroup = (): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, options.timeoutMs);
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const done = new Promise<RunResult>((resolve, reject) => {
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${file} ${args.slice(0, 2).join(" ")}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: text(out), stderr: text(err), timedOut, ms: Date.now() - started });
    });
  });
  child.stdin.on("error", () => undefined);
  child.stdin.end(options.input ?? "");
  return {
    stdout: () => text(out),
    stderr: () => text(err),
    async interrupt(graceMs?: number): Promise<RunResult> {
      child.kill("SIGINT");
      const grace = graceMs === undefined ? undefined : setTimeout(killGroup, graceMs);
      try {
        return await done;
      } finally {
        clearTimeout(grace);
      }
    },
    done,
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
  const tail = (s: string): string => s.trim().split("\n").slice(-15).join("\n");
  const status = result.timedOut ? "timed out" : `exited ${result.code ?? "by a signal"}`;
  return `${what} ${status} after ${(result.ms / 1000).toFixed(1)} s\n--- stdout\n${tail(result.stdout)}\n--- stderr\n${tail(result.stderr)}`;
}
