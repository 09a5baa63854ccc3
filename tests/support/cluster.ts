/**
 * One deployed test cluster: removes what earlier runs of its stack left
 * (the stack in the test backend, then anything labelled with it), deploys
 * the real program with the real `pulumi up`, exposes its outputs, and tears
 * everything down again (`pulumi destroy`, `pulumi stack rm`, then the label
 * cleanup), even after a failed assertion.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { ClusterOutputs, ReplicaOutput } from "../../components/outputs";
import { describeLeftovers, docker, isEmpty, leftoversOf, removeStackLeftovers } from "./docker";
import type { RunResult } from "./process";
import { listStacks, PulumiStack, stackConfigFile, stackDir, type Config } from "./pulumi";
import { currentLsn, waitReplayed } from "./replication";

const OFFLINE_IMAGE = "pg-replication/postgres:17";

/** The image test clusters run: $PG_REPLICATION_TEST_IMAGE, else postgres:17 when present, else the offline build. */
export async function testImage(): Promise<string> {
  const chosen = process.env.PG_REPLICATION_TEST_IMAGE;
  if (chosen !== undefined && chosen !== "") return chosen;
  try {
    await docker(["image", "inspect", "--format", "{{.Id}}", "postgres:17"], 30_000);
    return "postgres:17";
  } catch {
    return OFFLINE_IMAGE;
  }
}

/** Makes a stack's name space empty: the stack in the test backend, its outputs file, and anything labelled with it. */
export async function cleanStack(stack: string): Promise<string | undefined> {
  const problem = await new PulumiStack(stack).removeQuietly();
  await rm(stackDir(stack), { recursive: true, force: true });
  // Left behind when the backend lost the stack; stale keys would carry into the next run's config.
  await rm(stackConfigFile(stack), { force: true });
  await removeStackLeftovers(stack);
  return problem;
}

export class TestCluster {
  private constructor(
    readonly pulumi: PulumiStack,
    /** The plain config the test set: the truth the outputs are checked against. */
    private config: Config,
    public outputs: ClusterOutputs,
    readonly outputsFile: string,
    /** The `up` run: its stdout and stderr are checked for secrets. */
    readonly up: RunResult,
  ) {}

  get stack(): string {
    return this.pulumi.stack;
  }

  /** Deploys `stack` with the given config (plain values; `secrets` go in as Pulumi secrets). */
  static async deploy(stack: string, config: Config, secrets: Config = {}): Promise<TestCluster> {
    await cleanStack(stack);
    const pulumi = new PulumiStack(stack);
    await pulumi.init();
    await pulumi.setConfig({ image: await testImage(), ...config }, secrets);
    const up = await pulumi.upOrThrow();
    const { outputs, file } = await pulumi.writeOutputs();
    return new TestCluster(pulumi, config, outputs, file, up);
  }

  /** Sets config on the stack (secrets as Pulumi secrets) and remembers the plain values. */
  async configure(config: Config, secrets: Config = {}): Promise<void> {
    await this.pulumi.setConfig(config, secrets);
    this.config = { ...this.config, ...config };
  }

  /**
   * The standbys the config asks for, 1..replicas. The durability checks go
   * over these, not over the outputs: outputs that dropped a standby must
   * fail a test, not shrink it.
   */
  expectedStandbys(): number[] {
    const count = Number(this.config.replicas ?? "1");
    return Array.from({ length: count }, (_, i) => i + 1);
  }

  /** The slot names the config implies, replica_1..replica_<replicas>. */
  expectedSlots(): string[] {
    return this.expectedStandbys().map((n) => `replica_${n}`);
  }

  /** Reads the stack outputs again (after an update) into `outputs` and the outputs file. */
  async reloadOutputs(): Promise<ClusterOutputs> {
    this.outputs = (await this.pulumi.writeOutputs()).outputs;
    return this.outputs;
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
    return [["primary", this.primaryDsn], ...this.expectedStandbys().map((n): [string, string] => [this.replica(n).slot, this.replicaDsn(n)])];
  }

  /**
   * Waits until each standby (all of them unless named) streams and has
   * replayed everything the primary has written so far: the point at which
   * every acknowledged row must be on every node.
   */
  async waitCaughtUp(timeoutMs: number, standbys: readonly ReplicaOutput[] = this.expectedStandbys().map((n) => this.replica(n))): Promise<void> {
    const lsn = await currentLsn(this.primaryDsn);
    for (const r of standbys) await waitReplayed(this.primaryDsn, r.applicationName, lsn, timeoutMs);
  }

  /**
   * Writes a copy of the outputs, changed by `edit`, beside the outputs file
   * (mode 0600: it holds the passwords too) and returns its path: inputs the
   * tools must reject.
   */
  async writeOutputsVariant(name: string, edit: (outputs: Record<string, unknown>) => void): Promise<string> {
    const outputs = JSON.parse(await readFile(this.outputsFile, "utf8")) as Record<string, unknown>;
    edit(outputs);
    const file = join(stackDir(this.stack), `${name}.json`);
    await writeFile(file, JSON.stringify(outputs, null, 2), { mode: 0o600 });
    return file;
  }
}

/**
 * Teardown for `after` hooks: destroy and remove the stack, label cleanup,
 * and an error if anything of it is left: a labelled container, volume or
 * network, or the stack in the test backend. (cleanStack deletes its
 * Pulumi.<stack>.yaml in any case.)
 */
export async function destroyStack(stack: string): Promise<void> {
  const problem = await cleanStack(stack);
  const left: string[] = [];
  const labelled = await leftoversOf(stack);
  if (!isEmpty(labelled)) left.push(`left ${describeLeftovers(labelled)}`);
  if ((await listStacks()).includes(stack)) left.push("the stack is still in the test backend (pulumi stack ls)");
  if (left.length > 0) throw new Error(`stack ${stack}: ${left.join("; ")}`);
  if (problem !== undefined) throw new Error(`stack ${stack} did not destroy cleanly (the label cleanup removed the rest):\n${problem}`);
}
