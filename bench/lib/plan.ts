/**
 * What a bench run does, for a full run and for `--quick`. Pure.
 *
 * A full run repeats every measurement `repeats` times, interleaved across
 * the things compared (floor, 1 standby, 3 standbys, floor, ...; async,
 * remote_apply, async, ...), so that drift on a shared machine touches all
 * of them alike; the table gives medians and spreads. Its sizes keep it
 * around ten minutes on a 2-core machine. The quick run does each
 * measurement once, small (seconds each), so a smoke test exercises every
 * code path.
 */
import type { ReplicationMode } from "./deploy";

export type RunMode = "full" | "quick";

/**
 * How the synchronous modes are reached. `redeploy`: one deployment per
 * mode, its stack configured with `syncMode=first` and `synchronousCommit=...`, so the
 * figures are those of the real configuration. `session`: one deployment
 * with `syncMode=first synchronousCommit=remote_apply`, and each session sets
 * its own synchronous_commit (`local` is async: it waits for no standby).
 * ALTER SYSTEM would not do: the program passes its settings as `postgres -c`
 * arguments, which take precedence over postgresql.auto.conf.
 */
export type SwitchMethod = "redeploy" | "session";

export interface Plan {
  readonly mode: RunMode;
  /** Rounds of every measurement; each round measures every configuration compared once. */
  readonly repeats: number;
  readonly latency: {
    readonly rateHz: number;
    readonly durationMs: number;
    readonly warmupMs: number;
    readonly writers: number;
    readonly pendingTimeoutMs: number;
  };
  readonly selectOneCount: number;
  readonly pgbench: { readonly clients: number; readonly threads: number; readonly durationS: number; readonly scale: number };
  readonly catchUpMb: number;
  readonly switchMethod: SwitchMethod;
  /**
   * Primary host port of the time-to-ready deployments (standbys take the
   * next three); the replication modes' deployments, alive at the same time,
   * take `primaryPort + 10`, `+ 20`, `+ 30`. Full and quick differ so both can
   * run at once.
   */
  readonly primaryPort: number;
  /** Stack names start with this (`bench-` or `bench-quick-`). */
  readonly stackPrefix: string;
  /** Safety stop far above the expected run time: the run is aborted (and cleaned up) past it. */
  readonly boundMs: number;
}

export function planFor(mode: RunMode): Plan {
  if (mode === "quick") {
    return {
      mode,
      repeats: 1,
      latency: { rateHz: 200, durationMs: 2_000, warmupMs: 300, writers: 4, pendingTimeoutMs: 5_000 },
      selectOneCount: 200,
      pgbench: { clients: 2, threads: 2, durationS: 2, scale: 2 },
      catchUpMb: 16,
      switchMethod: "session",
      primaryPort: 28450,
      stackPrefix: "bench-quick-",
      boundMs: 5 * 60_000,
    };
  }
  return {
    mode,
    repeats: 3,
    latency: { rateHz: 200, durationMs: 10_000, warmupMs: 1_000, writers: 4, pendingTimeoutMs: 10_000 },
    selectOneCount: 2_000,
    pgbench: { clients: 4, threads: 2, durationS: 10, scale: 4 },
    catchUpMb: 256,
    switchMethod: "redeploy",
    primaryPort: 28400,
    stackPrefix: "bench-",
    boundMs: 30 * 60_000,
  };
}

type StackRole = ReplicationMode | "session" | "ready-1" | "ready-3";
const ROLES: readonly StackRole[] = ["ready-1", "ready-3", "async", "remote_write", "remote_apply", "session"];
/** The engine floor's stack, in its own project (bench/engine-floor). */
export const ENGINE_FLOOR_ROLE = "engine-floor";

/** The host port of a deployment's primary: the time-to-ready stacks share the first range, each mode has its own. Pure. */
export function primaryPortFor(plan: Plan, role: StackRole): number {
  const offsets: Readonly<Record<StackRole, number>> = { "ready-1": 0, "ready-3": 0, async: 10, session: 10, remote_write: 20, remote_apply: 30 };
  return plan.primaryPort + offsets[role];
}

/** The stack of one deployment of a plan: `bench-remote-apply`, `bench-quick-ready-3`, ... */
export function stackFor(plan: Plan, role: StackRole | typeof ENGINE_FLOOR_ROLE): string {
  return `${plan.stackPrefix}${role.replace("_", "-")}`;
}

/** Every stack a plan may deploy, so leftovers of a killed run can be swept before starting. */
export function stacksOf(plan: Plan): string[] {
  return ROLES.map((role) => stackFor(plan, role));
}
