/**
 * Shared by the operator tools' integration tests (tools-*.test.ts): a
 * sandbox stack of the real program on the local Docker engine, and the
 * tools run as users run them, as child processes with bounded waits.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "pg";
import type { ClusterOutputs } from "../../components/outputs";

export const ROOT = resolve(__dirname, "..", "..");

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command in the repository root; kills it (and fails the result) after `timeoutMs`. */
export function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((done, reject) => {
    const started = Date.now();
    const child = spawn(cmd, [...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** `npm run <tool> -- args`, minus npm's banner: the tool's entry file under tsx. */
export function tool(name: "verify" | "status" | "promote", args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return run(process.execPath, ["--import", "tsx", join("scripts", `${name}.ts`), ...args], timeoutMs);
}

export function docker(args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return run("docker", args, timeoutMs);
}

export interface Sandbox {
  readonly stack: string;
  readonly dir: string;
  readonly outputsFile: string;
  readonly outputs: ClusterOutputs;
  /** Writes a variant of the outputs (for fault cases) and returns its path. */
  variant(name: string, edit: (o: Record<string, unknown>) => void): Promise<string>;
  down(): Promise<void>;
}

function sandboxCli(args: readonly string[]): Promise<Run> {
  return run(process.execPath, ["--import", "tsx", join("tests", "executor", "sandbox.ts"), ...args], 240_000);
}

/**
 * `sandbox up` for a stack of this test file, after removing what an earlier
 * run of it may have left (by label, through `down`). Call `down()` in an
 * `after` hook: it runs even when a test fails.
 */
export async function sandboxUp(stack: string, settings: Readonly<Record<string, string | number>>): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), `${stack}-`));
  const base = ["--stack", stack, "--state-dir", dir];
  await sandboxCli(["down", ...base]);
  const sets = Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`]);
  const up = await sandboxCli(["up", ...base, ...sets]);
  const outputsFile = join(dir, "outputs.json");
  const down = async (): Promise<void> => {
    await sandboxCli(["down", ...base]);
    await rm(dir, { recursive: true, force: true });
  };
  if (up.code !== 0) {
    await down();
    throw new Error(`sandbox up failed (${up.code}):\n${up.stdout}\n${up.stderr}`);
  }
  const text = await readFile(outputsFile, "utf8");
  const outputs = JSON.parse(text) as ClusterOutputs;
  return {
    stack,
    dir,
    outputsFile,
    outputs,
    down,
    async variant(name, edit) {
      const o = JSON.parse(text) as Record<string, unknown>;
      edit(o);
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(o, null, 2), { mode: 0o600 });
      return file;
    },
  };
}

/** A connection to a node by its DSN from the outputs (tests only; the tools have their own). */
export async function connect(dsn: string): Promise<Client> {
  const c = new Client({ connectionString: dsn, connectionTimeoutMillis: 5000, statement_timeout: 10_000 });
  c.on("error", () => undefined);
  await c.connect();
  return c;
}

export async function query<T>(dsn: string, sql: string): Promise<T[]> {
  const c = await connect(dsn);
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The checks of a verify --json report, as "node/name" -> status. */
export interface VerifyJson {
  readonly ok: boolean;
  readonly verdict: string;
  readonly exitCode: number;
  readonly topology: { readonly declaredPrimary: string; readonly writable: string[] };
  readonly checks: {
    readonly node: string;
    readonly name: string;
    readonly ok: boolean;
    readonly status: string;
    readonly detail: string;
    readonly hint: string | null;
    readonly figures: Record<string, number | string | boolean | null>;
  }[];
}

/** Parses the check lines of verify's human report into "node/name" -> mark. */
export function reportMarks(text: string): Map<string, string> {
  const marks = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([✓✗!-]) (\S+)\s{2,}(.+?)\s{2,}/.exec(line);
    if (m !== null) marks.set(`${m[2]}/${m[3]}`, m[1]);
  }
  return marks;
}
