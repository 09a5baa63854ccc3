/**
 * The executor's record of what it created, on disk, so that a separate
 * process (`npm run sandbox -- down`) can tear it down. Written after every
 * create and every delete, atomically (temp file + rename), mode 0600: it holds
 * secrets (a Command's environment and stdin are needed again for its delete).
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { ResourceRecord } from "./resources/types";

export const STATE_FILE = "state.json";
export const OUTPUTS_FILE = "outputs.json";

export type StackStatus = "creating" | "deployed" | "failed" | "destroying";

export interface StateFile {
  readonly version: 1;
  readonly project: string;
  readonly stack: string;
  readonly program: string;
  readonly status: StackStatus;
  readonly updatedAt: string;
  /** In creation order; teardown goes in reverse. */
  readonly resources: readonly ResourceRecord[];
}

export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Writes JSON atomically with mode 0600. */
export async function writePrivateJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export async function readState(dir: string): Promise<StateFile | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as StateFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.resources)) {
    throw new Error(`${join(dir, STATE_FILE)} is not a state file of this executor`);
  }
  return parsed;
}

export async function removeStateFiles(dir: string): Promise<void> {
  await rm(join(dir, STATE_FILE), { force: true });
  await rm(join(dir, OUTPUTS_FILE), { force: true });
}

/**
 * Serializes writes of one state file: each write stores the latest snapshot,
 * and concurrent creates (unrelated resources register concurrently) cannot
 * interleave their writes.
 */
export class StateWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {}

  write(state: StateFile): Promise<void> {
    const next = this.chain.then(() => writePrivateJson(join(this.dir, STATE_FILE), state));
    // A failed write must not block later ones; the caller still sees this one's error.
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Resolves when every write issued so far has finished. */
  flush(): Promise<void> {
    return this.chain;
  }
}
