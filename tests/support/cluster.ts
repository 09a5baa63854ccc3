/**
 * One deployed test cluster: removes the leftovers of earlier runs by label,
 * deploys the real program with the sandbox, exposes its outputs, and tears
 * everything down again (sandbox `down`, then the label cleanup), even after
 * a failed assertion.
 */
import type { ClusterOutputs, ReplicaOutput } from "../../components/outputs";
import { describeLeftovers, isEmpty, leftoversOf, removeStackLeftovers } from "./docker";
import type { RunResult } from "./process";
import { currentLsn, waitReplayed } from "./replication";
import { outputsFile, readOutputs, sandboxDownQuietly, sandboxUpOrThrow, stateDirFor } from "./sandbox";

/** An image to deploy instead of the sandbox's default (postgres:17, or the offline build when that is absent). */
const TEST_IMAGE = process.env.PG_REPLICATION_TEST_IMAGE;

/** Makes a stack's name space empty: an earlier run's state dir and anything labelled with the stack. */
export async function cleanStack(stack: string): Promise<void> {
  await sandboxDownQuietly(stack, stateDirFor(stack));
  await removeStackLeftovers(stack);
}

export class TestCluster {
  private constructor(
    readonly stack: string,
    readonly stateDir: string,
    readonly outputs: ClusterOutputs,
    /** The `up` run: its stdout and stderr are checked for secrets. */
    readonly up: RunResult,
  ) {}

  /** Deploys `stack` with the given config. */
  static async deploy(stack: string, config: Readonly<Record<string, string>>): Promise<TestCluster> {
    await cleanStack(stack);
    const stateDir = stateDirFor(stack);
    const up = await sandboxUpOrThrow(stack, stateDir, { ...(TEST_IMAGE !== undefined ? { image: TEST_IMAGE } : {}), ...config });
    return new TestCluster(stack, stateDir, await readOutputs(stateDir), up);
  }

  get outputsFile(): string {
    return outputsFile(this.stateDir);
  }

  get primaryDsn(): string {
    return this.outputs.primaryConnectionString;
  }

  get primaryContainer(): string {
    return this.outputs.primaryContainerName;
  }

  replica(n: number): ReplicaOutput {
    const r = this.outputs.replicas.find((x) => x.index === n);
    if (r === undefined) throw new Error(`stack ${this.stack} has no standby ${n}`);
    return r;
  }

  replicaDsn(n: number): string {
    const dsn = this.outputs.replicaConnectionStrings[n - 1];
    if (dsn === undefined) throw new Error(`stack ${this.stack} has no connection string for standby ${n}`);
    return dsn;
  }

  /** [label, dsn] of every node, primary first: labels as in the summary lines. */
  nodes(): [string, string][] {
    return [["primary", this.primaryDsn], ...this.outputs.replicas.map((r): [string, string] => [r.slot, this.replicaDsn(r.index)])];
  }

  /**
   * Waits until each standby (all of them unless named) streams and has
   * replayed everything the primary has written so far: the point at which
   * every acknowledged row must be on every node.
   */
  async waitCaughtUp(timeoutMs: number, standbys: readonly ReplicaOutput[] = this.outputs.replicas): Promise<void> {
    const lsn = await currentLsn(this.primaryDsn);
    for (const r of standbys) await waitReplayed(this.primaryDsn, r.applicationName, lsn, timeoutMs);
  }
}

/** Teardown for `after` hooks: sandbox down, label cleanup, and an error if anything is left. */
export async function destroyStack(stack: string): Promise<void> {
  await cleanStack(stack);
  const left = await leftoversOf(stack);
  if (!isEmpty(left)) throw new Error(`stack ${stack} left ${describeLeftovers(left)}`);
}
