/**
 * Bad configuration is rejected before anything is created. Each case is a
 * stack of its own configuration going through the real `pulumi preview`
 * (set config, preview), and what the user sees depends on who refuses it:
 *
 * - a value of the wrong type for a key Pulumi.yaml declares with a type
 *   (replicas "two") is refused by the CLI itself, before the program runs:
 *   exit 1, nothing on stdout, and on stderr exactly
 *   `error: validating stack config: Stack '<stack>' with configuration key '<key>' must be of type 'integer'`;
 * - everything else by the program: exit 1, nothing on stderr, and in the
 *   preview's Diagnostics exactly one line, `error: pg-replication:<key>: ...`
 *   (the progress line above repeats the same message), no stack trace, and
 *   never a secret value.
 *
 * Either way no labelled container, volume or network exists afterwards, and
 * the stack's state holds no resource besides the Stack itself. Three stacks
 * are reused, one per worker: the cases run three at a time.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";

import { cleanStack } from "../../support/cluster";
import { describeLeftovers, isEmpty, leftoversOf, stacksWithPrefix } from "../../support/docker";
import { mapPool } from "../../support/pool";
import { describeRun, type RunResult } from "../../support/process";
import { listStacks, PulumiStack, stackConfigFile, type Config } from "../../support/pulumi";

const PREFIX = "it-fault-config-";
const WORKERS = 3;
const STACKS = Array.from({ length: WORKERS }, (_, i) => `${PREFIX}${i + 1}`);
/** Never bound (each case fails before anything is created), but inside this file's range anyway. */
const PORTS = { primaryPort: "29800", firstReplicaPort: "29801" };
const SECRET = "short-pw";

interface Case {
  /** The key the error must name. */
  readonly key: string;
  readonly what: string;
  readonly config: Config;
  /** Set with `pulumi config set --secret`, the value on stdin. */
  readonly secrets?: Config;
  /** The CLI's type check (Pulumi.yaml declares the key with a type), or the program's validation. */
  readonly refusedBy: "cli" | "program";
}

const CASES: readonly Case[] = [
  { key: "replicas", what: "zero standbys", config: { replicas: "0" }, refusedBy: "program" },
  { key: "replicas", what: "more standbys than allowed", config: { replicas: "9" }, refusedBy: "program" },
  { key: "replicas", what: "a word for a number", config: { replicas: "two" }, refusedBy: "cli" },
  { key: "maxWalSenders", what: "a word for a number", config: { maxWalSenders: "ten" }, refusedBy: "cli" },
  { key: "primaryPort", what: "a privileged port", config: { primaryPort: "80" }, refusedBy: "program" },
  { key: "primaryPort", what: "a port above 65535", config: { primaryPort: "70000" }, refusedBy: "program" },
  { key: "firstReplicaPort", what: "the standby port equal to the primary port", config: { primaryPort: "29800", firstReplicaPort: "29800" }, refusedBy: "program" },
  { key: "firstReplicaPort", what: "a standby port range covering the primary port", config: { replicas: "3", primaryPort: "29802", firstReplicaPort: "29800" }, refusedBy: "program" },
  { key: "firstReplicaPort", what: "a standby port range past 65535", config: { replicas: "2", firstReplicaPort: "65535" }, refusedBy: "program" },
  { key: "bindAddress", what: "a host name for an address", config: { bindAddress: "localhost" }, refusedBy: "program" },
  { key: "namePrefix", what: "upper case and an underscore in the prefix", config: { namePrefix: "Bad_Name" }, refusedBy: "program" },
  { key: "database", what: "a database name starting with a digit", config: { database: "1db" }, refusedBy: "program" },
  { key: "superuser", what: "an upper-case role name", config: { superuser: "Postgres" }, refusedBy: "program" },
  { key: "replicationUser", what: "the superuser as replication role", config: { replicationUser: "postgres" }, refusedBy: "program" },
  { key: "syncMode", what: "an unknown sync mode", config: { syncMode: "quorum" }, refusedBy: "program" },
  { key: "syncCount", what: "more synchronous standbys than standbys", config: { syncMode: "first", syncCount: "2", replicas: "1" }, refusedBy: "program" },
  { key: "syncCount", what: "a sync count while sync is off", config: { syncCount: "1" }, refusedBy: "program" },
  { key: "synchronousCommit", what: "remote_apply while sync is off", config: { synchronousCommit: "remote_apply" }, refusedBy: "program" },
  { key: "synchronousCommit", what: "a level the program does not offer", config: { syncMode: "first", synchronousCommit: "local" }, refusedBy: "program" },
  { key: "walKeepSize", what: "a size without a unit", config: { walKeepSize: "100" }, refusedBy: "program" },
  { key: "walKeepSize", what: "unlimited wal_keep_size", config: { walKeepSize: "-1" }, refusedBy: "program" },
  { key: "maxSlotWalKeepSize", what: "a fractional size", config: { maxSlotWalKeepSize: "1.5GB" }, refusedBy: "program" },
  { key: "maxWalSenders", what: "too few WAL senders for the standbys and a base backup", config: { maxWalSenders: "2" }, refusedBy: "program" },
  { key: "maxReplicationSlots", what: "fewer slots than standbys", config: { replicas: "2", maxReplicationSlots: "1" }, refusedBy: "program" },
  { key: "postgresSettings", what: "a managed setting (wal_level)", config: { postgresSettings: '{"wal_level":"minimal"}' }, refusedBy: "program" },
  { key: "postgresSettings", what: "settings that are not JSON", config: { postgresSettings: "work_mem=16MB" }, refusedBy: "program" },
  { key: "postgresSettings", what: "a setting name that is not one", config: { postgresSettings: '{"Bad-Name":"1"}' }, refusedBy: "program" },
  { key: "replica", what: "a misspelt key", config: { replica: "2" }, refusedBy: "program" },
  { key: "image", what: "an image reference with a space", config: { image: "bad image" }, refusedBy: "program" },
  { key: "superuserPassword", what: "a password that is too short (not echoed)", config: {}, secrets: { superuserPassword: SECRET }, refusedBy: "program" },
  { key: "replicationPassword", what: "a replication password that is too short (not echoed)", config: {}, secrets: { replicationPassword: SECRET }, refusedBy: "program" },
];

interface Outcome {
  readonly stack: string;
  readonly run: RunResult;
  readonly leftovers: string | null;
  /** Types of the resources in the stack's state after the preview. */
  readonly stateTypes: readonly string[];
  /** Whether the secret appears in plain text in the stack's config file. */
  readonly secretInConfigFile: boolean;
}

/** Removes the test's stacks from the test backend and anything labelled with them; returns what went wrong. */
async function cleanAll(): Promise<string[]> {
  const stacks = new Set([...STACKS, ...(await listStacks()).filter((s) => s.startsWith(PREFIX)), ...(await stacksWithPrefix(PREFIX))]);
  const problems: string[] = [];
  for (const stack of stacks) {
    const problem = await cleanStack(stack);
    if (problem !== undefined) problems.push(problem);
  }
  return problems;
}

/** The lines of the preview's Diagnostics section. */
function diagnostics(stdout: string): string[] {
  const lines = stdout.split("\n");
  const start = lines.indexOf("Diagnostics:");
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** What is wrong with the run of one case, against what its user must see; empty when right. */
function problemsOf(c: Case, o: Outcome): string[] {
  const { run } = o;
  const text = `${run.stdout}${run.stderr}`;
  const problems = [
    run.code !== 1 ? `exit ${run.code ?? "timeout"}, not 1` : "",
    /^\s+at .+[:(]\d+/m.test(text) ? "a stack trace" : "",
    text.includes(SECRET) ? "the secret value is echoed" : "",
    o.secretInConfigFile ? "the secret is in plain text in the stack's config file" : "",
    o.leftovers !== null ? `left ${o.leftovers}` : "",
    o.stateTypes.some((t) => t !== "pulumi:pulumi:Stack") ? `the state holds ${o.stateTypes.join(", ")}` : "",
  ];
  if (c.refusedBy === "cli") {
    const expected = `error: validating stack config: Stack '${o.stack}' with configuration key '${c.key}' must be of type 'integer'`;
    if (run.stdout.trim() !== "") problems.push(`stdout is not empty: ${run.stdout.trim().split("\n")[0]}`);
    if (run.stderr.trim() !== expected) problems.push(`stderr is not exactly "${expected}"`);
  } else {
    if (run.stderr.trim() !== "") problems.push(`stderr is not empty: ${run.stderr.trim().split("\n")[0]}`);
    const diag = diagnostics(run.stdout);
    const errors = diag.filter((l) => /^\s*error:/.test(l));
    if (diag[0] !== `  pulumi:pulumi:Stack (pg-replication-${o.stack}):`) problems.push(`Diagnostics do not start with the stack: ${JSON.stringify(diag[0])}`);
    if (diag.length !== 2 || errors.length !== 1) problems.push(`Diagnostics hold ${diag.length - 1} lines, ${errors.length} errors, not one line`);
    if (!new RegExp(`^    error: pg-replication:${c.key}: \\S`).test(errors[0] ?? "")) problems.push(`the error does not name pg-replication:${c.key}: ${JSON.stringify(errors[0])}`);
    // Every line naming the key says the same thing: the progress line repeats the diagnostic.
    const messages = new Set(text.split("\n").filter((l) => l.includes(`pg-replication:${c.key}:`)).map((l) => l.slice(l.indexOf("pg-replication:"))));
    if (messages.size !== 1) problems.push(`${messages.size} different messages name pg-replication:${c.key}`);
    if (text.split("\n").some((l) => /error: /.test(l) && !l.includes(`pg-replication:${c.key}:`) && !/ 1 error$/.test(l))) problems.push("another error is printed");
  }
  return problems.filter((p) => p !== "");
}

describe("invalid configuration is rejected before anything is created", { timeout: 300_000 }, () => {
  const outcomes: Outcome[] = [];
  let elapsedMs = 0;

  before(async () => {
    await cleanAll();
    for (const stack of STACKS) await new PulumiStack(stack).init();
    const free = [...STACKS];
    /** Keys each stack holds from its previous case: removed before its next one. */
    const held = new Map<string, string[]>(STACKS.map((s) => [s, []]));
    const started = Date.now();
    outcomes.push(...(await mapPool(CASES, WORKERS, async (c): Promise<Outcome> => {
      const stack = free.pop();
      assert.ok(stack !== undefined, "a free stack for every worker");
      try {
        const pulumi = new PulumiStack(stack);
        const previous = held.get(stack) ?? [];
        if (previous.length > 0) await pulumi.runOrThrow(["config", "rm-all", ...previous]);
        const config = { ...PORTS, ...c.config };
        const secrets = c.secrets ?? {};
        held.set(stack, [...Object.keys(config), ...Object.keys(secrets)]);
        await pulumi.setConfig(config, secrets);
        const run = await pulumi.preview();
        const left = await leftoversOf(stack);
        const stateTypes = (await pulumi.resources()).map((r) => r.type);
        const file = stackConfigFile(stack);
        const secretInConfigFile = existsSync(file) && readFileSync(file, "utf8").includes(SECRET);
        return { stack, run, leftovers: isEmpty(left) ? null : describeLeftovers(left), stateTypes, secretInConfigFile };
      } finally {
        free.push(stack);
      }
    })));
    elapsedMs = Date.now() - started;
  });

  after(async () => {
    const problems = await cleanAll();
    const stacks = (await listStacks()).filter((s) => s.startsWith(PREFIX));
    const files = STACKS.map(stackConfigFile).filter((f) => existsSync(f));
    assert.deepEqual({ problems, stacks, files }, { problems: [], stacks: [], files: [] }, "no stack of this test left in the test backend, no config file left");
  });

  it(`rejects each of the ${CASES.length} bad configurations at preview, each as its user must see it`, (t) => {
    const failures: string[] = [];
    CASES.forEach((c, i) => {
      const problems = problemsOf(c, outcomes[i]);
      if (problems.length > 0) failures.push(`${c.key} (${c.what}, ${outcomes[i].stack}): ${problems.join("; ")}\n${describeRun("pulumi preview", outcomes[i].run)}`);
    });
    assert.deepEqual(failures, []);
    const slowest = Math.max(...outcomes.map((o) => o.run.ms));
    const byCli = CASES.filter((c) => c.refusedBy === "cli").length;
    const firstCli = outcomes[CASES.findIndex((c) => c.refusedBy === "cli")].run.stderr.trim();
    const firstProgram = diagnostics(outcomes[CASES.findIndex((c) => c.refusedBy === "program")].run.stdout)[1].trim();
    t.diagnostic(`invalid-config: ${CASES.length} configurations rejected by pulumi preview in ${(elapsedMs / 1000).toFixed(1)} s (${WORKERS} at a time on ${WORKERS} reused stacks, slowest preview ${(slowest / 1000).toFixed(1)} s), nothing created; ` +
      `${byCli} by the CLI's type check, e.g. "${firstCli}"; ${CASES.length - byCli} by the program, e.g. "${firstProgram}"`);
  });
});
