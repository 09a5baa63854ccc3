/**
 * The order of a bench run: deployments and measurements, each bounded.
 * Everything created is registered in `cleanups` before it exists.
 */
import { measureCatchUp, type CatchUpResult } from "./catchup";
import { measureFloor, removeFloor, type FloorSample } from "./floor";
import { measureSelectOne, measureVisibility, type VisibilityRun } from "./latency";
import { pgbenchInit, pgbenchRun, type PgbenchResult, type PgbenchTarget } from "./pgbench";
import { stackFor, type Plan } from "./plan";
import { throwIfAborted } from "./proc";
import type { DeploymentRecord, LatencyFigures, Measurements, ModeLatency } from "./result";
import { deploy, teardown, type DeployContext, type Deployment, type DeploySpec, type ReplicationMode } from "./deploy";
import { percentilePoints, type Summary } from "./stats";

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

async function withDeployment<T>(spec: DeploySpec, ctx: MeasureContext, records: DeploymentRecord[], use: (d: Deployment) => Promise<T>): Promise<T> {
  throwIfAborted(ctx.signal);
  ctx.log(`pulumi up ${spec.stack}: ${spec.replicas} standby${spec.replicas > 1 ? "s" : ""}, ${spec.mode}`);
  const dep = await deploy(spec, ctx);
  records.push({ stack: spec.stack, replicas: spec.replicas, mode: spec.mode, upMs: dep.upMs, readyMs: dep.readyMs, verifyAttempts: dep.verifyAttempts });
  ctx.log(`  ${spec.stack} up in ${ms(dep.upMs)}, verify passed at ${ms(dep.readyMs)} (attempt ${dep.verifyAttempts})`);
  try {
    return await use(dep);
  } finally {
    // A failed teardown stays registered in cleanups and is tried again at the end.
    await teardown(dep, ctx).catch((error: unknown) => ctx.log(`  teardown of ${spec.stack} failed: ${error instanceof Error ? error.message : String(error)}`));
  }
}

function spec(ctx: MeasureContext, stack: string, replicas: number, mode: ReplicationMode): DeploySpec {
  return { stack, replicas, mode, primaryPort: ctx.plan.primaryPort, image: ctx.image };
}

/** Floor, 1 standby, 3 standbys, repeated and interleaved so drift on the host touches all three alike. */
async function timeToReady(ctx: MeasureContext, records: DeploymentRecord[]): Promise<Measured["timeToReady"]> {
  const floorMs: FloorSample[] = [];
  const standbys1Ms: number[] = [];
  const standbys3Ms: number[] = [];
  for (let i = 1; i <= ctx.plan.readyRepeats; i++) {
    ctx.log(`time to ready, round ${i} of ${ctx.plan.readyRepeats}: floor`);
    ctx.cleanups.add(`floor containers (${ctx.plan.mode})`, async () => {
      await removeFloor(ctx.plan.mode);
    });
    const f = await measureFloor(ctx.image, ctx.plan.mode, { signal: ctx.signal });
    ctx.cleanups.forget(`floor containers (${ctx.plan.mode})`);
    floorMs.push(f);
    ctx.log(`  floor: row seen on the standby after ${ms(f.totalMs)} (primary ready at ${ms(f.primaryReadyMs)})`);
    for (const replicas of [1, 3]) {
      const ready = await withDeployment(spec(ctx, stackFor(ctx.plan, replicas === 1 ? "ready-1" : "ready-3"), replicas, "async"), ctx, records, async (d) => d.readyMs);
      (replicas === 1 ? standbys1Ms : standbys3Ms).push(ready);
    }
  }
  return { floorMs, standbys1Ms, standbys3Ms };
}

function target(d: Deployment): PgbenchTarget {
  return { container: d.outputs.primaryContainerName, superuser: d.outputs.superuser, database: d.outputs.database };
}

/** Filled in as the deployments go; `required` checks at the end that nothing was skipped. */
interface LatencyPart { selectOneMs?: Summary; async?: ModeLatency; remoteApply?: ModeLatency }

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

async function pgbench(ctx: MeasureContext, d: Deployment, label: string, init: boolean, synchronousCommit?: string): Promise<PgbenchResult> {
  const p = ctx.plan.pgbench;
  if (init) await pgbenchInit(target(d), p.scale, ctx.signal);
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

export async function measureAll(ctx: MeasureContext): Promise<Measured> {
  const records: DeploymentRecord[] = [];
  const ready = await timeToReady(ctx, records);
  const part: LatencyPart = {};
  const tps: Partial<Record<ReplicationMode, PgbenchResult>> = {};
  let caught: CatchUpResult | undefined;

  if (ctx.plan.switchMethod === "redeploy") {
    await withDeployment(spec(ctx, stackFor(ctx.plan, "async"), 1, "async"), ctx, records, async (d) => {
      part.selectOneMs = await selectOne(ctx, d);
      part.async = await latency(ctx, d, "async");
      tps.async = await pgbench(ctx, d, "async", true);
      caught = await catchUp(ctx, d);
    });
    await withDeployment(spec(ctx, stackFor(ctx.plan, "remote_write"), 1, "remote_write"), ctx, records, async (d) => {
      tps.remote_write = await pgbench(ctx, d, "remote_write", true);
    });
    await withDeployment(spec(ctx, stackFor(ctx.plan, "remote_apply"), 1, "remote_apply"), ctx, records, async (d) => {
      part.remoteApply = await latency(ctx, d, "remote_apply");
      tps.remote_apply = await pgbench(ctx, d, "remote_apply", true);
    });
  } else {
    // One synchronous deployment; `local` makes a session's commits wait for no standby, i.e. async.
    await withDeployment(spec(ctx, stackFor(ctx.plan, "session"), 1, "remote_apply"), ctx, records, async (d) => {
      part.selectOneMs = await selectOne(ctx, d);
      part.async = await latency(ctx, d, "async (synchronous_commit=local)", "local");
      part.remoteApply = await latency(ctx, d, "remote_apply", "remote_apply");
      tps.async = await pgbench(ctx, d, "async (synchronous_commit=local)", true, "local");
      tps.remote_write = await pgbench(ctx, d, "remote_write", false, "remote_write");
      tps.remote_apply = await pgbench(ctx, d, "remote_apply", false, "remote_apply");
      caught = await catchUp(ctx, d, "local");
    });
  }

  return {
    tool: "pg-replication bench",
    version: 1,
    mode: ctx.plan.mode,
    plan: ctx.plan,
    deployments: records,
    timeToReady: ready,
    latency: {
      switchMethod: ctx.plan.switchMethod,
      async: required(part.async, "async latency"),
      remoteApply: required(part.remoteApply, "remote_apply latency"),
      selectOneMs: required(part.selectOneMs, "SELECT 1"),
    },
    throughput: {
      switchMethod: ctx.plan.switchMethod,
      async: required(tps.async, "async pgbench"),
      remoteWrite: required(tps.remote_write, "remote_write pgbench"),
      remoteApply: required(tps.remote_apply, "remote_apply pgbench"),
    },
    catchUp: required(caught, "catch-up"),
  };
}
