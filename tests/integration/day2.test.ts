/**
 * Day-2 changes (README "What a change does"): every row of the table is a
 * real `pulumi up` through the real engine on one deployment, in order,
 * while a writer commits numbered rows at a steady rate. For each row:
 * the preview's steps (update or replace, and nothing else), then after the
 * `up` which postmasters restarted (pg_postmaster_start_time), which
 * standbys were copied again (a marker file written into each standby's data
 * directory before the change is gone after a new base backup), the failed
 * commits, the longest outage, no acknowledged row missing on any node, and
 * `verify` passing. The nodes expected are derived from the config the test
 * sets, never from the stack's outputs.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack, testImage } from "../support/cluster";
import { docker, execIn } from "../support/docker";
import { LoadWriter, type WriterReport } from "../support/load-writer";
import { RefusalProbe, type RefusalReport } from "../support/refusal-probe";
import { connectionRefusal, query, queryOne } from "../support/pg";
import { describeRun } from "../support/process";
import { exportStack, findExported } from "../support/pulumi";
import { checkRows, describeMissing } from "../support/rows";
import { verify } from "../support/tools";
import { seconds } from "../support/wait";

const STACK = "it-day2";
const PREFIX = `pg-${STACK}`;
const DATA = "/var/lib/postgresql/data";
const MARKER = `${DATA}/it-day2-marker`;
const DAY2_IMAGE = "pg-replication-it/day2:17";
const BASE_CONFIG = { primaryPort: "26432", firstReplicaPort: "26433", replicas: "1", syncMode: "any" };

const primary = `${PREFIX}-primary`;
const standby = (n: number): string => `${PREFIX}-replica-${n}`;
const standbys = (count: number): string[] => Array.from({ length: count }, (_, i) => standby(i + 1));

/** psql as the superuser over a node's local socket: needs no password, so it works across a rotation. */
async function sqlIn(container: string, sql: string): Promise<string> {
  return (await execIn(container, ["psql", "-X", "-At", "-d", "postgres", "-U", "postgres", "-c", sql], { user: "postgres" })).trim();
}

async function startTime(container: string): Promise<number> {
  return Date.parse(await sqlIn(container, "SELECT to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"));
}

async function hasMarker(container: string): Promise<boolean> {
  return (await execIn(container, ["sh", "-c", `test -e ${MARKER} && echo yes || echo no`], { user: "postgres" })).trim() === "yes";
}

/** What one row's `up` did, as the README table reports it. */
interface RowFigures {
  readonly row: string;
  readonly upSeconds: number;
  readonly restarted: readonly string[];
  readonly copied: readonly string[];
  readonly writer: WriterReport | null;
  readonly refusal: RefusalReport;
  readonly startedAt: ReadonlyMap<string, number>;
}

interface RowSpec {
  readonly row: string;
  /** Config edits before the preview. */
  readonly change?: (cluster: TestCluster) => Promise<void>;
  readonly upArgs?: readonly string[];
  /** The preview's steps: resource name -> op; every other resource must be unchanged. */
  readonly preview: Readonly<Record<string, string>>;
  /** Standbys before and after the change (from the config the test sets). */
  readonly standbysBefore: number;
  readonly standbysAfter: number;
  /** Containers whose postmaster must restart; every other node that stays must not. */
  readonly restarted: readonly string[];
  /** Standbys that must be copied again; every other standby that stays must not. */
  readonly copied: readonly string[];
  /** Reload rows: not one commit may fail. */
  readonly noFailedCommits: boolean;
  /** False for the one row that wipes the primary's data on purpose. */
  readonly writer?: boolean;
  /** Windows in which the primary may refuse connections when it restarts (default one). */
  readonly primaryRefusals?: number;
}

describe("day-2 changes through pulumi up, under write load", { timeout: 1_800_000 }, () => {
  let cluster: TestCluster;
  const figures: RowFigures[] = [];
  let rows = 0;

  before(async () => {
    await docker(["image", "rm", "-f", DAY2_IMAGE]).catch(() => undefined);
    cluster = await TestCluster.deploy(STACK, BASE_CONFIG);
  });

  after(async () => {
    for (const f of figures) {
      const w = f.writer;
      const writes = w === null ? "no writer (the primary's data is replaced on purpose)" : `${w.acked.length} commits acked, ${w.failed} failed, longest outage ${seconds(w.longestOutageMs)}`;
      const refused = `primary refused connections for ${seconds(f.refusal.longestRefusalMs)} at most`;
      console.log(`day-2 ${f.row}: up ${f.upSeconds.toFixed(1)} s, restarted ${f.restarted.length === 0 ? "none" : f.restarted.join(" ")}, copied ${f.copied.length === 0 ? "none" : f.copied.join(" ")}, ${writes}, ${refused}`);
    }
    await destroyStack(STACK);
    await docker(["image", "rm", "-f", DAY2_IMAGE]).catch(() => undefined);
  });

  async function previewSteps(args: readonly string[]): Promise<Map<string, string>> {
    const result = await cluster.pulumi.preview(["--json", ...args]);
    assert.equal(result.code, 0, describeRun("pulumi preview --json", result));
    const parsed = JSON.parse(result.stdout) as { steps?: { op: string; urn: string }[] };
    const steps = new Map<string, string>();
    for (const step of parsed.steps ?? []) {
      if (step.op === "same") continue;
      steps.set(step.urn.split("::").pop() ?? step.urn, step.op);
    }
    return steps;
  }

  async function row(spec: RowSpec): Promise<RowFigures> {
    const before = [primary, ...standbys(spec.standbysBefore)];
    const after = [primary, ...standbys(spec.standbysAfter)];
    const started = new Map<string, number>();
    for (const node of before) started.set(node, await startTime(node));
    for (const node of standbys(spec.standbysBefore)) {
      await execIn(node, ["sh", "-c", `echo ${spec.row.replace(/[^a-z0-9]/gi, "-")} > ${MARKER}`], { user: "postgres" });
    }

    if (spec.change !== undefined) await spec.change(cluster);
    const steps = await previewSteps(spec.upArgs ?? []);
    assert.deepEqual(Object.fromEntries([...steps].sort()), Object.fromEntries(Object.entries(spec.preview).sort()), `${spec.row}: the preview's steps`);

    const useWriter = spec.writer ?? true;
    const writer = useWriter ? new LoadWriter({ dsn: cluster.primaryDsn, table: `day2_${++rows}`, ratePerSecond: 50, maxDurationMs: 900_000, outageBudgetMs: 120_000 }) : null;
    if (writer !== null) {
      await writer.start();
      await writer.waitForAcks(10, 30_000);
    }
    const probe = new RefusalProbe(cluster.primaryDsn);
    probe.start();
    const t0 = Date.now();
    const up = await cluster.pulumi.up([...(spec.upArgs ?? [])]);
    const upSeconds = (Date.now() - t0) / 1000;
    const refusal = await probe.stop();
    let report: WriterReport | null = null;
    if (writer !== null) {
      try {
        if (up.code === 0) await writer.waitForAcks(10, 60_000);
      } finally {
        report = await writer.stop();
      }
    }
    assert.equal(up.code, 0, describeRun(`pulumi up (${spec.row})`, up));
    await cluster.reloadOutputs();

    if (report !== null) {
      assert.equal(report.gaveUp, null, `${spec.row}: the writer gave up: ${report.gaveUp}`);
      if (spec.noFailedCommits) assert.equal(report.failed, 0, `${spec.row}: ${report.failed} commits failed: ${report.errors.join("; ")}`);
      await cluster.waitCaughtUp(60_000);
      for (const node of after) {
        const dsn = node === primary ? cluster.primaryDsn : cluster.replicaDsn(Number(node.split("-").pop()));
        const check = await checkRows(dsn, report.table, report.acked);
        assert.equal(check.missingCount, 0, `${spec.row}: ${describeMissing(node, check)}`);
      }
    }

    const restarted: string[] = [];
    const startedAt = new Map<string, number>();
    for (const node of after) {
      const now = await startTime(node);
      startedAt.set(node, now);
      const was = started.get(node);
      if (was !== undefined && now !== was) restarted.push(node);
    }
    const copied: string[] = [];
    for (const node of standbys(Math.min(spec.standbysBefore, spec.standbysAfter))) {
      if (!(await hasMarker(node))) copied.push(node);
    }
    const stay = new Set(before.filter((n) => after.includes(n)));
    assert.deepEqual(restarted.sort(), spec.restarted.filter((n) => stay.has(n)).sort(), `${spec.row}: nodes whose postmaster restarted`);
    assert.deepEqual(copied.sort(), [...spec.copied].sort(), `${spec.row}: standbys copied again`);

    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, describeRun(`verify after ${spec.row}`, verified));

    if (!spec.restarted.includes(primary)) assert.equal(refusal.refused, 0, `${spec.row}: the primary refused ${refusal.refused} connections`);
    // One restart of the primary is one window of refusals, never several.
    else assert.ok(refusal.windows <= (spec.primaryRefusals ?? 1), `${spec.row}: the primary refused connections in ${refusal.windows} separate windows`);
    const result = { row: spec.row, upSeconds, restarted, copied, writer: report, refusal, startedAt };
    figures.push(result);
    return result;
  }

  it("nothing changed: the preview expects no changes, and up touches nothing", async () => {
    const noChanges = await cluster.pulumi.preview(["--expect-no-changes"]);
    assert.equal(noChanges.code, 0, describeRun("pulumi preview --expect-no-changes", noChanges));
    await row({ row: "nothing", preview: {}, standbysBefore: 1, standbysAfter: 1, restarted: [], copied: [], noFailedCommits: true });
  });

  it("replicas 1 -> 3: two new standbys seeded; the others untouched; the standby list follows by reload", async () => {
    await row({
      row: "replicas 1 -> 3",
      change: (c) => c.configure({ replicas: "3" }),
      preview: Object.fromEntries([2, 3].flatMap((n) => [
        [`${standby(n)}-data`, "create"], [`${standby(n)}-basebackup`, "create"], [standby(n), "create"],
      ]).concat([[`${PREFIX}-sync`, "replace"]])),
      standbysBefore: 1, standbysAfter: 3, restarted: [], copied: [], noFailedCommits: true,
    });
    assert.equal(await sqlIn(primary, "SHOW synchronous_standby_names"), 'ANY 1 ("replica_1", "replica_2", "replica_3")');
  });

  it("reload-context settings and the sync settings: reloaded on every node, nothing restarted", async () => {
    await row({
      row: "reload settings",
      change: (c) => c.configure({
        postgresSettings: JSON.stringify({ work_mem: "16MB", log_min_duration_statement: "1000" }),
        walKeepSize: "256MB", maxSlotWalKeepSize: "2GB", syncMode: "first", syncCount: "2", synchronousCommit: "remote_apply",
      }),
      preview: { [`${PREFIX}-settings`]: "update", [`${PREFIX}-sync`]: "update" },
      standbysBefore: 3, standbysAfter: 3, restarted: [], copied: [], noFailedCommits: true,
    });
    for (const node of [primary, ...standbys(3)]) {
      assert.equal(await sqlIn(node, "SELECT current_setting('work_mem') || ' ' || current_setting('wal_keep_size') || ' ' || current_setting('max_slot_wal_keep_size')"), "16MB 256MB 2GB", node);
    }
    assert.equal(await sqlIn(primary, "SHOW synchronous_standby_names"), 'FIRST 2 ("replica_1", "replica_2", "replica_3")');
    assert.equal(await sqlIn(primary, "SHOW synchronous_commit"), "remote_apply");
  });

  it("restart-context settings raised: a rolling restart, standbys first, nothing copied", async () => {
    await cluster.configure({ postgresSettings: JSON.stringify({ work_mem: "16MB", log_min_duration_statement: "1000", max_connections: "150" }), maxWalSenders: "12" });
    const diff = await cluster.pulumi.preview(["--diff"]);
    assert.match(diff.stdout, /\+ max_connections = '150' {2}# restart/, "the preview says the new setting needs a restart");
    assert.match(diff.stdout, /\+ max_wal_senders = '12' {2}# restart/);
    const f = await row({
      row: "restart settings up",
      preview: { [`${PREFIX}-settings`]: "update" },
      standbysBefore: 3, standbysAfter: 3, restarted: [...standbys(3), primary], copied: [], noFailedCommits: false,
    });
    const last = Math.max(...standbys(3).map((n) => f.startedAt.get(n) ?? Infinity));
    assert.ok(last < (f.startedAt.get(primary) ?? 0), "every standby restarted before the primary");
    for (const node of [primary, ...standbys(3)]) assert.equal(await sqlIn(node, "SHOW max_connections"), "150", node);
  });

  it("restart-context settings lowered: a rolling restart, primary first, nothing copied", async () => {
    const f = await row({
      row: "restart settings down",
      change: (c) => c.configure({ postgresSettings: JSON.stringify({ work_mem: "16MB", log_min_duration_statement: "1000", max_connections: "120" }) }),
      preview: { [`${PREFIX}-settings`]: "update" },
      standbysBefore: 3, standbysAfter: 3, restarted: [...standbys(3), primary], copied: [], noFailedCommits: false,
    });
    const first = Math.min(...standbys(3).map((n) => f.startedAt.get(n) ?? 0));
    assert.ok((f.startedAt.get(primary) ?? Infinity) < first, "the primary restarted before every standby");
    for (const node of [primary, ...standbys(3)]) assert.equal(await sqlIn(node, "SHOW max_connections"), "120", node);
  });

  it("refused before anything is installed, changing nothing: a standby-sensitive setting raised with another lowered, a preload library the image lacks", async (t) => {
    const settingsNow = { work_mem: "16MB", log_min_duration_statement: "1000", max_connections: "120" };
    const nodes = [primary, ...standbys(3)];
    // The settings file's checksum and the new files left beside it: a refusal touches neither.
    const fileOf = async (node: string): Promise<string> =>
      (await execIn(node, ["sh", "-c", `md5sum ${DATA}/pg-replication.conf; ls ${DATA} | grep -c '[.]new$' || true`], { user: "postgres" })).trim();
    const stateOf = async (node: string): Promise<{ started: number; file: string }> => ({ started: await startTime(node), file: await fileOf(node) });
    const before = new Map(await Promise.all(nodes.map(async (n) => [n, await stateOf(n)] as const)));
    const refusals: [Record<string, string>, RegExp][] = [
      [{ ...settingsNow, max_connections: "150", max_worker_processes: "4" },
        /pg-replication: this change raises max_connections and lowers max_worker_processes; .* Raise them with one pulumi up and lower them with the next\. Nothing was changed\./],
      [{ ...settingsNow, shared_preload_libraries: "pg_stat_statements, no_such_library" },
        /pg-replication: shared_preload_libraries names a library the image does not have \(\S*\/no_such_library\); the server would not start\. Nothing was changed\./],
    ];
    for (const [settings, message] of refusals) {
      await cluster.configure({ postgresSettings: JSON.stringify(settings) });
      const up = await cluster.pulumi.up();
      assert.notEqual(up.code, 0, describeRun("pulumi up (to be refused)", up));
      assert.match(`${up.stdout}\n${up.stderr}`, message);
      for (const n of nodes) assert.deepEqual(await stateOf(n), before.get(n), `${n}: restarted, or its settings file changed, after ${JSON.stringify(settings)}`);
    }
    await cluster.configure({ postgresSettings: JSON.stringify(settingsNow) });
    const back = await cluster.pulumi.preview(["--expect-no-changes"]);
    assert.equal(back.code, 0, describeRun("pulumi preview --expect-no-changes after the refusals", back));
    t.diagnostic(`day-2 refusals: ${refusals.length} changes refused; ${nodes.length} nodes neither restarted nor given a new file`);
  });

  it("a value the server accepts but cannot start with: the node that dies gets the old file back and runs again; no other node restarted", async (t) => {
    const settingsNow = { work_mem: "16MB", log_min_duration_statement: "1000", max_connections: "120" };
    const nodes = [primary, ...standbys(3)];
    const fileOf = async (node: string): Promise<string> =>
      (await execIn(node, ["sh", "-c", `md5sum ${DATA}/pg-replication.conf; ls ${DATA} | grep -c '[.]new$' || true`], { user: "postgres" })).trim();
    const before = new Map(await Promise.all(nodes.map(async (n) => [n, { started: await startTime(n), file: await fileOf(n) }] as const)));
    // ssl needs a certificate the image does not have: the reload only logs it, a start fails on it.
    // max_connections raised needs the restart, standbys first.
    await cluster.configure({ postgresSettings: JSON.stringify({ ...settingsNow, ssl: "on", max_connections: "130" }) });
    const startedAt = Date.now();
    const up = await cluster.pulumi.up();
    const upSeconds = (Date.now() - startedAt) / 1000;
    assert.notEqual(up.code, 0, describeRun("pulumi up (a node cannot start)", up));
    assert.match(`${up.stdout}\n${up.stderr}`,
      new RegExp(`pg-replication: ${standby(1)} did not start with the new settings \\(could not load server certificate file "server\\.crt": No such file or directory\\)\\. The previous settings file is back on every node, and ${standby(1)} runs on it again\\. Correct postgresSettings and run pulumi up again\\.`));
    for (const n of nodes) {
      assert.equal(await fileOf(n), before.get(n)?.file, `${n}: its settings file is the one before the change`);
      assert.equal(await sqlIn(n, "SHOW ssl"), "off", n);
      assert.equal(await sqlIn(n, "SHOW max_connections"), "120", n);
      const started = await startTime(n);
      if (n === standby(1)) assert.ok(started > (before.get(n)?.started ?? Infinity), `${n} was started again`);
      else assert.equal(started, before.get(n)?.started, `${n} was not restarted`);
    }
    assert.equal(await sqlIn(standby(1), "SELECT status FROM pg_stat_wal_receiver"), "streaming", `${standby(1)} streams again`);
    await cluster.configure({ postgresSettings: JSON.stringify(settingsNow) });
    const back = await cluster.pulumi.preview(["--expect-no-changes"]);
    assert.equal(back.code, 0, describeRun("pulumi preview --expect-no-changes with the settings put back", back));
    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, describeRun("verify after the rollback", verified));
    t.diagnostic(`day-2 rollback: up failed after ${upSeconds.toFixed(1)} s; ${standby(1)} back on the old file and streaming; ${nodes.length - 1} nodes not restarted`);
  });

  it("passwords rotated in place: no restart, no copy, the old passwords refused", async () => {
    const exported = await exportStack(cluster.pulumi, { showSecrets: true });
    const oldReplication = (findExported(exported, "random:index/randomPassword:RandomPassword", `${PREFIX}-replication-password`).outputs?.result) as string;
    const oldPrimaryDsn = cluster.primaryDsn;
    await row({
      row: "passwords",
      change: (c) => c.configure({}, { superuserPassword: "day2-superuser-secret-1", replicationPassword: "day2-replication-secret-1" }),
      // The generated passwords give way to the configured ones.
      preview: Object.fromEntries([
        [`${PREFIX}-credentials`, "update"], ...standbys(3).map((n) => [`${n}-basebackup`, "update"]),
        [`${PREFIX}-superuser-password`, "delete"], [`${PREFIX}-replication-password`, "delete"],
      ]),
      standbysBefore: 3, standbysAfter: 3, restarted: [], copied: [], noFailedCommits: true,
    });
    const refused = await connectionRefusal(oldPrimaryDsn);
    assert.match(refused.message, /password authentication failed/);
    await queryOne(cluster.primaryDsn, "SELECT 1");
    // The old replication password, from a standby's own network position, through a passfile fed on stdin.
    const escaped = oldReplication.replace(/[\\:]/g, "\\$&");
    await execIn(standby(1), ["sh", "-c", "umask 077; cat > /tmp/old-pgpass"], { user: "postgres", input: `primary:5432:*:replicator:${escaped}\n` });
    const old = await execIn(standby(1), ["sh", "-c", "psql -X -At 'host=primary user=replicator dbname=replication replication=true passfile=/tmp/old-pgpass' -c IDENTIFY_SYSTEM 2>&1; rm -f /tmp/old-pgpass; true"], { user: "postgres" });
    assert.match(old, /password authentication failed for user "replicator"/);
  });

  it("image with a new id: every container on the new image with its own volume, nothing copied", async () => {
    const base = await testImage();
    await docker(["build", "-q", "-t", DAY2_IMAGE, "-"], 120_000, `FROM ${base}\nLABEL pg-replication.it=day2\n`);
    const newId = (await docker(["image", "inspect", "-f", "{{.Id}}", DAY2_IMAGE])).trim();
    const f = await row({
      row: "image",
      change: (c) => c.configure({ image: DAY2_IMAGE }),
      preview: Object.fromEntries([
        [`${PREFIX}-image`, "replace"], [primary, "replace"],
        // Its update only says the primary keeps its data: nothing is bootstrapped again.
        [`${primary}-bootstrap`, "update"],
        ...standbys(3).flatMap((n) => [[n, "replace"], [`${n}-basebackup`, "update"]]),
        // They run again for the new containers, and wait until each accepts connections.
        [`${PREFIX}-settings`, "replace"], [`${PREFIX}-sync`, "replace"],
      ]),
      standbysBefore: 3, standbysAfter: 3, restarted: [primary, ...standbys(3)], copied: [], noFailedCommits: false,
    });
    for (const node of [primary, ...standbys(3)]) {
      assert.equal((await docker(["container", "inspect", "-f", "{{.Image}}", node])).trim(), newId, node);
    }
    // The engine's dependency order, as the README says: the primary first, then its standbys.
    const first = Math.min(...standbys(3).map((n) => f.startedAt.get(n) ?? 0));
    assert.ok((f.startedAt.get(primary) ?? Infinity) < first, "the primary was replaced before the standbys");
  });

  it("one standby's volume replaced: that standby alone copied again", async () => {
    await row({
      row: "standby volume replaced",
      upArgs: ["--replace", cluster.pulumi.urn("docker:index/volume:Volume", `${standby(2)}-data`)],
      preview: { [`${standby(2)}-data`]: "replace", [`${standby(2)}-basebackup`]: "replace", [standby(2)]: "replace", [`${PREFIX}-sync`]: "replace" },
      standbysBefore: 3, standbysAfter: 3, restarted: [standby(2)], copied: [standby(2)], noFailedCommits: true,
    });
  });

  it("replicas 3 -> 1: the removed standbys' containers, slots and volumes gone, commits never wait", async () => {
    await row({
      row: "replicas 3 -> 1",
      change: (c) => c.configure({ replicas: "1", syncCount: "1" }),
      preview: Object.fromEntries([2, 3].flatMap((n) => [
        [`${standby(n)}-data`, "delete"], [`${standby(n)}-basebackup`, "delete"], [standby(n), "delete"],
      ]).concat([[`${PREFIX}-sync`, "replace"]])),
      standbysBefore: 3, standbysAfter: 1, restarted: [], copied: [], noFailedCommits: true,
    });
    const slots = await query<{ slot_name: string }>(cluster.primaryDsn, "SELECT slot_name FROM pg_replication_slots ORDER BY 1");
    assert.deepEqual(slots.map((s) => s.slot_name), ["replica_1"]);
    for (const n of [2, 3]) {
      await assert.rejects(docker(["container", "inspect", standby(n)]), /no such container/i);
      await assert.rejects(docker(["volume", "inspect", `${standby(n)}-data`]), /no such volume/i);
    }
    assert.equal(await sqlIn(primary, "SHOW synchronous_standby_names"), 'FIRST 1 ("replica_1")');
  });

  it("the standby list changed by hand: verify names the command that puts it back, which restarts nothing", async () => {
    await sqlIn(primary, "ALTER SYSTEM SET synchronous_standby_names = ''");
    await sqlIn(primary, "SELECT pg_reload_conf()");
    const drifted = await verify(cluster.outputsFile);
    assert.equal(drifted.code, 1, describeRun("verify with the standby list changed by hand", drifted));
    const hint = /apply them again with `(pulumi up --stack \S+ --replace '([^']+)')`/.exec(drifted.stdout);
    assert.ok(hint !== null, `verify's hint names the command: ${drifted.stdout}`);
    assert.equal(hint[2], cluster.pulumi.urn("command:local:Command", `${PREFIX}-sync`));
    const before = await startTime(primary);
    const replaced = await cluster.pulumi.up(["--replace", hint[2]]);
    assert.equal(replaced.code, 0, describeRun("the hint's pulumi up --replace", replaced));
    assert.equal(await sqlIn(primary, "SHOW synchronous_standby_names"), 'FIRST 1 ("replica_1")');
    assert.equal(await startTime(primary), before, "the primary did not restart");
    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, describeRun("verify after the hint's command", verified));
  });

  it("the primary's volume replaced: a new primary, every standby copied again", async () => {
    await row({
      row: "primary volume replaced",
      upArgs: ["--replace", cluster.pulumi.urn("docker:index/volume:Volume", `${primary}-data`)],
      preview: {
        [`${primary}-data`]: "replace", [`${primary}-bootstrap`]: "replace", [primary]: "replace",
        [`${PREFIX}-credentials`]: "replace", [`${PREFIX}-settings`]: "replace", [`${PREFIX}-sync`]: "replace",
        [`${standby(1)}-basebackup`]: "replace", [standby(1)]: "replace",
      },
      standbysBefore: 1, standbysAfter: 1, restarted: [primary, standby(1)], copied: [standby(1)], noFailedCommits: false, writer: false,
      // A new primary starts on initdb's settings; the stack's max_connections and max_wal_senders
      // then need one restart, before any standby is seeded from it.
      primaryRefusals: 2,
    });
  });
});
