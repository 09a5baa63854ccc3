/**
 * terraform-plugin-sdk v2 `retry.StateChangeConf.WaitForStateContext`, which
 * the docker provider wraps around network Read and Delete and volume Delete
 * (resource_docker_network_funcs.go, resource_docker_volume.go): it sleeps
 * `Delay` before the first refresh (2 s there, so each of those calls takes at
 * least 2 s), then refreshes until a target state, waiting between refreshes
 * twice as long as before, at least `MinTimeout` and at most 10 s, and fails
 * once `Timeout` has passed.
 */
import { sleep } from "./cli";

export interface StateChangeConf {
  readonly pending: readonly string[];
  readonly target: readonly string[];
  /** Returns the current state; a thrown error ends the wait with that error. */
  readonly refresh: () => Promise<string>;
  readonly timeoutMs: number;
  readonly minTimeoutMs: number;
  readonly delayMs: number;
}

/** The docker provider's constants for network and volume Read/Delete: 30 s, 5 s, 2 s. */
export const DOCKER_STATE_CHANGE = { timeoutMs: 30_000, minTimeoutMs: 5_000, delayMs: 2_000 } as const;

export async function waitForState(conf: StateChangeConf): Promise<void> {
  const deadline = Date.now() + conf.timeoutMs;
  const timeout = (last: string): Error => new Error(
    `timeout while waiting for state to become '${conf.target.join(", ")}' (last state: '${last}', timeout: ${conf.timeoutMs / 1000}s)`);
  await sleep(conf.delayMs);
  let wait = 0;
  let last = "";
  for (;;) {
    if (Date.now() + wait >= deadline) throw timeout(last);
    await sleep(wait);
    if (wait === 0) wait = 100;
    last = await conf.refresh();
    if (conf.target.includes(last)) return;
    if (!conf.pending.includes(last)) throw new Error(`unexpected state '${last}', wanted target '${conf.target.join(", ")}'`);
    wait = Math.min(Math.max(wait * 2, conf.minTimeoutMs), 10_000);
  }
}
