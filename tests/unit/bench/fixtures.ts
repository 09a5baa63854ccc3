/**
 * A realistic version-2 result of a full run (3 rounds of everything), and
 * builders for parts of one. The numbers are chosen so that every figure
 * derived from them is known exactly (see the comments).
 */
import { MB } from "../../../bench/lib/catchup";
import { DESTROY_PHASES, UP_PHASES, type Phase } from "../../../bench/lib/events";
import type { PgbenchResult } from "../../../bench/lib/pgbench";
import { planFor } from "../../../bench/lib/plan";
import type { LatencyFigures, LatencyRound, Measurements, ReadyRound, ReadySample, ThroughputRound } from "../../../bench/lib/result";
import { percentilePoints, summarize } from "../../../bench/lib/stats";

/** Phases named `names`, in order, with these durations. */
export function phasesOf(names: readonly string[], ms: readonly number[]): Phase[] {
  if (names.length !== ms.length) throw new Error(`fixture: ${names.length} names for ${ms.length} durations`);
  return names.map((name, i) => ({ name, ms: ms[i] }));
}

/** A fresh cluster whose time to ready is the sum of its up phases, and whose destroy is the sum of its destroy phases. */
export function readySample(up: readonly number[], destroy: readonly number[]): ReadySample {
  const readyMs = up.reduce((a, b) => a + b, 0);
  return {
    upMs: readyMs - up[up.length - 1],
    readyMs,
    verifyAttempts: 1,
    phases: phasesOf(UP_PHASES, up),
    destroy: { destroyMs: destroy.reduce((a, b) => a + b, 0), phases: phasesOf(DESTROY_PHASES, destroy) },
  };
}

export interface FloorParts {
  readonly engineUp: number;
  readonly engineDestroy: number;
  readonly dockerPrimary: number;
  readonly dockerStandby: number;
  readonly dockerDestroy: number;
  /** The plain-docker floor with 3 standbys (its primary takes dockerPrimary too); 1 s and 0.5 s more than with 1 unless given. */
  readonly dockerStandby3?: number;
  readonly dockerDestroy3?: number;
}

export function readyRound(floor: FloorParts, standbys1: ReadySample, standbys3: ReadySample): ReadyRound {
  const dockerFloor = (standbys: number, standbyMs: number, destroyMs: number) => ({
    standbys, totalMs: floor.dockerPrimary + standbyMs, primaryReadyMs: floor.dockerPrimary, standbyMs, destroyMs,
  });
  return {
    dockerFloor1: dockerFloor(1, floor.dockerStandby, floor.dockerDestroy),
    dockerFloor3: dockerFloor(3, floor.dockerStandby3 ?? floor.dockerStandby + 1000, floor.dockerDestroy3 ?? floor.dockerDestroy + 500),
    engineFloor: { upMs: floor.engineUp, destroyMs: floor.engineDestroy },
    standbys1,
    standbys3,
  };
}

/*
 * Time to ready, 3 rounds.
 *   ready floor (engine up + docker total): 5000, 4500, 5500 ms   -> median 5 s, range 4.5-5.5
 *   the same with 3 standbys:               6000, 5500, 6500 ms   -> median 6 s (1.2x the floor with 1)
 *   destroy floor (engine + docker destroy): 2500, 2000, 2500 ms  -> median 2.5 s, range 2-2.5
 *   the same with 3 standbys:               3000, 2500, 3000 ms   -> median 3 s
 *   1 standby ready:  9000, 10000, 11000 ms  -> median 10 s; destroy 4000, 5000, 4500 -> 4.5 s
 *   3 standbys ready: 14000, 15000, 13000 ms -> median 14 s; destroy 5000, 6000, 5500 -> 5.5 s
 */
export const READY_ROUNDS: readonly ReadyRound[] = [
  readyRound(
    { engineUp: 2000, engineDestroy: 1500, dockerPrimary: 1500, dockerStandby: 1500, dockerDestroy: 1000, dockerStandby3: 2500, dockerDestroy3: 1500 },
    readySample([1500, 500, 2500, 800, 1500, 1200, 600, 400], [1000, 2000, 600, 400]),
    readySample([1500, 500, 2500, 800, 3500, 3000, 1200, 1000], [1000, 2800, 700, 500]),
  ),
  readyRound(
    { engineUp: 2500, engineDestroy: 1200, dockerPrimary: 1000, dockerStandby: 1000, dockerDestroy: 800, dockerStandby3: 2000, dockerDestroy3: 1300 },
    readySample([1600, 600, 2800, 900, 1700, 1300, 700, 400], [1200, 2500, 800, 500]),
    readySample([1600, 600, 2800, 900, 3900, 3100, 1100, 1000], [1200, 3400, 800, 600]),
  ),
  readyRound(
    { engineUp: 3000, engineDestroy: 1600, dockerPrimary: 1200, dockerStandby: 1300, dockerDestroy: 900, dockerStandby3: 2300, dockerDestroy3: 1400 },
    readySample([1700, 700, 3000, 1000, 1900, 1400, 800, 500], [1100, 2200, 700, 500]),
    readySample([1700, 700, 2600, 700, 3200, 2600, 900, 600], [1100, 3100, 800, 500]),
  ),
];

export function latencyFigures(visibility: readonly number[], commits: readonly number[]): LatencyFigures {
  return {
    sent: visibility.length, seen: visibility.length, missing: 0, achievedHz: 200,
    visibilityMs: summarize(visibility), commitMs: summarize(commits), percentiles: percentilePoints(visibility),
  };
}

/*
 * Latency, 3 rounds of 4 samples (so p95 = p99 = max, nearest rank).
 *   async: floor max 2, 2.5, 3 (median 2.5); visible max 8, 10, 9 (median 9); p50 0.4 against 0.9
 *   remote_apply: floor and visible max 2.5 in every round (ratio 1, inside the noise); p50 0.4 against 0.45
 *   commit p50: async 0.8, remote_apply 1.6; p99: 3 against 6
 */
const ASYNC_COMMITS = [0.7, 0.8, 1, 3];
const APPLY_COMMITS = [1.4, 1.6, 2, 6];
export const LATENCY_ROUNDS: readonly LatencyRound[] = [[2, 8], [2.5, 10], [3, 9]].map(([floorMax, visibleMax]) => ({
  async: { floor: latencyFigures([0.3, 0.4, 0.5, floorMax], ASYNC_COMMITS), visible: latencyFigures([0.6, 0.9, 1.2, visibleMax], ASYNC_COMMITS) },
  remoteApply: { floor: latencyFigures([0.3, 0.4, 0.5, 2.5], APPLY_COMMITS), visible: latencyFigures([0.35, 0.45, 0.6, 2.5], APPLY_COMMITS) },
}));

export const pgbench = (tps: number): PgbenchResult => ({ tps, latencyAvgMs: (4 / tps) * 1000, transactions: tps * 10, clients: 4, durationS: 10 });

/*
 * Throughput, 3 rounds: async 1000, 1100, 900 (median 1000); remote_write 800, 850, 760 (median 800);
 * remote_apply 700, 780, 690 (median 700). remote_write's 760-850 overlaps remote_apply's 690-780.
 */
export const THROUGHPUT_ROUNDS: readonly ThroughputRound[] = [[1000, 800, 700], [1100, 850, 780], [900, 760, 690]].map(([a, w, s]) => ({
  async: pgbench(a), remoteWrite: pgbench(w), remoteApply: pgbench(s),
}));

/*
 * Catch-up, 3 rounds of 256 MB: catch-up 2.5, 2, 3.2 s (median 2.5) against restarts of 0.5, 0.6, 0.4 s
 * (median 0.5); rate 102.4, 128, 80 MB/s (median 102.4) against writes at 128, 102.4, 160 MB/s (median 128).
 */
export const CATCH_UP_ROUNDS = [[2000, 500, 2500], [2500, 600, 2000], [1600, 400, 3200]].map(([writeMs, restartMs, catchUpMs]) => ({
  backlogBytes: 256 * MB, writeMs, restartMs, catchUpMs,
}));

export const sample: Measurements = {
  tool: "pg-replication bench",
  version: 3,
  mode: "full",
  startedAt: "2026-01-01T00:00:00.000Z",
  plan: planFor("full"),
  machine: {
    cpuModel: "Test CPU", cores: 2, memoryBytes: 8 * 1024 ** 3, kernel: "6.1", os: "#1", node: "v22", docker: "27.0",
    dockerStorageDriver: "overlay2", image: "postgres:17", imageId: "sha256:0123456789abcdef0123", postgres: "postgres (PostgreSQL) 17.2",
    pulumi: "v3.274.1", providers: "docker 5.2.0 (stand-in, tests/providers/), random 4.21.2 (stand-in, tests/providers/), command 1.2.1 (stand-in, tests/providers/)",
    pulumiHome: "/home/u/pg-replication/.pulumi-test/home",
    loadAverageAtStart: [0.1, 0.2, 0.3], otherContainersAtStart: 0,
  },
  deployments: [],
  timeToReady: { rounds: READY_ROUNDS },
  latency: { switchMethod: "redeploy", rounds: LATENCY_ROUNDS, selectOneMs: summarize([0.1, 0.2, 0.3]) },
  throughput: { switchMethod: "redeploy", rounds: THROUGHPUT_ROUNDS },
  catchUp: { rounds: CATCH_UP_ROUNDS },
};
