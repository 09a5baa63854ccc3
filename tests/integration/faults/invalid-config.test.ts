/**
 * Bad configuration is rejected before anything is created: the sandbox runs
 * the real program, which must fail at preview with one line naming
 * `pg-replication:<key>`, no stack trace, and leave no container, volume or
 * network labelled with the stack.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { cleanStack } from "../../support/cluster";
import { describeLeftovers, isEmpty, leftoversOf, stacksWithPrefix } from "../../support/docker";
import { mapPool } from "../../support/pool";
import { describeRun, type RunResult } from "../../support/process";
import { readStateOrThrow, sandboxUp, stateDirFor } from "../../support/sandbox";

const PREFIX = "it-fault-config-";
/** Never bound (each case fails before anything is created), but inside this file's range anyway. */
const PORTS = { primaryPort: "35800", firstReplicaPort: "35801" };
const SECRET = "short-pw";

interface Case {
  /** The key the error must name. */
  readonly key: string;
  readonly what: string;
  readonly config: Readonly<Record<string, string>>;
}

const CASES: readonly Case[] = [
  { key: "replicas", what: "zero standbys", config: { replicas: "0" } },
  { key: "replicas", what: "more standbys than allowed", config: { replicas: "9" } },
  { key: "replicas", what: "a word for a number", config: { replicas: "two" } },
  { key: "primaryPort", what: "a privileged port", config: { primaryPort: "80" } },
  { key: "primaryPort", what: "a port above 65535", config: { primaryPort: "70000" } },
  { key: "firstReplicaPort", what: "the standby port equal to the primary port", config: { primaryPort: "35800", firstReplicaPort: "35800" } },
  { key: "firstReplicaPort", what: "a standby port range covering the primary port", config: { replicas: "3", primaryPort: "35802", firstReplicaPort: "35800" } },
  { key: "firstReplicaPort", what: "a standby port range past 65535", config: { replicas: "2", firstReplicaPort: "65535" } },
  { key: "bindAddress", what: "a host name for an address", config: { bindAddress: "localhost" } },
  { key: "namePrefix", what: "upper case and an underscore in the prefix", config: { namePrefix: "Bad_Name" } },
  { key: "database", what: "a database name starting with a digit", config: { database: "1db" } },
  { key: "superuser", what: "an upper-case role name", config: { superuser: "Postgres" } },
  { key: "replicationUser", what: "the superuser as replication role", config: { replicationUser: "postgres" } },
  { key: "syncMode", what: "an unknown sync mode", config: { syncMode: "quorum" } },
  { key: "syncCount", what: "more synchronous standbys than standbys", config: { syncMode: "first", syncCount: "2", replicas: "1" } },
  { key: "syncCount", what: "a sync count while sync is off", config: { syncCount: "1" } },
  { key: "synchronousCommit", what: "remote_apply while sync is off", config: { synchronousCommit: "remote_apply" } },
  { key: "synchronousCommit", what: "a level the program does not offer", config: { syncMode: "first", synchronousCommit: "local" } },
  { key: "walKeepSize", what: "a size without a unit", config: { walKeepSize: "100" } },
  { key: "walKeepSize", what: "unlimited wal_keep_size", config: { walKeepSize: "-1" } },
  { key: "maxSlotWalKeepSize", what: "a fractional size", config: { maxSlotWalKeepSize: "1.5GB" } },
  { key: "maxWalSenders", what: "too few WAL senders for the standbys and a base backup", config: { maxWalSenders: "2" } },
  { key: "maxReplicationSlots", what: "fewer slots than standbys", config: { replicas: "2", maxReplicationSlots: "1" } },
  { key: "postgresSettings", what: "a managed setting (wal_level)", config: { postgresSettings: '{"wal_level":"minimal"}' } },
  { key: "postgresSettings", what: "settings that are not JSON", config: { postgresSettings: "work_mem=16MB" } },
  { key: "postgresSettings", what: "a setting name that is not one", config: { postgresSettings: '{"Bad-Name":"1"}' } },
  { key: "replica", what: "a misspelt key", config: { replica: "2" } },
  { key: "image", what: "an image reference with a space", config: { image: "bad image" } },
  { key: "superuserPassword", what: "a password that is too short (not echoed)", config: { superuserPassword: SECRET } },
];

interface Outcome {
  readonly stack: string;
  readonly run: RunResult;
  readonly leftovers: string | null;
  readonly stateResources: number;
}

describe("invalid configuration is rejected before anything is created", { timeout: 240_000 }, () => {
  const outcomes: Outcome[] = [];
  let elapsedMs = 0;

  before(async () => {
    for (const stack of await stacksWithPrefix(PREFIX)) await cleanStack(stack);
    const started = Date.now();
    outcomes.push(...(await mapPool(CASES, 3, async (c, i): Promise<Outcome> => {
      const stack = `${PREFIX}${i + 1}`;
      const stateDir = stateDirFor(stack);
      await rm(stateDir, { recursive: true, force: true });
      const run = await sandboxUp(stack, stateDir, { ...PORTS, ...c.config }, 60_000);
      const left = await leftoversOf(stack);
      const stateResources = existsSync(join(stateDir, "state.json")) ? (await readStateOrThrow(stateDir)).resources.length : 0;
      return { stack, run, leftovers: isEmpty(left) ? null : describeLeftovers(left), stateResources };
    })));
    elapsedMs = Date.now() - started;
  });

  after(async () => {
    for (const stack of await stacksWithPrefix(PREFIX)) await cleanStack(stack);
    for (let i = 0; i < CASES.length; i++) await rm(stateDirFor(`${PREFIX}${i + 1}`), { recursive: true, force: true });
  });

  it(`rejects each of the ${CASES.length} bad configurations with one line naming its key`, (t) => {
    const failures: string[] = [];
    CASES.forEach((c, i) => {
      const { run, leftovers, stateResources, stack } = outcomes[i];
      const text = `${run.stdout}${run.stderr}`;
      const named = text.split("\n").filter((l) => l.includes(`pg-replication:${c.key}:`));
      const problems = [
        run.code === 0 || run.code === null ? `exit ${run.code ?? "timeout"}` : "",
        named.length !== 1 ? `${named.length} lines name pg-replication:${c.key}` : "",
        /^\s+at .+[:(]\d+/m.test(text) ? "a stack trace" : "",
        text.includes(SECRET) ? "the secret value is echoed" : "",
        leftovers !== null ? `left ${leftovers}` : "",
        stateResources > 0 ? `state.json records ${stateResources} resources` : "",
      ].filter((p) => p !== "");
      if (problems.length > 0) failures.push(`${c.key} (${c.what}, ${stack}): ${problems.join("; ")}\n${describeRun("sandbox up", run)}`);
    });
    assert.deepEqual(failures, []);
    const slowest = Math.max(...outcomes.map((o) => o.run.ms));
    t.diagnostic(`invalid-config: ${CASES.length} configurations rejected in ${(elapsedMs / 1000).toFixed(1)} s (3 at a time, slowest ${(slowest / 1000).toFixed(1)} s), nothing created; e.g. "${outcomes[0].run.stderr.trim()}"`);
  });
});
