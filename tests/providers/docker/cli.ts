/**
 * Runs the `docker` CLI for the docker provider stand-in: argument arrays only (no shell),
 * a timeout on every call, optional stdin, and errors that carry docker's stderr.
 *
 * Secrets never go into `args`: callers pass upload contents through `input`
 * (stdin) and container environments through an env-file (see container.ts).
 */
import { run } from "../../../scripts/lib/process";

export const DEFAULT_DOCKER_TIMEOUT_MS = 60_000;

/**
 * The engine the real provider talks to: its `host` setting, else DOCKER_HOST,
 * else the default socket (kreuzwerker provider.go: DefaultFunc
 * EnvDefaultFunc("DOCKER_HOST", "unix:///var/run/docker.sock")). It never
 * follows `docker context use`, so neither does the stand-in's docker CLI.
 */
export function engineHost(): string {
  const host = process.env.DOCKER_HOST;
  return host !== undefined && host !== "" ? host : "unix:///var/run/docker.sock";
}

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

export async function runDocker(args: readonly string[], options: DockerRunOptions = {}): Promise<DockerResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCKER_TIMEOUT_MS;
  let result;
  try {
    result = await run("docker", args, { timeoutMs, input: options.input ?? "", env: { ...process.env, DOCKER_HOST: engineHost() } });
  } catch (error) {
    throw new DockerError(args, null, "", `${describe(args)}: ${(error as Error).message}`);
  }
  if (result.timedOut) {
    throw new DockerError(args, result.code, result.stderr, `${describe(args)} timed out after ${Math.round(timeoutMs / 1000)} s`);
  }
  if (result.code !== 0) {
    throw new DockerError(args, result.code, result.stderr, `${describe(args)} failed (exit ${result.code ?? result.signal ?? "?"}): ${result.stderr.trim()}`);
  }
  return { stdout: result.stdout, stderr: result.stderr };
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
