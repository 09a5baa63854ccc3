/**
 * The base-backup command's create, update and delete scripts, the seed script
 * it runs in a one-off container, and the nodes' entrypoints, run for real by
 * the shell against stand-ins: a fake `docker` that records every call's
 * argv, and fake PostgreSQL binaries over scratch directories standing in for
 * the data and config directories. Each script runs under /bin/sh and, where
 * present, under bash in POSIX mode (/bin/sh on macOS), since command.local
 * runs them with the Docker host's /bin/sh. What they do to real servers is
 * shown by the integration suite.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import {
  renderBaseBackupCreate, renderBaseBackupDelete, renderBaseBackupUpdate, renderSeedScript, type BaseBackupInput,
} from "../../../components/basebackup";
import {
  renderBootstrapCreate, renderBootstrapScript, renderBootstrapUpdate, type BootstrapInput,
} from "../../../components/bootstrap";
import { ENTRYPOINT_PATH, renderPrimaryEntrypoint, renderStandbyEntrypoint, type ConfigFile } from "../../../components/entrypoint";
import { CONFIG_DIR, DATA_DIR } from "../../../components/naming";

const root = mkdtempSync(join(tmpdir(), "pg-replication-node-scripts-"));
after(() => rmSync(root, { recursive: true, force: true }));
const bin = join(root, "bin");
mkdirSync(bin);

/** Appends this call's argv to $FAKE_LOG, after the program's name: arguments separated by \x1f, calls by \x1e. */
const record = (name: string): string => `{ printf '${name}\\037'; for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\036'; } >> "$FAKE_LOG"`;

function fake(name: string, body: string): void {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
}

/** docker: answers like the engine would, as the FAKE_* variables say. */
fake("docker", `${record("docker")}
case "$1" in
  container) echo "$FAKE_RUNNING"; exit 0 ;;
  stop) exit "\${FAKE_STOP_EXIT:-0}" ;;
  run) cat > "$FAKE_STDIN"; exit "\${FAKE_RUN_EXIT:-0}" ;;
  exec)
    if [ "$3" = true ]; then exit "\${FAKE_PRIMARY_DOWN:-0}"; fi
    case "$*" in
      *"wal_status = 'lost'"*) exit 0 ;;
      *pg_drop_replication_slot*)
        n=$(cat "$FAKE_COUNT" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_COUNT"
        if [ "$n" -le "\${FAKE_DROP_FAILS:-0}" ]; then echo "ERROR:  replication slot \\"replica_2\\" is active" >&2; exit 1; fi ;;
    esac ;;
esac
exit 0`);
fake("sleep", record("sleep"));
fake("chown", "exit 0");
/** setpriv: drops its options and runs the rest, as the postgres user would. */
fake("setpriv", `while [ $# -gt 0 ]; do case "$1" in --*) shift ;; *) break ;; esac; done
exec "$@"`);
/** install: -d makes the directory; otherwise copies SRC to DST with mode 0600. */
fake("install", `dir=false; for a in "$@"; do [ "$a" = -d ] && dir=true; done
while [ $# -gt 2 ]; do shift; done
if $dir; then mkdir -p "$2"; exit; fi
cp "$1" "$2" && chmod 0600 "$2"`);
/** pg_basebackup: refused for want of a WAL sender FAKE_BUSY times, then writes what -R writes. */
fake("pg_basebackup", `data=; while [ $# -gt 0 ]; do case "$1" in -D) data=$2; shift ;; esac; shift; done
n=$(cat "$FAKE_COUNT" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$FAKE_COUNT"
if [ "$n" -le "\${FAKE_BUSY:-0}" ]; then
  echo "pg_basebackup: error: FATAL:  number of requested standby connections exceeds max_wal_senders (currently 2)" >&2
  : > "$data/half-copied"; exit 1
fi
cp "$PGPASSFILE" "$FAKE_PGPASS"
echo 17 > "$data/PG_VERSION"; : > "$data/standby.signal"
echo "primary_conninfo = 'user=replicator passfile=$PGPASSFILE host=primary port=5432'" > "$data/postgresql.auto.conf"`);
fake("initdb", `${record("initdb")}
while [ $# -gt 0 ]; do case "$1" in -D) echo 17 > "$2/PG_VERSION"; shift ;; esac; shift; done`);
fake("pg_ctl", record("pg_ctl"));
fake("psql", `${record("psql")}
exit "\${FAKE_PSQL_EXIT:-0}"`);
/** pg_isready -q -h DIR: ready once the server's socket is in DIR (this fake waits up to 1 s for it, so it is asked once). */
fake("pg_isready", `${record("pg_isready")}
i=0; while [ ! -e "$3/.s.PGSQL.5432" ] && [ $i -lt 100 ]; do i=$((i + 1)); /bin/sleep 0.01; done
[ -e "$3/.s.PGSQL.5432" ]`);
/**
 * postgres, in node so that it can take SIGINT (a shell cannot trap a signal
 * ignored on entry, as it is for `&` in a script). Becoming a node's server it
 * exits at once; as the bootstrap's temporary server (listen_addresses empty) it
 * writes its pid file and its socket, then waits for a fast shutdown, or fails
 * at once when FAKE_SERVER_FAILS is set.
 */
writeFileSync(join(bin, "postgres"), `#!${process.execPath}
const { appendFileSync, writeFileSync } = require("node:fs");
const args = process.argv.slice(2);
const log = (...call) => appendFileSync(process.env.FAKE_LOG, call.map((a) => a + "\\x1f").join("") + "\\x1e");
log("postgres", ...args);
if (!args.includes("listen_addresses=")) process.exit(0);
if (process.env.FAKE_SERVER_FAILS) process.exit(1);
writeFileSync(args[args.indexOf("-D") + 1] + "/postmaster.pid", process.pid + "\\n");
const sockets = args.find((a) => a.startsWith("unix_socket_directories=")).split("=")[1];
writeFileSync(sockets + "/.s.PGSQL.5432", "");
process.on("SIGINT", () => { log("postgres-stopped", "SIGINT"); process.exit(0); });
setTimeout(() => process.exit(2), 4000);
`, { mode: 0o755 });

const SHELLS: ReadonlyArray<readonly string[]> = [["/bin/sh"], ...(existsSync("/bin/bash") ? [["/bin/bash", "--posix"]] : [])];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Every recorded call, argv with the program's name first. */
  readonly calls: string[][];
}

let runs = 0;
function run(shell: readonly string[], script: string, options: { input?: string; env?: Record<string, string>; args?: string[] } = {}): Run & { dir: string } {
  const dir = join(root, `run-${++runs}`);
  mkdirSync(dir);
  const log = join(dir, "calls");
  writeFileSync(log, "");
  const result = spawnSync(shell[0], [...shell.slice(1), "-c", script, "script", ...(options.args ?? [])], {
    input: options.input ?? "",
    env: {
      // SHLVL: bash reads ~/.bashrc when stdin is a socket (as Node's pipes are) at shell level 1.
      PATH: `${bin}:${process.env.PATH ?? ""}`, SHLVL: "1", FAKE_LOG: log, FAKE_STDIN: join(dir, "stdin"), FAKE_COUNT: join(dir, "count"),
      FAKE_PGPASS: join(dir, "pgpass-seen"), FAKE_RUNNING: "false", ...options.env,
    },
    encoding: "utf8",
    timeout: 5_000,
  });
  const calls = readFileSync(log, "utf8").split("\x1e").filter((c) => c !== "").map((c) => c.split("\x1f").slice(0, -1));
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls, dir };
}

const backup: BaseBackupInput = {
  stack: "dev", namePrefix: "pg-dev", primaryContainer: "pg-dev-primary", standbyContainer: "pg-dev-replica-2",
  slot: "replica_2", superuser: "postgres", replicationUser: "replicator",
  volumeName: "pg-dev-replica-2-data", image: "postgres:17",
};

const psqlOnPrimary = (...statements: string[]): string[] =>
  ["docker", "exec", "-u", "postgres", "pg-dev-primary", "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-U", "postgres", ...statements.flatMap((sql) => ["-c", sql])];
/** One psql: drop the slot if max_slot_wal_keep_size invalidated it, then create it if missing. */
const ENSURE_SLOT = psqlOnPrimary(
  "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'replica_2' AND NOT active AND wal_status = 'lost'",
  "SELECT 'created slot ' || slot_name FROM pg_create_physical_replication_slot('replica_2', true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = 'replica_2')");
const DROP = psqlOnPrimary("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'replica_2'");
const INSPECT = ["docker", "container", "inspect", "-f", "{{.State.Running}}", "pg-dev-replica-2"];
/** A seed left running by an interrupted run is waited for, then removed: never killed half-way. */
const REMOVE_OLD_SEED = ["docker", "wait", "pg-dev-replica-2-basebackup"];
const REMOVE_OLD_SEED_2 = ["docker", "rm", "-f", "pg-dev-replica-2-basebackup"];
const SEED = [
  "docker", "run", "--rm", "-i", "--name", "pg-dev-replica-2-basebackup", "--network", "container:pg-dev-primary",
  "--label", "pg-replication.stack=dev", "--label", "pg-replication.cluster=pg-dev", "--label", "pg-replication.role=basebackup",
  "-v", "pg-dev-replica-2-data:/var/lib/postgresql/data", "--entrypoint", "/bin/sh", "postgres:17", "-c", renderSeedScript(backup),
];
const STOP = ["docker", "stop", "-t", "60", "pg-dev-replica-2"];
const START = ["docker", "start", "pg-dev-replica-2"];

for (const shell of SHELLS) {
  describe(`under ${shell.join(" ")}`, () => {
    describe("the base-backup command's create", () => {
      const create = renderBaseBackupCreate(backup);

      it("seeds a new standby: clears a leftover seed container, drops a lost slot, makes the slot, runs the labelled seed with the password on stdin", () => {
        const r = run(shell, create, { input: "secret-password\n" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, [INSPECT, REMOVE_OLD_SEED, REMOVE_OLD_SEED_2, ENSURE_SLOT, SEED]);
        assert.equal(readFileSync(join(r.dir, "stdin"), "utf8"), "secret-password\n");
      });

      it("stops a running standby before its data is rewritten, and starts it again after", () => {
        const r = run(shell, create, { input: "secret-password\n", env: { FAKE_RUNNING: "true" } });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, [INSPECT, STOP, REMOVE_OLD_SEED, REMOVE_OLD_SEED_2, ENSURE_SLOT, SEED, START]);
      });

      it("starts a standby it stopped again when the seed fails, and fails", () => {
        const r = run(shell, create, { input: "secret-password\n", env: { FAKE_RUNNING: "true", FAKE_RUN_EXIT: "1" } });
        assert.notEqual(r.code, 0);
        assert.deepEqual(r.calls.at(-1), START);
      });

      it("never seeds over a standby it could not stop", () => {
        const r = run(shell, create, { input: "secret-password\n", env: { FAKE_RUNNING: "true", FAKE_STOP_EXIT: "1" } });
        assert.notEqual(r.code, 0);
        assert.deepEqual(r.calls, [INSPECT, STOP, START]);
      });
    });

    describe("the base-backup command's update", () => {
      it("touches nothing and says why", () => {
        const r = run(shell, renderBaseBackupUpdate(backup));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, []);
        assert.equal(r.stdout, "pg-replication: pg-dev-replica-2 keeps its data (it still follows its primary); nothing to copy\n");
      });
    });

    describe("the base-backup command's delete", () => {
      const del = renderBaseBackupDelete(backup);
      const drops = (r: Run) => r.calls.filter((c) => c.join(" ") === DROP.join(" ")).length;
      const sleeps = (r: Run) => r.calls.filter((c) => c.join(" ") === "sleep 1").length;

      it("drops the slot", () => {
        const r = run(shell, del);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, [["docker", "exec", "pg-dev-primary", "true"], DROP]);
        assert.equal(r.stdout, "pg-replication: dropped slot replica_2\n");
      });

      it("succeeds without touching a primary that is not running, and says the slot goes with its volume", () => {
        const r = run(shell, del, { env: { FAKE_PRIMARY_DOWN: "1" } });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, [["docker", "exec", "pg-dev-primary", "true"]]);
        assert.equal(r.stderr, "pg-replication: pg-dev-primary is not running; slot replica_2 was not dropped (it goes with the primary's volume)\n");
      });

      it("retries a slot still active, a second apart, until it drops", () => {
        const r = run(shell, del, { env: { FAKE_DROP_FAILS: "2" } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(drops(r), 3);
        assert.equal(sleeps(r), 2);
        assert.equal(r.stdout, "pg-replication: dropped slot replica_2\n");
      });

      it("gives up after 30 attempts over about 30 s, and says so", () => {
        const r = run(shell, del, { env: { FAKE_DROP_FAILS: "1000" } });
        assert.equal(r.code, 1, r.stderr);
        assert.equal(drops(r), 30);
        assert.equal(sleeps(r), 29);
        assert.match(r.stderr, /\npg-replication: could not drop slot replica_2 on pg-dev-primary\n$/);
      });
    });

    describe("the seed script", () => {
      it("waits for a WAL sender, then leaves the standby the replication password in a 0600 passfile its primary_conninfo names", () => {
        const data = join(root, `seed-data-${runs}`);
        const scratch = join(root, `seed-tmp-${runs}`);
        mkdirSync(data);
        mkdirSync(scratch);
        writeFileSync(join(data, "standby.signal"), "");
        writeFileSync(join(data, "PG_VERSION"), "17\n");
        const script = renderSeedScript(backup).replaceAll("/tmp/", `${scratch}/`).replaceAll(DATA_DIR, data);
        const r = run(shell, script, { input: "pa:ss\\wd\n", env: { FAKE_BUSY: "1" } });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, "pg-replication: base backup of pg-dev-replica-2 complete (slot replica_2)\n");
        assert.equal(r.stderr.split("no free WAL sender on the primary (max_wal_senders); waiting").length - 1, 1, r.stderr);
        assert.deepEqual(readdirSync(data).sort(), ["PG_VERSION", "pg-replication.pgpass", "postgresql.auto.conf", "standby.signal"]);
        const passfile = join(data, "pg-replication.pgpass");
        assert.equal(readFileSync(passfile, "utf8"), "primary:5432:*:replicator:pa\\:ss\\\\wd\n");
        assert.equal(statSync(passfile).mode & 0o777, 0o600);
        assert.equal(readFileSync(join(r.dir, "pgpass-seen"), "utf8"), "primary:5432:*:replicator:pa\\:ss\\\\wd\n", "pg_basebackup read the same file");
        const conninfo = readFileSync(join(data, "postgresql.auto.conf"), "utf8").split("\n").filter((l) => l.startsWith("primary_conninfo"));
        assert.equal(conninfo.at(-1), `primary_conninfo = 'host=primary port=5432 user=replicator passfile=${passfile}'`);
      });
    });

    describe("the entrypoints", () => {
      /** Scratch data, socket and config directories in place of the container's. */
      function node(withData: boolean): { data: string; sockets: string; config: string; localise: (script: string) => string } {
        const base = join(root, `node-${++runs}`);
        const data = join(base, "data");
        const sockets = join(base, "run");
        const config = join(base, "config");
        mkdirSync(data, { recursive: true, mode: 0o755 });
        mkdirSync(config);
        if (withData) writeFileSync(join(data, "PG_VERSION"), "17\n");
        const localise = (script: string) => script.replaceAll(DATA_DIR, data).replaceAll("/var/run/postgresql", sockets).replaceAll(CONFIG_DIR, config);
        return { data, sockets, config, localise };
      }
      const server = (data: string) => ["postgres", "-D", data, "-c", "config_file=x"];

      const files: ConfigFile[] = [
        { path: `${CONFIG_DIR}/pg_hba.conf`, content: "local all all peer map=local\nhost all all all scram-sha-256\n" },
        { path: `${CONFIG_DIR}/pg_ident.conf`, content: "local postgres admin" },
      ];

      it("live beside the config files they write", () => {
        assert.equal(ENTRYPOINT_PATH, "/etc/pg-replication/entrypoint.sh");
      });

      for (const [role, render] of [["primary", renderPrimaryEntrypoint], ["standby", renderStandbyEntrypoint]] as const) {
        it(`${role}: writes pg_hba.conf and pg_ident.conf as given, world-readable, before the server starts, and again on every start`, () => {
          const n = node(true);
          writeFileSync(join(n.config, "pg_hba.conf"), "stale\n");
          for (let start = 0; start < 2; start++) {
            const r = run(shell, n.localise(render(files)), { args: server(n.data) });
            assert.equal(r.code, 0, r.stderr);
            assert.equal(readFileSync(join(n.config, "pg_hba.conf"), "utf8"), "local all all peer map=local\nhost all all all scram-sha-256\n");
            assert.equal(readFileSync(join(n.config, "pg_ident.conf"), "utf8"), "local postgres admin\n");
            assert.equal(statSync(join(n.config, "pg_hba.conf")).mode & 0o777, 0o644);
          }
        });
      }

      it("write any text as given, quotes and shell syntax included", () => {
        const n = node(true);
        const text = "it's $HOME `id` \\ \"q\"\nEOF\n";
        const r = run(shell, n.localise(renderStandbyEntrypoint([{ path: `${CONFIG_DIR}/odd.conf`, content: text }])), { args: server(n.data) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(readFileSync(join(n.config, "odd.conf"), "utf8"), text);
      });

      it("standby: makes the data directory 0700, gives the server a settings file, and becomes the server", () => {
        const n = node(true);
        const r = run(shell, n.localise(renderStandbyEntrypoint(files)), { args: server(n.data) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(statSync(n.data).mode & 0o777, 0o700);
        assert.ok(statSync(n.sockets).isDirectory());
        assert.equal(readFileSync(join(n.data, "pg-replication.conf"), "utf8"), "include_if_exists = 'postgresql.conf'\n");
        assert.deepEqual(r.calls, [server(n.data)]);
      });

      it("standby: refuses an empty data directory and says how to rebuild it", () => {
        const n = node(false);
        const r = run(shell, n.localise(renderStandbyEntrypoint(files)), { args: server(n.data) });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "pg-replication: the data directory is empty: this standby has no base backup; rebuild it with pulumi up --replace of its volume (docs/FAILURE-MODES.md, Rebuilding a standby)\n");
        assert.deepEqual(r.calls, []);
      });

      it("primary: refuses an empty data directory and says how to start over", () => {
        const n = node(false);
        const r = run(shell, n.localise(renderPrimaryEntrypoint(files)), { args: server(n.data) });
        assert.equal(r.code, 1);
        assert.equal(r.stderr, "pg-replication: the data directory is empty: this primary was never bootstrapped; start over with pulumi up --replace of its volume (every standby is copied again)\n");
        assert.deepEqual(r.calls, []);
      });

      it("primary: on bootstrapped data, makes the directory 0700, gives the server a settings file, and becomes the server", () => {
        const n = node(true);
        const r = run(shell, n.localise(renderPrimaryEntrypoint(files)), { args: server(n.data) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(statSync(n.data).mode & 0o777, 0o700);
        assert.deepEqual(readdirSync(n.data).sort(), ["PG_VERSION", "pg-replication.conf"]);
        assert.deepEqual(r.calls, [server(n.data)]);
      });
    });

    describe("the primary bootstrap", () => {
      /**
       * The programs called, in order; the temporary server (a node process)
       * may log its start after the first pg_isready does, so those two are
       * put in the order the script runs them.
       */
      const programsInOrder = (calls: string[][]): string[] => {
        const programs = calls.map((c) => c[0]);
        const i = programs.indexOf("pg_isready");
        if (i >= 0 && programs[i + 1] === "postgres") [programs[i], programs[i + 1]] = ["postgres", "pg_isready"];
        return programs;
      };
      const input: BootstrapInput = {
        stack: "dev", namePrefix: "pg-dev", primaryContainer: "pg-dev-primary", volumeName: "pg-dev-primary-data",
        image: "postgres:17", superuser: "admin", replicationUser: "replicator", database: "app", hasInitSql: true,
      };
      function scratch(withData: boolean): { data: string; work: string; localise: (script: string) => string } {
        const base = join(root, `bootstrap-${++runs}`);
        const data = join(base, "data");
        mkdirSync(data, { recursive: true });
        if (withData) writeFileSync(join(data, "PG_VERSION"), "17\n");
        const sockets = join(base, "run");
        return {
          data, work: join(sockets, "pg-replication-bootstrap"),
          localise: (script) => script.replaceAll(DATA_DIR, data).replaceAll("/var/run/postgresql", sockets),
        };
      }

      it("makes the cluster in an empty volume: initdb, a temporary server on a private socket, the role and database, the init SQL from stdin, a clean stop", () => {
        const b = scratch(false);
        const r = run(shell, b.localise(renderBootstrapScript(input)), { input: "CREATE TABLE users (id int);\n" });
        assert.equal(r.code, 0, r.stderr);
        const calls = r.calls.filter((c) => c[0] !== "sleep");
        assert.deepEqual(programsInOrder(calls), ["initdb", "postgres", "pg_isready", "psql", "psql", "postgres-stopped"]);
        const call = (program: string): string[] => calls.find((c) => c[0] === program) ?? [];
        assert.deepEqual(call("initdb").slice(1, 5), ["-D", b.data, "-U", "admin"]);
        assert.deepEqual(call("postgres").slice(1), ["-D", b.data, "-c", "listen_addresses=", "-c", `unix_socket_directories=${b.work}`,
          "-c", `hba_file=${b.work}/pg_hba.conf`, "-c", `ident_file=${b.work}/pg_ident.conf`]);
        assert.deepEqual(call("pg_isready").slice(1), ["-q", "-h", b.work]);
        assert.deepEqual(calls[4].slice(-4), ["-d", "app", "-f", `${b.work}/init.sql`]);
        assert.deepEqual(calls[5], ["postgres-stopped", "SIGINT"]);
        assert.equal(readFileSync(join(b.work, "init.sql"), "utf8"), "CREATE TABLE users (id int);\n");
        assert.equal(readFileSync(join(b.work, "pg_hba.conf"), "utf8"), "local all all peer map=local\n");
        assert.match(readFileSync(join(b.work, "pg_ident.conf"), "utf8"), /^local +postgres +admin$/m);
        assert.equal(statSync(b.data).mode & 0o777, 0o700);
        assert.match(r.stderr, /bootstrap complete\n$/);
      });

      it("reads nothing from stdin and runs no init SQL when there is none", () => {
        const b = scratch(false);
        const r = run(shell, b.localise(renderBootstrapScript({ ...input, hasInitSql: false })));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(programsInOrder(r.calls.filter((c) => c[0] !== "sleep")), ["initdb", "postgres", "pg_isready", "psql", "postgres-stopped"]);
        assert.equal(existsSync(join(b.work, "init.sql")), false);
      });

      it("leaves a volume that holds a cluster as it is", () => {
        const b = scratch(true);
        const r = run(shell, b.localise(renderBootstrapScript(input)), { input: "DROP TABLE users;\n" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, []);
        assert.deepEqual(readdirSync(b.data), ["PG_VERSION"]);
        assert.match(r.stderr, /already holds a cluster; nothing to bootstrap/);
      });

      it("empties the volume again when a step fails, so the next run starts over", () => {
        const b = scratch(false);
        const r = run(shell, b.localise(renderBootstrapScript(input)), { input: "SELECT 1;\n", env: { FAKE_PSQL_EXIT: "3" } });
        assert.equal(r.code, 3);
        assert.deepEqual(readdirSync(b.data), []);
        assert.ok(r.calls.some((c) => c[0] === "pg_ctl" && c.includes("immediate")), "the temporary server is stopped");
      });

      it("fails at once, and empties the volume, when the temporary server does not start", () => {
        const b = scratch(false);
        const started = Date.now();
        const r = run(shell, b.localise(renderBootstrapScript(input)), { input: "SELECT 1;\n", env: { FAKE_SERVER_FAILS: "1" } });
        assert.equal(r.code, 1);
        assert.match(r.stderr, /pg-replication: the temporary server did not start\n/);
        assert.ok(Date.now() - started < 3000, "did not wait for the server that had exited");
        assert.deepEqual(readdirSync(b.data), []);
        assert.ok(!r.calls.some((c) => c[0] === "psql"), "no SQL ran");
      });

      it("create: removes a leftover, then runs the script in a labelled one-off container with no network, init SQL on stdin", () => {
        const r = run(shell, renderBootstrapCreate(input), { input: "CREATE TABLE users (id int);\n" });
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, [
          // One left running by an interrupted run is waited for, then removed: never killed half-way.
          ["docker", "wait", "pg-dev-primary-bootstrap"],
          ["docker", "rm", "-f", "pg-dev-primary-bootstrap"],
          ["docker", "run", "--rm", "-i", "--name", "pg-dev-primary-bootstrap", "--network", "none",
            "--label", "pg-replication.stack=dev", "--label", "pg-replication.cluster=pg-dev", "--label", "pg-replication.role=bootstrap",
            "-v", "pg-dev-primary-data:/var/lib/postgresql/data", "--entrypoint", "/bin/sh", "postgres:17", "-c", renderBootstrapScript(input)],
        ]);
        assert.equal(readFileSync(join(r.dir, "stdin"), "utf8"), "CREATE TABLE users (id int);\n");
      });

      it("create: without init SQL, the container gets no stdin", () => {
        const r = run(shell, renderBootstrapCreate({ ...input, hasInitSql: false }));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls[2].slice(0, 4), ["docker", "run", "--rm", "--name"]);
      });

      it("create: fails when the container fails", () => {
        const r = run(shell, renderBootstrapCreate(input), { input: "x\n", env: { FAKE_RUN_EXIT: "1" } });
        assert.equal(r.code, 1);
      });

      it("update: touches nothing and says why", () => {
        const r = run(shell, renderBootstrapUpdate(input));
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.calls, []);
        assert.equal(r.stdout, "pg-replication: pg-dev-primary keeps its data; the bootstrap runs only on a new volume\n");
      });
    });
  });
}
