/**
 * The order of a bench run: deployments and measurements, each bounded.
 * Everything created is registered in `cleanups` before it exists.
 */
import { measureCatchUp, type CatchUpResult } from "./catchup";
import { measureEngineFloor, removeEngineFloor } from "./engine-floor";
import { measureFloor, removeFloor, type FloorSample } from "./floor";
import { measureSelectOne, measureVisibility, type VisibilityRun } from "./latency";
import { pgbenchInit, pgbenchRun, type PgbenchResult, type PgbenchTarget } from "./pgbench";
import { ENGINE_FLOOR_ROLE, primaryPortFor, stackFor, type Plan } from "./plan";
import { throwIfAborted } from "./proc";
import type { DeploymentRecord, LatencyFigures, LatencyRound, Measurements, ModeLatency, ReadyRound, ReadySample, ThroughputRound } from "./result";
import { deploy, teardown, warmUp, type DeployContext, type Deployment, type DeploySpec, type ReplicationMode } from "./deploy";
import { percentilePoints, type Summary } from "./stats";
import { standbysText } from "./table";

export interface MeasureContext extends DeployContext {
  readonly plan: Plan;
  /** The image of the floor and of every deployment (the program's `image`). */
  readonly image: string;
}

type Measured = Omit<Measurements, "startedAt" | "machine">;

function figures(run: VisibilityRun): LatencyFigures {
  return {
    sent: run.sent, seen: run.seen, missing: run.missing, achievedHz: run.achievedHz,
    visibilityMs: run.visibility, commitMs: run.commit, percentiles: percentilePoints(run.samples),
  };
}

const ms = (v: number): string => `${(v / 1000).toFixed(1)} s`;

async function deployRecorded(spec: DeploySpec, ctx: MeasureContext, records: DeploymentRecord[]): Promise<Deployment> {
  throwIfAborted(ctx.signal);
  ctx.log(`pulumi up ${spec.stack}: ${standbysText(spec.replicas)}, ${spec.mode}`);
  const dep = await deploy(spec, ctx);
  records.push({ stack: spec.stack, replicas: spec.replicas, mode: spec.mode, upMs: dep.upMs, readyMs: dep.readyMs, verifyAttempts: dep.verifyAttempts });
  ctx.log(`  ${spec.stack} up in ${ms(dep.upMs)}, verify passed at ${ms(dep.readyMs)} (attempt ${dep.verifyAttempts})`);
  return dep;
}

async function teardownQuietly(dep: Deployment, ctx: MeasureContext): Promise<void> {
  // A failed teardown stays registered in cleanups and is tried again at the end.
  await teardown(dep, ctx).catch((error: unknown) => ctx.log(`  teardown of ${dep.spec.stack} failed: ${error instanceof Error ? error.message : String(error)}`));
}

function spec(ctx: MeasureContext, stack: string, replicas: number, mode: ReplicationMode, primaryPort: number): DeploySpec {
  return { stack, replicas, mode, primaryPort, image: ctx.image };
}

/** A fresh cluster: `up` until verify passes, then a measured `destroy`. */
async function readySample(ctx: MeasureContext, records: DeploymentRecord[], replicas: 1 | 3): Promise<ReadySample> {
  const role = replicas === 1 ? "ready-1" : "ready-3";
  throwIfAborted(ctx.signal);
  const s = spec(ctx, stackFor(ctx.plan, role), replicas, "async", primaryPortFor(ctx.plan, role));
  ctx.log(`pulumi up ${s.stack}: ${standbysText(replicas)}, async`);
  const dep = await deploy(s, ctx);
  records.push({ stack: s.stack, replicas, mode: s.mode, upMs: dep.upMs, readyMs: dep.readyMs, verifyAttempts: dep.verifyAttempts });
  ctx.log(`  ${s.stack} up in ${ms(dep.upMs)}, verify passed at ${ms(dep.readyMs)} (attempt ${dep.verifyAttempts}): ${dep.phases.map((p) => `${p.name} ${ms(p.ms)}`).join(", ")}`);
  const destroy = await teardown(dep, ctx, true);
  if (destroy === undefined) throw new Error("internal: the destroy of a time-to-ready deployment was not measured");
  ctx.log(`  pulumi destroy ${s.stack}: ${ms(destroy.destroyMs)}`);
  return { upMs: dep.upMs, readyMs: dep.readyMs, verifyAttempts: dep.verifyAttempts, phases: dep.phases, destroy };
}

/** Plain docker to the first row seen on `standbys` standbys, then its stop and removal. */
async function dockerFloor(ctx: MeasureContext, round: number, standbys: 1 | 3): Promise<FloorSample> {
  const what = standbysText(standbys);
  ctx.log(`time to ready, round ${round} of ${ctx.plan.repeats}: docker floor, ${what}`);
  ctx.cleanups.add(`floor containers (${ctx.plan.mode})`, async () => {
    await removeFloor(ctx.plan.mode);
  });
  const sample = await measureFloor(ctx.image, ctx.plan.mode, standbys, { signal: ctx.signal });
  ctx.cleanups.forget(`floor containers (${ctx.plan.mode})`);
  ctx.log(`  docker floor, ${what}: row seen on every standby after ${ms(sample.totalMs)} (primary ready at ${ms(sample.primaryReadyMs)}); stop and removal ${ms(sample.destroyMs)}`);
  return sample;
}

/** Rounds of: docker floors (1, 3 standbys), engine floor, 1 standby, 3 standbys; interleaved so drift on the host touches all alike. */
async function timeToReady(ctx: MeasureContext, records: DeploymentRecord[]): Promise<ReadyRound[]> {
  const rounds: ReadyRound[] = [];
  const engineStack = stackFor(ctx.plan, ENGINE_FLOOR_ROLE);
  ctx.log("warm-up, not measured: pulumi preview of the program, and one engine floor");
  await warmUp(spec(ctx, stackFor(ctx.plan, "ready-1"), 1, "async", primaryPortFor(ctx.plan, "ready-1")), ctx);
  await measureEngineFloor(engineStack, ctx.image, ctx.signal);
  for (let i = 1; i <= ctx.plan.repeats; i++) {
    const dockerFloor1 = await dockerFloor(ctx, i, 1);
    const dockerFloor3 = await dockerFloor(ctx, i, 3);
    ctx.cleanups.add(`engine floor stack ${engineStack}`, async () => {
      const problem = await removeEngineFloor(engineStack);
      if (problem !== undefined) throw new Error(problem);
    });
    const engineFloor = await measureEngineFloor(engineStack, ctx.image, ctx.signal);
    ctx.cleanups.forget(`engine floor stack ${engineStack}`);
    ctx.log(`  engine floor: pulumi up ${ms(engineFloor.upMs)}, pulumi destroy ${ms(engineFloor.destroyMs)}`);
    const standbys1 = await readySample(ctx, records, 1);
    const standbys3 = await readySample(ctx, records, 3);
    rounds.push({ dockerFloor1, dockerFloor3, engineFloor, standbys1, standbys3 });
  }
  return rounds;
}

function target(d: Deployment): PgbenchTarget {
  return { container: d.outputs.primaryContainerName, superuser: d.outputs.superuser, database: d.outputs.database };
}


async function visibility(ctx: MeasureContext, d: Deployment, label: string, floor: boolean, synchronousCommit?: string): Promise<LatencyFigures> {
  const l = ctx.plan.latency;
  ctx.log(`  visibility latency, ${label}${floor ? ", floor (reading ids the standby answers at once)" : ""}: ${l.rateHz} commits/s for ${l.durationMs / 1000} s`);
  const run = await measureVisibility(d.outputs.primaryConnectionString, d.outputs.replicaConnectionStrings[0], { ...l, signal: ctx.signal }, { synchronousCommit, floor });
  ctx.log(`    p50 ${run.visibility.p50.toFixed(2)} ms, p99 ${run.visibility.p99.toFixed(2)} ms, max ${run.visibility.max.toFixed(2)} ms; ${run.missing} missing`);
  return figures(run);
}

/** A mode's floor and its visibility latency, one after the other on the same deployment. */
async function latency(ctx: MeasureContext, d: Deployment, label: string, synchronousCommit?: string): Promise<ModeLatency> {
  const floor = await visibility(ctx, d, label, true, synchronousCommit);
  return { floor, visible: await visibility(ctx, d, label, false, synchronousCommit) };
}

async function selectOne(ctx: MeasureContext, d: Deployment): Promise<Summary> {
  const s = await measureSelectOne(d.outputs.replicaConnectionStrings[0], ctx.plan.selectOneCount, ctx.signal);
  ctx.log(`  SELECT 1 back to back on the standby: p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`);
  return s;
}

async function pgbench(ctx: MeasureContext, d: Deployment, label: string, synchronousCommit?: string): Promise<PgbenchResult> {
  const p = ctx.plan.pgbench;
  ctx.log(`  pgbench, ${label}: ${p.clients} clients for ${p.durationS} s`);
  const r = await pgbenchRun(target(d), { clients: p.clients, threads: p.threads, durationS: p.durationS, synchronousCommit, signal: ctx.signal });
  ctx.log(`    ${r.tps.toFixed(0)} tps, latency average ${r.latencyAvgMs.toFixed(2)} ms`);
  return r;
}

async function catchUp(ctx: MeasureContext, d: Deployment, synchronousCommit?: string): Promise<CatchUpResult> {
  ctx.log(`  catch-up: standby stopped while ${ctx.plan.catchUpMb} MB of WAL are written`);
  const r = await measureCatchUp({
    primaryDsn: d.outputs.primaryConnectionString,
    standbyDsn: d.outputs.replicaConnectionStrings[0],
    standbyContainer: d.outputs.replicas[0].containerName,
  }, { backlogMb: ctx.plan.catchUpMb, synchronousCommit, signal: ctx.signal });
  ctx.log(`    written in ${ms(r.writeMs)}, replayed ${ms(r.catchUpMs)} after start (restart alone: ${ms(r.restartMs)})`);
  return r;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal: ${what} was not measured`);
  return value;
}

/** Where each mode's commits go, and the session override that makes a commit wait as that mode does. */
interface ModeTargets {
  readonly async: Deployment;
  readonly remoteWrite: Deployment;
  readonly remoteApply: Deployment;
  readonly overrides: { readonly async?: string; readonly remoteWrite?: string; readonly remoteApply?: string };
}

/** One round of every replication measurement, each mode after the other: latency, throughput, catch-up. */
async function modeRound(ctx: MeasureContext, t: ModeTargets): Promise<{ latency: LatencyRound; throughput: ThroughputRound; catchUp: CatchUpResult }> {
  const o = t.overrides;
  const asyncLabel = o.async === undefined ? "async" : `async (synchronous_commit=${o.async})`;
  const latencyRound = {
    async: await latency(ctx, t.async, asyncLabel, o.async),
    remoteApply: await latency(ctx, t.remoteApply, "remote_apply", o.remoteApply),
  };
  const throughput = {
    async: await pgbench(ctx, t.async, asyncLabel, o.async),
    remoteWrite: await pgbench(ctx, t.remoteWrite, "remote_write", o.remoteWrite),
    remoteApply: await pgbench(ctx, t.remoteApply, "remote_apply", o.remoteApply),
  };
  return { latency: latencyRound, throughput, catchUp: await catchUp(ctx, t.async, o.async) };
}

export async function measureAll(ctx: MeasureContext): Promise<Measured> {
  const records: DeploymentRecord[] = [];
  const readyRounds = await timeToReady(ctx, records);
  const deployments: Deployment[] = [];
  const latencyRounds: LatencyRound[] = [];
  const throughputRounds: ThroughputRound[] = [];
  const catchUpRounds: CatchUpResult[] = [];
  let selectOneMs: Summary | undefined;
  try {
    let targets: ModeTargets;
    if (ctx.plan.switchMethod === "redeploy") {
      // All three stay up through every round, so each round measures every mode under the same conditions.
      const roles = ["async", "remote_write", "remote_apply"] as const;
      for (const role of roles) deployments.push(await deployRecorded(spec(ctx, stackFor(ctx.plan, role), 1, role, primaryPortFor(ctx.plan, role)), ctx, records));
      targets = { async: deployments[0], remoteWrite: deployments[1], remoteApply: deployments[2], overrides: {} };
    } else {
      // One synchronous deployment; `local` makes a session's commits wait for no standby, i.e. async.
      deployments.push(await deployRecorded(spec(ctx, stackFor(ctx.plan, "session"), 1, "remote_apply", primaryPortFor(ctx.plan, "session")), ctx, records));
      const d = deployments[0];
      targets = { async: d, remoteWrite: d, remoteApply: d, overrides: { async: "local", remoteWrite: "remote_write", remoteApply: "remote_apply" } };
    }
    for (const d of new Set(deployments)) await pgbenchInit(target(d), ctx.plan.pgbench.scale, ctx.signal);
    selectOneMs = await selectOne(ctx, targets.async);
    for (let i = 1; i <= ctx.plan.repeats; i++) {
      ctx.log(`replication modes, round ${i} of ${ctx.plan.repeats}`);
      const r = await modeRound(ctx, targets);
      latencyRounds.push(r.latency);
      throughputRounds.push(r.throughput);
      catchUpRounds.push(r.catchUp);
    }
  } finally {
    for (const d of deployments) await teardownQuietly(d, ctx);
  }

  return {
    tool: "pg-replication bench",
    version: 3,
    mode: ctx.plan.mode,
    plan: ctx.plan,
    deployments: records,
    timeToReady: { rounds: readyRounds },
    latency: { switchMethod: ctx.plan.switchMethod, rounds: latencyRounds, selectOneMs: required(selectOneMs, "SELECT 1") },
    throughput: { switchMethod: ctx.plan.switchMethod, rounds: throughputRounds },
    catchUp: { rounds: catchUpRounds },
  };
}
