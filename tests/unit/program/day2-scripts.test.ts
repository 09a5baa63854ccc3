/**
 * The scripts behind `<prefix>-credentials`, `<prefix>-settings` and
 * `<prefix>-sync`, run for real by /bin/sh against a fake `docker` on PATH
 * that records every call and answers the queries the scripts make. What
 * they do to real servers is shown by tests/integration/day2.test.ts; here:
 * where passwords travel, and the order of restarts.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { renderSettingsApply, renderSyncApply } from "../../../components/apply";
import { credentialsStdin, PASSWORD_SESSION_SETTINGS, renderCredentialsCreate } from "../../../components/credentials";

const dir = mkdtempSync(join(tmpdir(), "pg-replication-fake-docker-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Records argv (one line per call) and stdin of every call; answers like the nodes would. */
writeFileSync(join(dir, "docker"), `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_LOG"
input=""
case " $* " in *" -i "*) input=$(cat); printf '%s\\n' "$input" >> "$FAKE_STDIN" ;; esac
case "$1" in
  ps) printf 'DOCKER_HOST=%s\\n' "$DOCKER_HOST" >> "$FAKE_LOG"; [ -z "$FAKE_STANDBYS" ] || printf '%s\\n' $FAKE_STANDBYS; exit 0 ;;
  container) case "$3" in -f) echo true ;; esac; exit 0 ;;
  restart) exit 0 ;;
  # Docker counts the restarts of a node in FAKE_CRASHED.
  inspect) case "$*" in
    *RestartCount*) for n in $FAKE_CRASHED; do case " $* " in *" $n "*) echo "1 restarting"; exit 0 ;; esac; done; echo "0 running" ;;
    *Mounts*) echo "$4-data" ;;
    *Image*) echo "sha256:0123abcd" ;;
  esac; exit 0 ;;
esac
case "$1" in
  logs) echo "FATAL:  the fake node's last words"; exit 0 ;;
esac
case "$*" in
  # The library check runs here as it would in the node: its psql (below) names FAKE_LIBDIR as the library directory.
  *PKGLIBDIR*) shift 4; exec "$@" ;;
  # Nodes in FAKE_CRASHED (dying) and FAKE_SLOW (still starting) answer no more once restarted, until a docker start.
  *pg_isready*) for n in $FAKE_CRASHED $FAKE_SLOW; do case "$*" in *" $n "*) if grep -qx "restart -t 60 $n" "$FAKE_LOG" && ! grep -qx "start $n" "$FAKE_LOG"; then exit 1; fi ;; esac; done
    for n in $FAKE_NOT_READY; do case "$*" in *" $n "*) exit 1 ;; esac; done; exit 0 ;;
  *"postgres -D"*) if [ -n "$FAKE_WRITE_FAILS" ]; then echo "sh: 1: cannot create /var/lib/postgresql/data/pg-replication.conf.new: No space left on device" >&2; exit 90; fi
    if [ -n "$FAKE_INVALID" ]; then echo '2026-12-02 10:00:00.000 UTC [9] LOG:  invalid value for parameter "work_mem": "abc"' >&2; exit 1; fi; exit 0 ;;
  *pg_current_wal_lsn*) echo 0/10; exit 0 ;;
  *pg_last_wal_replay_lsn*) echo t; exit 0 ;;
  *pg_stat_wal_receiver*) echo streaming; exit 0 ;;
  *"FROM pg_file_settings WHERE error"*) echo "$FAKE_PENDING"; exit 0 ;;
esac
case "$input" in
  *"f.setting::bigint <"*) echo "$FAKE_DECREASES" ;;
  *"CROSS JOIN LATERAL"*) echo "$FAKE_CHANGES" ;;
  *"FROM pg_file_settings WHERE error"*) echo "$FAKE_PENDING" ;;
esac
exit 0
`, { mode: 0o755 });

/** psql inside a node, for the library check: the server's library directory. */
writeFileSync(join(dir, "psql"), `#!/bin/sh
echo "$FAKE_LIBDIR"
`, { mode: 0o755 });

/** A clock that jumps 50 s at every call, so a wait's 180 s bound is reached within a few of them, even with the other nodes' waits (run at once) calling it too; the real date otherwise. */
writeFileSync(join(dir, "date"), `#!/bin/sh
if [ -z "$FAKE_CLOCK" ]; then exec /bin/date "$@"; fi
now=$(cat "$FAKE_CLOCK" 2>/dev/null || echo 1000)
echo $((now + 50)) > "$FAKE_CLOCK"
echo "$now"
`, { mode: 0o755 });

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Every docker call, one line each. */
  readonly calls: string[];
  /** What the scripts fed to `docker exec -i`. */
  readonly stdin: string;
}

function runScript(script: string, input: string, env: Record<string, string> = {}): Run {
  const log = join(dir, "calls.log");
  const stdinLog = join(dir, "stdin.log");
  writeFileSync(log, "");
  writeFileSync(stdinLog, "");
  const result = spawnSync("/bin/sh", ["-c", script], {
    input,
    env: { PATH: `${dir}:${process.env.PATH ?? ""}`, FAKE_LOG: log, FAKE_STDIN: stdinLog, FAKE_STANDBYS: "pg-t-replica-1 pg-t-replica-2", FAKE_DECREASES: "0", FAKE_PENDING: "max_connections", ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return {
    code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr,
    calls: readFileSync(log, "utf8").split("\n").filter((l) => l !== ""), stdin: readFileSync(stdinLog, "utf8"),
  };
}

const credentials = renderCredentialsCreate({ namePrefix: "pg-t", primaryContainer: "pg-t-primary", superuser: "postgres", replicationUser: "replicator" });
const settings = renderSettingsApply({ stack: "t", namePrefix: "pg-t", primaryContainer: "pg-t-primary", superuser: "postgres", settings: { max_connections: "150", work_mem: "16MB" } });
const sync = renderSyncApply({ namePrefix: "pg-t", primaryContainer: "pg-t-primary", superuser: "postgres", standbyNames: 'FIRST 1 ("replica_1")' });

describe("the day-2 scripts", () => {
  it("are valid sh", () => {
    for (const script of [credentials, settings, sync]) execFileSync("/bin/sh", ["-n"], { input: script });
  });
});

describe("every day-2 script", () => {
  it("finds the cluster's standbys by its labels, on the engine the docker provider uses", () => {
    for (const script of [credentials, settings]) {
      const run = runScript(script, "a-password-1\nb-password-2\n");
      assert.ok(run.calls.includes("ps -a --filter label=pg-replication.cluster=pg-t --filter label=pg-replication.role=replica --format {{.Names}}"), run.calls.join("\n"));
      assert.ok(run.calls.includes("DOCKER_HOST=unix:///var/run/docker.sock"), "DOCKER_HOST defaults to the provider's socket");
    }
  });
});

/** The settings command's one docker exec per node that keeps the old file, installs the new one, reloads, and asks what is pending. */
const INSTALL = `sh -c cp -p "$1" "$1.old" && mv "$1.new" "$1" && pg_ctl reload -s -D "$2" && exec psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -U "$3" -c "$4" sh /var/lib/postgresql/data/pg-replication.conf /var/lib/postgresql/data postgres SELECT`;

describe("waiting for the nodes", () => {
  const isReadyPoll = (node: string) => (c: string): boolean => c.startsWith(`exec -u postgres ${node} sh -c`) && c.includes("pg_isready");
  const firstIndex = (calls: string[], match: (c: string) => boolean): number => calls.findIndex(match);

  it("credentials wait for the primary before the first statement", () => {
    const run = runScript(credentials, "a-password-1\nb-password-2\n");
    assert.equal(run.code, 0, run.stderr);
    const ready = firstIndex(run.calls, isReadyPoll("pg-t-primary"));
    const psql = firstIndex(run.calls, (c) => c.startsWith("exec -i -u postgres pg-t-primary psql"));
    assert.ok(ready >= 0 && ready < psql, run.calls.join("\n"));
  });

  it("settings write and check the new file while the nodes start, and wait for every node before installing it on any", () => {
    const run = runScript(settings, "");
    assert.equal(run.code, 0, run.stderr);
    const firstReady = firstIndex(run.calls, isReadyPoll("pg-t-primary"));
    const checks = run.calls.flatMap((c, i) => (c.includes("postgres -D /var/lib/postgresql/data -c config_file=") ? [i] : []));
    const lastCheck = checks.length === 3 ? checks[2] : -1;
    const firstInstall = firstIndex(run.calls, (c) => c.includes(INSTALL));
    assert.ok(lastCheck >= 0 && lastCheck < firstReady, `every node's file checked before the first wait:\n${run.calls.join("\n")}`);
    for (const node of ["pg-t-primary", "pg-t-replica-1", "pg-t-replica-2"]) {
      const ready = firstIndex(run.calls, isReadyPoll(node));
      assert.ok(ready >= 0 && ready < firstInstall, `${node} waited for before the first install:\n${run.calls.join("\n")}`);
    }
  });

  it("the standby list waits for the primary and every standby before it changes", () => {
    const run = runScript(sync, "");
    assert.equal(run.code, 0, run.stderr);
    const alter = firstIndex(run.calls, (c) => c.startsWith("exec -i -u postgres pg-t-primary psql"));
    for (const node of ["pg-t-primary", "pg-t-replica-1", "pg-t-replica-2"]) {
      const ready = firstIndex(run.calls, isReadyPoll(node));
      assert.ok(ready >= 0 && ready < alter, `${node} waited for before ALTER SYSTEM:\n${run.calls.join("\n")}`);
    }
  });

  it("a node that never accepts connections fails the command at the bound, with its last log lines, and nothing is changed", () => {
    const clock = join(dir, "clock");
    rmSync(clock, { force: true });
    const run = runScript(sync, "", { FAKE_NOT_READY: "pg-t-replica-2", FAKE_CLOCK: clock });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /pg-replication: pg-t-replica-2 does not accept connections after 180 s; its last log lines \(docker logs pg-t-replica-2\):\n {2}FATAL: {2}the fake node's last words/);
    assert.ok(!run.calls.some((c) => c.startsWith("exec -i -u postgres pg-t-primary psql")), "ALTER SYSTEM never ran");
    assert.ok(run.calls.filter(isReadyPoll("pg-t-replica-2")).length >= 2, "asked again before giving up");
  });

  it("the nodes are waited for at once: one that never answers fails the command wherever it is in the list, and the others are still asked", () => {
    const clock = join(dir, "clock");
    rmSync(clock, { force: true });
    const run = runScript(sync, "", { FAKE_NOT_READY: "pg-t-primary", FAKE_CLOCK: clock });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /pg-replication: pg-t-primary does not accept connections after 180 s/);
    for (const node of ["pg-t-replica-1", "pg-t-replica-2"]) assert.ok(run.calls.some(isReadyPoll(node)), `${node} asked`);
    assert.ok(!run.calls.some((c) => c.startsWith("exec -i -u postgres pg-t-primary psql")), "ALTER SYSTEM never ran");
  });
});

describe("credentials", () => {
  const superuserPassword = "it's:a\\pw $HOME";
  const replicationPassword = "repl:pw'x\\y";
  // The command's stdin, as the program builds it.
  const run = runScript(credentials, credentialsStdin(superuserPassword, replicationPassword));

  it("succeeds and sets both roles on the primary, passwords escaped as SQL literals, logging off", () => {
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdin.includes(`${PASSWORD_SESSION_SETTINGS}\nALTER ROLE "postgres" WITH PASSWORD 'it''s:a\\pw $HOME';\nALTER ROLE "replicator" WITH PASSWORD 'repl:pw''x\\y';\n`), run.stdin);
  });

  it("turns off, in the password session, every setting that would log the statement or keep its text, and reads backslashes as themselves", () => {
    for (const line of [
      "SET log_statement = 'none';", "SET log_min_error_statement = 'panic';", "SET log_min_duration_statement = -1;",
      "SET log_min_duration_sample = -1;", "SET log_transaction_sample_rate = 0;", "SET debug_print_parse = off;",
      "SET debug_print_rewritten = off;", "SET debug_print_plan = off;", "SET pg_stat_statements.track_utility = off;",
      "SET standard_conforming_strings = on;",
    ]) assert.ok(PASSWORD_SESSION_SETTINGS.split("\n").includes(line), line);
  });

  it("stores the replication password on every standby in .pgpass form, and proves it is accepted", () => {
    assert.equal(run.stdin.split("primary:5432:*:replicator:repl\\:pw'x\\\\y\n").length - 1, 2, run.stdin);
    for (const node of ["pg-t-replica-1", "pg-t-replica-2"]) {
      assert.ok(run.calls.some((c) => c.startsWith(`exec -u postgres ${node} psql`) && c.includes("IDENTIFY_SYSTEM")), `${node} checked`);
    }
  });

  it("never puts a password in a process's arguments", () => {
    for (const call of run.calls) {
      assert.ok(!call.includes("a\\pw") && !call.includes("pw'x"), call);
    }
  });

  it("refuses to run without both passwords", () => {
    const empty = runScript(credentials, "only-one\n");
    assert.notEqual(empty.code, 0);
    assert.match(empty.stderr, /no passwords on stdin/);
    assert.ok(!empty.calls.some((c) => c.startsWith("exec")), "no node touched");
  });
});

describe("settings", () => {
  const restarts = (run: Run): string[] => run.calls.filter((c) => c.startsWith("restart ")).map((c) => c.split(" ").pop() ?? c);

  it("restarts standbys first, the primary last, when no hot-standby setting decreases", () => {
    const run = runScript(settings, "");
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(restarts(run), ["pg-t-replica-1", "pg-t-replica-2", "pg-t-primary"]);
  });

  it("restarts the primary first when one decreases, and waits for each standby to replay past it", () => {
    const run = runScript(settings, "", { FAKE_DECREASES: "1" });
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(restarts(run), ["pg-t-primary", "pg-t-replica-1", "pg-t-replica-2"]);
    const replayed = run.calls.findIndex((c) => c.includes("pg_last_wal_replay_lsn() >= '0/10'"));
    const standbyRestart = run.calls.findIndex((c) => c === "restart -t 60 pg-t-replica-1");
    assert.ok(replayed >= 0 && replayed < standbyRestart, "replayed the primary's new WAL before the standby restarts");
  });

  it("decides the order from all five settings a standby must not have lower than its primary", () => {
    const run = runScript(settings, "");
    assert.match(run.stdin, /WHERE f\.name IN \('max_connections', 'max_prepared_transactions', 'max_locks_per_transaction', 'max_wal_senders', 'max_worker_processes'\)/);
  });

  it("installs and reloads the file on every node before any restart", () => {
    const run = runScript(settings, "");
    const firstRestart = run.calls.findIndex((c) => c.startsWith("restart "));
    for (const node of ["pg-t-primary", "pg-t-replica-1", "pg-t-replica-2"]) {
      const reload = run.calls.findIndex((c) => c.startsWith(`exec -u postgres ${node} ${INSTALL}`));
      assert.ok(reload >= 0 && reload < firstRestart, `${node} reloaded before the first restart`);
    }
    assert.match(run.stdin, /^max_connections = '150' {2}# restart$/m);
  });

  it("changes nothing anywhere when the server refuses a value, and says why", () => {
    const run = runScript(settings, "", { FAKE_INVALID: "1" });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /PostgreSQL refuses the new settings \(postgresSettings\); nothing was changed:\nLOG: {2}invalid value for parameter "work_mem": "abc"/);
    assert.ok(!run.calls.some((c) => c.includes(" mv ") || c.includes("pg_ctl reload") || c.startsWith("restart ")), run.calls.join("\n"));
  });

  it("only reloads when no server reports a setting it cannot apply: no restart, no question of their order", () => {
    const run = runScript(settings, "", { FAKE_PENDING: "" });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.calls.filter((c) => c.includes("pg_ctl reload")).length, 3, run.calls.join("\n"));
    assert.deepEqual(restarts(run), []);
    assert.doesNotMatch(run.stdin, /f\.setting::bigint </);
  });

  it("writes and checks the file in one docker exec per node, and installs, reloads and asks what is pending in one more", () => {
    const run = runScript(settings, "", { FAKE_PENDING: "" });
    assert.equal(run.code, 0, run.stderr);
    for (const node of ["pg-t-primary", "pg-t-replica-1", "pg-t-replica-2"]) {
      const execs = run.calls.filter((c) => c.startsWith(`exec -i -u postgres ${node} `) || c.startsWith(`exec -u postgres ${node} `)).filter((c) => !c.includes("pg_isready"));
      const expected = node === "pg-t-primary" ? ["write and check", "standby-sensitive check", "install"] : ["write and check", "install"];
      assert.deepEqual(execs.map((c) => (c.includes("config_file=") ? "write and check" : c.includes(INSTALL) ? "install" : c === "exec -i -u postgres pg-t-primary psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -U postgres" ? "standby-sensitive check" : c)), expected, run.calls.join("\n"));
    }
    assert.ok(run.stdin.includes("coalesce(CASE s.name WHEN 'max_connections' THEN '150' END,"), run.stdin);
    assert.equal(run.stdin.split("include_if_exists = 'postgresql.conf'").length - 1, 3, "the file went to every node through stdin");
  });

  it("says a file that could not be written was not written, rather than that PostgreSQL refuses it, and changes nothing", () => {
    const run = runScript(settings, "", { FAKE_WRITE_FAILS: "1" });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /could not write \/var\/lib\/postgresql\/data\/pg-replication\.conf\.new on pg-t-primary; nothing was changed:\nsh: 1: cannot create .*No space left on device/);
    assert.doesNotMatch(run.stderr, /refuses/);
    assert.ok(!run.calls.some((c) => c.includes(" mv ") || c.includes("pg_ctl reload") || c.startsWith("restart ")), run.calls.join("\n"));
    assert.equal(run.calls.filter((c) => c.endsWith("rm -f /var/lib/postgresql/data/pg-replication.conf.new")).length, 3, "the new file removed from every node");
  });
});

describe("settings: a node that does not start on the new file", () => {
  const FILE = "/var/lib/postgresql/data/pg-replication.conf";
  const RESTORE = `if [ -e ${FILE}.old ]; then mv -f ${FILE}.old ${FILE}; fi`;

  it("gets the old file back through a one-off container on its volume, is started on it, and the command fails with the server's words", () => {
    const run = runScript(settings, "", { FAKE_CRASHED: "pg-t-replica-2" });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /pg-replication: pg-t-replica-2 did not start with the new settings \(the fake node's last words\)\. The previous settings file is back on every node, and pg-t-replica-2 runs on it again\. Restarted on the new values before it, and keeping them until their next restart: pg-t-replica-1\. Correct postgresSettings and run pulumi up again\./);
    const at = (call: string): number => {
      const i = run.calls.indexOf(call);
      assert.ok(i >= 0, `no call ${call} in:\n${run.calls.join("\n")}`);
      return i;
    };
    const stop = at("stop -t 60 pg-t-replica-2");
    const oneOff = at(`run --rm --name pg-t-replica-2-settings-restore --network none --label pg-replication.stack=t --label pg-replication.cluster=pg-t --label pg-replication.role=settings-restore -v pg-t-replica-2-data:/var/lib/postgresql/data --entrypoint /bin/sh sha256:0123abcd -c ${RESTORE}`);
    const start = at("start pg-t-replica-2");
    assert.ok(at("restart -t 60 pg-t-replica-2") < stop && stop < oneOff && oneOff < start, "stopped, then the file put back, then started");
    for (const node of ["pg-t-primary", "pg-t-replica-1"]) {
      assert.ok(at(`exec -u postgres ${node} sh -c ${RESTORE} && pg_ctl reload -s -D /var/lib/postgresql/data`) < start, `${node}: the old file back and reloaded`);
    }
    const streaming = run.calls.findIndex((c, i) => i > start && c.startsWith("exec -i -u postgres pg-t-replica-2 psql") && c.includes("pg_stat_wal_receiver"));
    assert.ok(streaming > start, "waits for the standby to stream again");
    assert.ok(!run.calls.includes("restart -t 60 pg-t-primary"), "nothing restarted after the failed node");
  });

  it("names no node restarted before it when it was the first, and says so when the server logged no FATAL line", () => {
    const run = runScript(settings.replace("FATAL|PANIC", "NO-SUCH-LEVEL"), "", { FAKE_CRASHED: "pg-t-replica-1" });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /pg-t-replica-1 did not start with the new settings \(no FATAL line in docker logs pg-t-replica-1\)\. The previous settings file is back on every node, and pg-t-replica-1 runs on it again\. Correct postgresSettings/);
  });

  it("waits for a node that is slow but not dying, and fails after the bound without touching any file", () => {
    const clock = join(dir, "clock-slow-restart");
    rmSync(clock, { force: true });
    const run = runScript(settings, "", { FAKE_SLOW: "pg-t-replica-1", FAKE_CLOCK: clock });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /pg-replication: pg-t-replica-1 does not accept connections 180 s after its restart; its last log lines \(docker logs pg-t-replica-1\):\n {2}FATAL: {2}the fake node's last words/);
    assert.ok(!run.calls.some((c) => c.startsWith("stop ") || c.startsWith("run ") || c.includes(RESTORE)), run.calls.join("\n"));
  });
});

describe("settings: what is checked on the running primary before the file is installed", () => {
  const nothingInstalled = (run: Run): void => {
    assert.ok(!run.calls.some((c) => c.includes(INSTALL) || c.startsWith("restart ")), run.calls.join("\n"));
    assert.equal(run.calls.filter((c) => c.endsWith("rm -f /var/lib/postgresql/data/pg-replication.conf.new")).length, 3, "the new file removed from every node");
  };

  it("refuses to raise one standby-sensitive setting and lower another in the same change, and changes nothing", () => {
    const run = runScript(settings, "", { FAKE_CHANGES: "max_connections/max_worker_processes" });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /this change raises max_connections and lowers max_worker_processes; .* Raise them with one pulumi up and lower them with the next\. Nothing was changed\./);
    nothingInstalled(run);
  });

  it("goes on when the sensitive settings only rise, or only fall", () => {
    for (const changes of ["max_connections/", "/max_connections", "/"]) {
      const run = runScript(settings, "", { FAKE_CHANGES: changes, FAKE_PENDING: "" });
      assert.equal(run.code, 0, `${changes}: ${run.stderr}`);
      assert.ok(run.calls.some((c) => c.includes(INSTALL)), changes);
    }
  });

  it("asks nothing when there is no standby; with standbys, compares the sensitive settings the file leaves out too", () => {
    const alone = runScript(settings, "", { FAKE_STANDBYS: "", FAKE_CHANGES: "max_connections/max_worker_processes", FAKE_PENDING: "" });
    assert.equal(alone.code, 0, alone.stderr);
    assert.ok(!alone.stdin.includes("CROSS JOIN LATERAL"), alone.stdin);
    const reloadOnly = renderSettingsApply({ stack: "t", namePrefix: "pg-t", primaryContainer: "pg-t-primary", superuser: "postgres", settings: { work_mem: "16MB" } });
    // Still compared: each sensitive setting at the value it falls back to, out of the file.
    assert.ok(reloadOnly.includes("coalesce(NULL::text,"), reloadOnly);
    assert.ok(reloadOnly.includes("WHERE s.name IN ('max_connections', 'max_prepared_transactions', 'max_locks_per_transaction', 'max_wal_senders', 'max_worker_processes')"), reloadOnly);
    assert.ok(!reloadOnly.includes("PKGLIBDIR"), "no library check without shared_preload_libraries");
  });

  // A library directory with pg_stat_statements only, and an absolute path beside it that exists.
  const libdir = mkdtempSync(join(tmpdir(), "pg-replication-libdir-"));
  after(() => rmSync(libdir, { recursive: true, force: true }));
  writeFileSync(join(libdir, "pg_stat_statements.so"), "");
  writeFileSync(join(libdir, "elsewhere"), "");
  const withLibraries = (libraries: string): string => renderSettingsApply({
    stack: "t", namePrefix: "pg-t", primaryContainer: "pg-t-primary", superuser: "postgres",
    settings: { max_connections: "150", max_wal_senders: "12", shared_preload_libraries: libraries },
  });

  it("refuses shared_preload_libraries naming a library the image does not have, and changes nothing", () => {
    const run = runScript(withLibraries(`pg_stat_statements, "$libdir/auto_explain", ${libdir}/elsewhere, /nowhere/x`), "", { FAKE_LIBDIR: libdir });
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`pg-replication: shared_preload_libraries names a library the image does not have (${libdir}/auto_explain /nowhere/x); the server would not start. Nothing was changed.`), run.stderr);
    nothingInstalled(run);
  });

  it("goes on when every preload library is there, with or without its suffix, asking the primary once", () => {
    const run = runScript(withLibraries(`pg_stat_statements, "$libdir/pg_stat_statements", ${libdir}/elsewhere`), "", { FAKE_LIBDIR: libdir, FAKE_PENDING: "" });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.calls.some((c) => c.includes(INSTALL)), run.calls.join("\n"));
    const look = run.calls.findIndex((c) => c.includes("PKGLIBDIR"));
    assert.ok(run.calls[look].startsWith("exec -u postgres pg-t-primary sh -c "), run.calls[look]);
    assert.equal(run.calls.filter((c) => c.includes("PKGLIBDIR")).length, 1);
    assert.ok(run.stdin.includes("coalesce(CASE s.name WHEN 'max_connections' THEN '150' WHEN 'max_wal_senders' THEN '12' END,"), run.stdin);
  });
});

describe("sync", () => {
  it("sets the standby list by ALTER SYSTEM on the primary and reloads it", () => {
    const run = runScript(sync, "");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdin, /ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 \("replica_1"\)';\nSELECT pg_reload_conf\(\);/);
    assert.match(run.stdout, /synchronous_standby_names = 'FIRST 1 \("replica_1"\)' on pg-t-primary/);
  });
});
