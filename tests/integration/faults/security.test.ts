/**
 * Nobody gets in and nothing leaks, checked on a live cluster with two
 * standbys: no password in container metadata, process arguments or
 * environments, logs, plain outputs, the `pulumi up` output, or the stack's
 * state as the backend keeps it (`pulumi stack export` without
 * --show-secrets, every file of the test backend, the stack config file);
 * ports on 127.0.0.1 only; pg_hba as the server really loaded it; and
 * connections that must be refused are. The cluster logs every statement with
 * its duration and its parse tree (postgresSettings), so a password sent in
 * SQL would reach the server log unless the session that sends it says not to.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { TestCluster, destroyStack } from "../../support/cluster";
import { docker, execIn, inspectContainer, leftoversOf, logsOf, nowForLogs } from "../../support/docker";
import { connectionRefusal, query, queryOne, sqlState } from "../../support/pg";
import { BACKEND_DIR, exportStack, findExported, stackConfigFile } from "../../support/pulumi";
import { verify } from "../../support/tools";

const STACK = "it-fault-security";
const SECRET_FIELDS = new Set(["primaryConnectionString", "replicaConnectionStrings"]);

interface HbaRule {
  readonly type: string;
  readonly database: string[] | null;
  readonly user_name: string[] | null;
  readonly address: string | null;
  readonly netmask: string | null;
  readonly auth_method: string;
  readonly error: string | null;
}

/** `172.24.0.0/16` as pg_hba_file_rules shows it: address and netmask. */
function addressAndMask(cidr: string): [string, string] {
  const [address, bits] = cidr.split("/");
  const n = Number(bits);
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  return [address, [24, 16, 8, 0].map((s) => (mask >>> s) & 255).join(".")];
}

function leaks(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s)).map((s) => `${s.slice(0, 3)}…`);
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Pulumi's envelope of an encrypted secret in a state export. */
function isCiphertext(value: unknown): boolean {
  return typeof value === "object" && value !== null && typeof (value as Record<string, unknown>)["ciphertext"] === "string";
}

describe("security of a deployed cluster", { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  let secrets: string[];
  let containers: string[];
  let replicationPassword: string;

  before(async () => {
    cluster = await TestCluster.deploy(STACK, {
      primaryPort: "29070", firstReplicaPort: "29071", replicas: "2",
      // The most a user can ask the server to log about a statement: its text with its duration, its parse tree.
      // And backslashes as escapes in string literals, which a password may hold.
      postgresSettings: JSON.stringify({ log_min_duration_statement: "0", debug_print_parse: "on", standard_conforming_strings: "off" }),
    });
    // What Pulumi recorded, secrets revealed: the replication password the base backups got on stdin.
    const state = await exportStack(cluster.pulumi, { showSecrets: true });
    const stdin = findExported(state, "command:local:Command", `${cluster.replica(1).containerName}-basebackup`).inputs["stdin"];
    assert.equal(typeof stdin, "string", "the base backup gets the replication password on stdin");
    replicationPassword = String(stdin).trim();
    const generated = findExported(state, "random:index/randomPassword:RandomPassword", `${cluster.outputs.namePrefix}-replication-password`).outputs["result"];
    assert.equal(generated, replicationPassword, "stdin carries the generated replication password");
    const superuserPasswords = [cluster.primaryDsn, ...cluster.outputs.replicaConnectionStrings].map((d) => decodeURIComponent(new URL(d).password));
    secrets = [...new Set([...superuserPasswords, replicationPassword])];
    assert.ok(secrets.length === 2 && secrets.every((s) => s.length >= 12), "two distinct passwords of at least 12 characters");
    containers = (await leftoversOf(STACK)).containers.slice().sort();
    assert.deepEqual(containers, [cluster.primaryContainer, cluster.replica(1).containerName, cluster.replica(2).containerName].sort());
  });

  after(async () => {
    await destroyStack(STACK);
  });

  it("keeps the passwords out of container metadata, process arguments and environments, logs and plain outputs", async (t) => {
    const found: string[] = [];
    let processes = 0;
    for (const name of containers) {
      const info = await inspectContainer(name);
      const metadata = JSON.stringify(info);
      for (const l of leaks(metadata, secrets)) found.push(`${name}: docker inspect (Env, Cmd, Entrypoint, Args or any other field) holds ${l}`);
      const procs = await execIn(name, ["/bin/sh", "-c", 'for d in /proc/[0-9]*; do echo "== $d"; tr "\\0" " " < "$d/cmdline"; echo; tr "\\0" "\\n" < "$d/environ"; echo; done 2>/dev/null'], { user: "root" });
      const count = procs.split("\n").filter((l) => l.startsWith("== /proc/")).length;
      assert.ok(procs.includes("postgres -D /var/lib/postgresql/data"), `${name}: the server's own command line was read`);
      processes += count;
      for (const l of leaks(procs, secrets)) found.push(`${name}: /proc/*/cmdline or environ holds ${l}`);
      for (const l of leaks(await logsOf(name), secrets)) found.push(`${name}: docker logs hold ${l}`);
    }
    // Passwords reach the running primary through <prefix>-credentials' stdin, never as a file in the container.
    const files = await execIn(cluster.primaryContainer, ["/bin/sh", "-c", "grep -rlF -f /dev/stdin /etc/pg-replication || true"], { user: "root", input: `${secrets.join("\n")}\n` });
    assert.equal(files.trim(), "", "no file under /etc/pg-replication holds a password");
    const plain = Object.fromEntries(Object.entries(cluster.outputs).filter(([k]) => !SECRET_FIELDS.has(k)));
    assert.ok(Object.keys(plain).length >= 10, "the plain outputs were read");
    for (const l of leaks(JSON.stringify(plain), secrets)) found.push(`outputs.json non-secret fields hold ${l}`);
    for (const l of leaks(`${cluster.up.stdout}\n${cluster.up.stderr}`, secrets)) found.push(`pulumi up output holds ${l}`);
    assert.ok(cluster.primaryDsn.includes(secrets[0]), "the check would find the password where it is expected");
    assert.deepEqual(found, []);
    t.diagnostic(`security-secrets: 2 passwords absent from ${containers.length} containers' inspect data, ${processes} processes' cmdline/environ, container logs, ${Object.keys(plain).length} plain outputs and the pulumi up output`);
  });

  it("keeps the passwords out of the stack's state: `pulumi stack export` without --show-secrets, every file of the test backend, the stack config", async (t) => {
    const found: string[] = [];
    const exported = await exportStack(cluster.pulumi);
    for (const l of leaks(exported.text, secrets)) found.push(`pulumi stack export holds ${l}`);
    // The same export with --show-secrets does hold both: the scan looks where they would be.
    const shown = await exportStack(cluster.pulumi, { showSecrets: true });
    assert.deepEqual(leaks(shown.text, secrets).length, secrets.length, "pulumi stack export --show-secrets holds both passwords");
    // Where they are, they are encrypted: the credentials' and the base backups' stdin and the generated passwords.
    const encrypted = [
      findExported(exported, "command:local:Command", `${cluster.outputs.namePrefix}-credentials`).inputs["stdin"],
      ...cluster.outputs.replicas.map((r) => findExported(exported, "command:local:Command", `${r.containerName}-basebackup`).inputs["stdin"]),
      ...["superuser", "replication"].map((p) => findExported(exported, "random:index/randomPassword:RandomPassword", `${cluster.outputs.namePrefix}-${p}-password`).outputs["result"]),
    ];
    assert.ok(encrypted.every(isCiphertext), `secrets are stored as ciphertext: ${JSON.stringify(encrypted).slice(0, 300)}`);

    const files = [...await filesUnder(BACKEND_DIR), stackConfigFile(STACK)];
    const ours = files.filter((f) => f.includes(STACK));
    assert.ok(ours.some((f) => f.endsWith(`${STACK}.json`)), `the backend holds the stack's state file (${ours.join(", ")})`);
    let scanned = 0;
    for (const file of files) {
      // Other suites' pulumi runs share the backend: a lock or backup of theirs may be gone by now.
      const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" && !file.includes(STACK)) return undefined;
        throw error;
      });
      if (text === undefined) continue;
      scanned++;
      for (const l of leaks(text, secrets)) found.push(`${file} holds ${l}`);
    }
    assert.deepEqual(found, []);
    t.diagnostic(`security-state: 2 passwords absent from pulumi stack export (${encrypted.length} secrets as ciphertext) and from ${scanned} files of the test backend and stack config (${ours.length} of this stack)`);
  });

  it("publishes every port on 127.0.0.1 only", async () => {
    let bindings = 0;
    for (const name of containers) {
      const info = await inspectContainer(name);
      for (const [what, ports] of [["HostConfig.PortBindings", info.HostConfig.PortBindings], ["NetworkSettings.Ports", info.NetworkSettings.Ports]] as const) {
        const all = Object.values(ports ?? {}).flatMap((b) => b ?? []);
        assert.ok(all.length > 0, `${name}: ${what} lists the published port`);
        for (const b of all) {
          assert.equal(b.HostIp, "127.0.0.1", `${name}: ${what} binds ${b.HostIp}:${b.HostPort}`);
          bindings++;
        }
      }
    }
    assert.equal(bindings, containers.length * 2);
  });

  it("loads pg_hba with replication only for the replication role, only from the cluster subnet, only scram-sha-256, and no trust", async () => {
    const network = JSON.parse(await docker(["network", "inspect", cluster.outputs.networkName])) as { IPAM: { Config: { Subnet?: string }[] } }[];
    const subnet = network[0].IPAM.Config.map((c) => c.Subnet).find((s) => s !== undefined && !s.includes(":"));
    assert.ok(subnet !== undefined, "the cluster network has an IPv4 subnet");
    const [address, netmask] = addressAndMask(subnet);
    const rules = await query<HbaRule>(cluster.primaryDsn, "SELECT type, database, user_name, address, netmask, auth_method, error FROM pg_hba_file_rules ORDER BY rule_number");
    assert.ok(rules.length >= 4, "pg_hba_file_rules is readable");
    assert.deepEqual(rules.filter((r) => r.error !== null).map((r) => r.error), [], "no rule failed to load");
    assert.deepEqual(rules.filter((r) => r.auth_method === "trust"), [], "no trust rule");
    for (const r of rules.filter((x) => x.type.startsWith("host"))) {
      assert.ok(["scram-sha-256", "reject"].includes(r.auth_method), `host rule uses ${r.auth_method}`);
    }
    const allowsReplication = rules.filter((r) => (r.database ?? []).includes("replication") && r.auth_method !== "reject");
    assert.deepEqual(allowsReplication.map((r) => [r.type, r.user_name, r.address, r.netmask, r.auth_method]), [
      ["host", [cluster.outputs.replicationUser], address, netmask, "scram-sha-256"],
    ], "one rule admits replication: the replication role, from the cluster subnet, with scram-sha-256");
    for (let n = 1; n <= 2; n++) {
      const standbyRules = await query<HbaRule>(cluster.replicaDsn(n), "SELECT type, database, user_name, address, netmask, auth_method, error FROM pg_hba_file_rules ORDER BY rule_number");
      assert.deepEqual(standbyRules, rules, `replica-${n} loaded the same rules`);
    }
  });

  it("refuses replication from the host, wrong passwords, and the replication role on a normal database; the replication role is no superuser", async () => {
    const user = cluster.outputs.replicationUser;
    const role = await queryOne<{ rolsuper: boolean; rolreplication: boolean; rolcreaterole: boolean; rolcreatedb: boolean }>(
      cluster.primaryDsn, "SELECT rolsuper, rolreplication, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = $1", [user],
    );
    assert.deepEqual(role, { rolsuper: false, rolreplication: true, rolcreaterole: false, rolcreatedb: false });

    const replication = await connectionRefusal(cluster.primaryDsn, { user, password: replicationPassword, replication: "true" });
    assert.equal(sqlState(replication), "28000", replication.message);
    assert.match(replication.message, /pg_hba\.conf rejects replication connection/);
    const asSuperuser = await connectionRefusal(cluster.primaryDsn, { replication: "true" });
    assert.equal(sqlState(asSuperuser), "28000", asSuperuser.message);

    const wrong = await connectionRefusal(cluster.primaryDsn, { password: `${replicationPassword}-wrong` });
    assert.equal(sqlState(wrong), "28P01", wrong.message);
    assert.match(wrong.message, /password authentication failed/);

    const normal = await connectionRefusal(cluster.primaryDsn, { user, password: replicationPassword, database: cluster.outputs.database });
    assert.equal(sqlState(normal), "28000", normal.message);
    assert.match(normal.message, /pg_hba\.conf rejects connection/);
    const onStandby = await connectionRefusal(cluster.replicaDsn(1), { user, password: replicationPassword, database: cluster.outputs.database });
    assert.equal(sqlState(onStandby), "28000", onStandby.message);
  });

  // Last: it changes the passwords the other tests use.
  it("rotates passwords holding a backslash and a quote, and keeps them out of the logs while the server logs every statement and its parse tree", async (t) => {
    // The random part is what the scan looks for: a log would show the quote doubled or the backslash escaped.
    const markers = [randomBytes(12).toString("hex"), randomBytes(12).toString("hex")];
    const rotated = [`su-${markers[0]}\\'x`, `repl-${markers[1]}\\:'y`];
    const since = nowForLogs();
    await cluster.configure({}, { superuserPassword: rotated[0], replicationPassword: rotated[1] });
    const up = await cluster.pulumi.upOrThrow();
    await cluster.reloadOutputs();
    assert.equal(decodeURIComponent(new URL(cluster.primaryDsn).password), rotated[0], "the outputs carry the new superuser password");
    assert.equal((await queryOne<{ one: number }>(cluster.primaryDsn, "SELECT 1 AS one")).one, 1, "the new superuser password is accepted");
    const found: string[] = [];
    const verified = await verify(cluster.outputsFile);
    assert.equal(verified.code, 0, `verify after the rotation: ${verified.stdout}${verified.stderr}`);
    for (const name of containers) for (const l of leaks(await logsOf(name), markers)) found.push(`${name}: docker logs hold ${l}`);
    for (const l of leaks(`${up.stdout}\n${up.stderr}`, markers)) found.push(`pulumi up output holds ${l}`);
    // The check could fail: during the change the primary logged statements with their text and parse trees.
    const during = await logsOf(cluster.primaryContainer, since);
    assert.match(during, /duration: [\d.]+ ms\s+statement: /, "statements were logged with their text");
    assert.match(during, /parse tree:/, "parse trees were logged");
    assert.deepEqual(found, []);
    t.diagnostic(`security-rotation: 2 new passwords absent from ${containers.length} containers' logs (${during.split("\n").length} primary log lines during the change) and the pulumi up output`);
  });
});
