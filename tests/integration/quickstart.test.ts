/**
 * The README's quick start, run as written in a copy of the repository: the
 * command lines are read from the README's "Quick start" section, and the
 * test fails if it does not run every one of them. A shell that has run the
 * README's `export PULUMI_CONFIG_PASSPHRASE=...` line runs `npm ci && npm run
 * up`, then `pulumi stack output`, the original project's SQL through psql on
 * the primary and the standby, `npm run verify`, `npm run status -- --watch`
 * (stopped with Ctrl-C) and `pulumi destroy --yes`. Two things differ from a user's machine,
 * the first two for isolation: the copy's Pulumi.dev.yaml gets test ports and
 * a name prefix of its own (a developer's `dev` stack may hold 15432 and
 * pg-dev-*), and the test image (no registry is reachable here: the README's
 * offline-image step, `pulumi config set image ...`, done in the file),
 * and it runs with a Pulumi home of its own (so `npm run up`'s login to the
 * copy's .pulumi-state does not change the test home's), holding the same
 * stand-in provider plugins.
 */
import assert from "node:assert/strict";
import { cp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";

import { testImage } from "../support/cluster";
import { isEmpty, labelled, removeLabelled } from "../support/docker";
import { describeRun, REPO_ROOT, run, start, type RunResult } from "../support/process";
import { waitFor } from "../support/wait";
import { seconds } from "../support/wait";

const WORK = join(tmpdir(), "pg-replication-it", "quickstart");
const COPY = join(WORK, "repo");
const HOME = join(WORK, "pulumi-home");
const PREFIX = "pg-it-quickstart";
const PRIMARY_PORT = 27150;
const CLUSTER_LABEL = `pg-replication.cluster=${PREFIX}`;

/** The original project's README, section "Test Operations" and "Monitoring Replication". */
const PRIMARY_SQL = [
  "INSERT INTO users (username, email) VALUES ('test_user', 'test@example.com');",
  "SELECT * FROM users;",
  "SELECT client_addr, state, sync_state FROM pg_stat_replication;",
  "SELECT * FROM pg_replication_slots;",
  "SELECT * FROM pg_stat_replication;",
];
const STANDBY_SQL = [
  "SELECT * FROM users;",
  "SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn();",
  "SELECT pg_is_in_recovery();",
];

/** The README's two psql lines. */
const PRIMARY_PSQL = `psql "$(pulumi stack output primaryConnectionString --show-secrets)"`;
const STANDBY_PSQL = `psql "$(pulumi stack output replicaConnectionStrings --show-secrets --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8"))[0]')"`;

/** The README's first line: every later command runs in a shell that ran it. */
const PASSPHRASE_LINE = "export PULUMI_CONFIG_PASSPHRASE='choose one'";

/** Every command line the test runs, in the README's order. */
const README_LINES = [
  PASSPHRASE_LINE, "npm ci && npm run up", "pulumi stack output", PRIMARY_PSQL, STANDBY_PSQL,
  "npm run verify", "npm run status -- --watch", "pulumi destroy --yes",
];

/** The command lines of the README's "Quick start" code blocks, trailing comments dropped. */
function quickStartLines(readme: string): string[] {
  const section = /^## Quick start\n([\s\S]*?)^## /m.exec(readme)?.[1] ?? "";
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks.flatMap((b) => b.split("\n")).map((l) => l.replace(/\s{2,}# .*$/, "").trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_HOME: HOME,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NO_COLOR: "1",
  };
  // As a user who is logged in nowhere, with no passphrase but the README's.
  delete e.PULUMI_CONFIG_PASSPHRASE;
  delete e.PULUMI_CONFIG_PASSPHRASE_FILE;
  delete e.PULUMI_BACKEND_URL;
  delete e.PULUMI_ACCESS_TOKEN;
  return e;
}

function shell(line: string, timeoutMs: number, input?: string): Promise<RunResult> {
  return run("bash", ["-c", `${PASSPHRASE_LINE}\n${line}`], { cwd: COPY, env: env(), timeoutMs, ...(input !== undefined ? { input } : {}) });
}

/** The files a fresh clone would have (tracked and new, not ignored), copied as they are now. */
async function copyRepository(): Promise<void> {
  const listed = await run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO_ROOT, timeoutMs: 30_000 });
  assert.equal(listed.code, 0, describeRun("git ls-files", listed));
  for (const file of listed.stdout.split("\0").filter((f) => f !== "")) {
    await mkdir(dirname(join(COPY, file)), { recursive: true });
    await cp(join(REPO_ROOT, file), join(COPY, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error; // deleted in the work tree, not yet committed
    });
  }
}

async function isolate(): Promise<void> {
  const file = join(COPY, "Pulumi.dev.yaml");
  const yaml = (await readFile(file, "utf8"))
    .replace(/pg-replication:primaryPort: \d+/, `pg-replication:primaryPort: ${PRIMARY_PORT}`)
    .replace(/pg-replication:firstReplicaPort: \d+/, `pg-replication:firstReplicaPort: ${PRIMARY_PORT + 1}`)
    .replace("config:\n", `config:\n  pg-replication:namePrefix: ${PREFIX}\n  pg-replication:image: ${await testImage()}\n`);
  assert.match(yaml, new RegExp(`primaryPort: ${PRIMARY_PORT}`));
  await writeFile(file, yaml);
  const plugins = join(process.env.PULUMI_HOME ?? "", "plugins");
  await cp(plugins, join(HOME, "plugins"), { recursive: true });
}

describe("the README's quick start, as written", { timeout: 900_000 }, () => {
  before(async () => {
    await removeLabelled(CLUSTER_LABEL);
    await rm(WORK, { recursive: true, force: true });
    await copyRepository();
    await isolate();
  });
  after(async () => {
    // A failed run may leave the stack up: destroy it through its own backend, then sweep by label.
    await shell("pulumi destroy --yes --stack dev >/dev/null 2>&1 || true", 300_000).catch(() => undefined);
    await removeLabelled(CLUSTER_LABEL);
    await rm(WORK, { recursive: true, force: true });
  });

  it("runs every command line of the README's quick start, and no other", async () => {
    const readme = await readFile(join(REPO_ROOT, "README.md"), "utf8");
    assert.deepEqual(quickStartLines(readme), README_LINES);
  });

  it("deploys, connects, verifies and destroys", async (t) => {
    const started = Date.now();
    const up = await shell("npm ci && npm run up", 600_000);
    assert.equal(up.code, 0, describeRun("npm ci && npm run up", up));
    assert.match(up.stdout, /logged in to the local backend/);
    assert.match(up.stdout, /PASSED/, "npm run up ends with a passing verify");
    const upMs = Date.now() - started;

    const outputs = await shell("pulumi stack output", 60_000);
    assert.equal(outputs.code, 0, describeRun("pulumi stack output", outputs));
    assert.match(outputs.stdout, /primaryConnectionString\s+\[secret\]/);
    assert.match(outputs.stdout, new RegExp(`primaryPort\\s+${PRIMARY_PORT}`));

    const primary = await shell(`${PRIMARY_PSQL} -v ON_ERROR_STOP=1`, 60_000, PRIMARY_SQL.join("\n"));
    assert.equal(primary.code, 0, describeRun("psql on the primary", primary));
    assert.match(primary.stdout, /INSERT 0 1/);
    assert.match(primary.stdout, /test_user\s*\|\s*test@example\.com/);
    assert.match(primary.stdout, /\|\s*streaming\s*\|\s*async/);
    assert.match(primary.stdout, /replica_1\s*\|/);

    const standby = await shell(`${STANDBY_PSQL} -v ON_ERROR_STOP=1`, 60_000, STANDBY_SQL.join("\n"));
    assert.equal(standby.code, 0, describeRun("psql on the standby", standby));
    assert.match(standby.stdout, /test_user\s*\|\s*test@example\.com/, "the row written on the primary is on the standby");
    assert.match(standby.stdout, /pg_is_in_recovery\s*\n-+\s*\n\s*t\b/);

    const verified = await shell("npm run verify", 120_000);
    assert.equal(verified.code, 0, describeRun("npm run verify", verified));

    const watching = start("bash", ["-c", `${PASSPHRASE_LINE}\nexec npm run status -- --watch`], { cwd: COPY, env: env(), timeoutMs: 120_000 });
    await waitFor("a frame of npm run status -- --watch", async () => (/pg-replication status:/.test(watching.stdout()) ? true : undefined), { timeoutMs: 60_000 });
    const watched = await watching.interruptGroup(10_000);
    // npm ends on Ctrl-C as a shell reports it, 130 (killed by SIGINT), once its script has ended;
    // status itself stops quietly (exit 0, tested in tools-verify) after drawing its frames.
    assert.ok(watched.signal === "SIGINT" || watched.code === 130, describeRun("npm run status -- --watch, then Ctrl-C", watched));
    assert.doesNotMatch(watched.stderr, /error|status:/i, describeRun("npm run status -- --watch, then Ctrl-C", watched));

    const destroyed = await shell("pulumi destroy --yes", 300_000);
    assert.equal(destroyed.code, 0, describeRun("pulumi destroy --yes", destroyed));
    assert.ok(isEmpty(await labelled(CLUSTER_LABEL)), "pulumi destroy left containers, volumes or networks");
    const removed = await shell("pulumi stack rm --yes dev", 60_000);
    assert.equal(removed.code, 0, describeRun("pulumi stack rm", removed));
    t.diagnostic(`quickstart: npm ci && npm run up ${seconds(upMs)}, psql on primary and standby, verify, status --watch, destroy; whole path ${seconds(Date.now() - started)}`);
  });
});
