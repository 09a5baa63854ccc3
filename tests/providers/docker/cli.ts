/**
 * Runs the `docker` CLI for the docker provider stand-in: argument arrays only (no shell),
 * a timeout on every call, optional stdin, and errors that carry docker's stderr.
 *
 * Secrets never go into `args`: callers pass upload contents through `input`
 * (stdin) and container environments through an env-file (see container.ts).
 */
import { spawn } from "node:child_process";

export const DEFAULT_DOCKER_TIMEOUT_MS = 60_000;

export interface DockerRunOptions {
  /** Bytes written to docker's stdin (then closed). */
  readonly input?: Buffer | string;
  /** Kill docker and fail after this long. */
  readonly timeoutMs?: number;
}

export interface DockerResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** A docker invocation that failed: exit status, timeout, or the binary missing. */
export class DockerError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    message: string,
  ) {
    super(message);
    this.name = "DockerError";
  }

  /** docker's own explanation (its stderr), or our message when docker said nothing. */
  get reason(): string {
    return this.stderr.trim() || this.message;
  }
}

/** The first two arguments name the operation well enough for an error ("docker network rm"). */
function describe(args: readonly string[]): string {
  const words = args.filter((a) => !a.startsWith("-")).slice(0, 2);
  return `docker ${words.join(" ")}`;
}

export function runDocker(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn("docker", [...args], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new DockerError(args, null, "", `${describe(args)}: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) {
        reject(new DockerError(args, code, stderr, `${describe(args)} timed out after ${Math.round(timeoutMs / 1000)} s`));
      } else if (code !== 0) {
        reject(new DockerError(args, code, stderr, `${describe(args)} failed (exit ${code}): ${stderr.trim()}`));
      } else {
        resolve({ stdout, stderr });
      }
    });
    // A docker that exits before reading all of stdin must not crash us with EPIPE.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** `docker <kind> inspect` of one object, parsed; undefined when it does not exist. */
export async function inspect<T>(kind: "container" | "image" | "network" | "volume", ref: string): Promise<T | undefined> {
  try {
    const { stdout } = await runDocker([kind, "inspect", ref]);
    const parsed = JSON.parse(stdout) as T[];
    return parsed[0];
  } catch (error) {
    if (error instanceof DockerError && isNotFound(error)) return undefined;
    throw error;
  }
}

/** docker's wording for a missing object differs by kind and version; all of them say one of these. */
export function isNotFound(error: DockerError): boolean {
  return /no such (container|image|network|volume|object)|not found/i.test(error.stderr);
}

/** Names of the objects of one kind that carry a label (`key=value`). */
export async function listByLabel(kind: "container" | "network" | "volume", label: string): Promise<string[]> {
  const args = kind === "container"
    ? ["ps", "-a", "--filter", `label=${label}`, "--format", "{{.Names}}"]
    : [kind, "ls", "--filter", `label=${label}`, "--format", "{{.Name}}"];
  const { stdout } = await runDocker(args);
  return stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
