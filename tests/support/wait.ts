import { AssertionError } from "node:assert";

/** Bounded waiting: every loop in the integration tests ends, with a message saying what never happened. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than undefined, and returns
 * that. A probe that throws counts as "not yet"; its last error is reported
 * if the time runs out. An assertion that fails inside a probe is a verdict,
 * not "not yet": it ends the wait at once.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 200;
  let last = "";
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      last = "";
    } catch (error) {
      if (error instanceof AssertionError) throw error;
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${(options.timeoutMs / 1000).toFixed(0)} s waiting for ${what}${last !== "" ? ` (last error: ${last})` : ""}`);
    }
    await sleep(interval);
  }
}

/** Seconds with one decimal, for summary lines. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
