import assert from "node:assert/strict";
import { before, describe, it } from "node:test";

import * as pulumi from "@pulumi/pulumi";

import { RecordingMocks, isSecretValue, unwrapSecrets, valueOf } from "./mocks";

const mocks = new RecordingMocks();
pulumi.runtime.setMocks(mocks, "pg-replication", "dev", false);

const CONTAINER = "docker:index/container:Container";
const COMMAND = "command:local:Command";
const VOLUME = "docker:index/volume:Volume";
const NETWORK = "docker:index/network:Network";

type Upload = { file: string; content: unknown; permissions?: string };
type Port = { internal: number; external: number; ip: string };

// Loaded after setMocks, as Pulumi requires.
async function deploy(prefix: string, raw: Record<string, string>, secrets: { superuserPassword?: string; replicationPassword?: string } = {}) {
  const { parseConfig } = await import("../../../components/config");
  const { PostgresReplicationCluster } = await import("../../../components/cluster");
  const config = parseConfig({ namePrefix: prefix, ...raw }, "dev");
  const cluster = new PostgresReplicationCluster(prefix, {
    config,
    superuserPassword: secrets.superuserPassword === undefined ? undefined : pulumi.secret(secrets.superuserPassword),
    replicationPassword: secrets.replicationPassword === undefined ? undefined : pulumi.secret(secrets.replicationPassword),
  });
  const info = await valueOf(cluster.info);
  const primaryDsn = await valueOf(cluster.primaryConnectionString);
  const replicaDsns = await valueOf(cluster.replicaConnectionStrings);
  return { cluster, info, primaryDsn, replicaDsns };
}

describe("a cluster with two standbys", () => {
  let result: Awaited<ReturnType<typeof deploy>>;
  before(async () => {
    mocks.delays.set("c2-primary", 80);
    // The provider takes at least 2 s to create a network: the bootstrap must not wait for it.
    mocks.delays.set("c2-net", 120);
    result = await deploy("c2", { replicas: "2", primaryPort: "25432" }, { superuserPassword: "super-secret-pw-1", replicationPassword: "repl-secret-pw-1" });
  });

  it("declares one network, a volume per node, a container per node and a base backup per standby", () => {
    const mine = mocks.resources.filter((r) => r.name.startsWith("c2-"));
    assert.deepEqual(mine.filter((r) => r.type === NETWORK).map((r) => r.name), ["c2-net"]);
    assert.deepEqual(mine.filter((r) => r.type === VOLUME).map((r) => r.name).sort(), ["c2-primary-data", "c2-replica-1-data", "c2-replica-2-data"]);
    assert.deepEqual(mine.filter((r) => r.type === CONTAINER).map((r) => r.name).sort(), ["c2-primary", "c2-replica-1", "c2-replica-2"]);
    assert.deepEqual(mine.filter((r) => r.type === COMMAND).map((r) => r.name).sort(), ["c2-credentials", "c2-primary-bootstrap", "c2-replica-1-basebackup", "c2-replica-2-basebackup", "c2-settings", "c2-sync"]);
    assert.equal(mocks.find("pg-replication:index:Cluster", "c2").type, "pg-replication:index:Cluster");
  });

  it("keeps the image locally on destroy", () => {
    const image = mocks.find("docker:index/remoteImage:RemoteImage", "c2-image");
    assert.deepEqual(image.inputs, { name: "postgres:17", keepLocally: true });
  });

  it("names every object explicitly and labels it with the stack and cluster", () => {
    for (const r of mocks.resources.filter((x) => x.name.startsWith("c2-") && [CONTAINER, VOLUME, NETWORK].includes(x.type))) {
      assert.equal(r.inputs.name, r.name);
      const labels = r.inputs.labels as { label: string; value: string }[];
      assert.ok(labels.some((l) => l.label === "pg-replication.stack" && l.value === "dev"), `${r.name} stack label`);
      assert.ok(labels.some((l) => l.label === "pg-replication.cluster" && l.value === "c2"), `${r.name} cluster label`);
    }
  });

  it("waits for each node in the commands: base backups after the commands that wait for the primary, the standby list after every standby", () => {
    const primary = mocks.find(CONTAINER, "c2-primary");
    const settings = mocks.find(COMMAND, "c2-settings");
    const credentials = mocks.find(COMMAND, "c2-credentials");
    const sync = mocks.find(COMMAND, "c2-sync");
    for (const c of [primary, mocks.find(CONTAINER, "c2-replica-1")]) {
      assert.equal(c.inputs.wait, undefined, `${c.name}: not the provider's once-a-second wait`);
      assert.ok(c.inputs.healthcheck !== undefined, `${c.name} keeps its healthcheck`);
    }
    for (const cmd of [settings, credentials]) {
      // The settings command waits for every node it found, the primary first among them.
      assert.match(String(cmd.inputs.create), /await_ready "\$(PRIMARY|node)"|await_all_ready \$nodes/, `${cmd.name} waits for the primary`);
      assert.ok(cmd.started > primary.finished, `${cmd.name} runs after the primary container exists`);
    }
    assert.deepEqual(settings.inputs.triggers, ["c2-primary-data", "c2-primary-id"], "settings run again (and wait) for a new primary container");
    for (const n of [1, 2]) {
      const seed = mocks.find(COMMAND, `c2-replica-${n}-basebackup`);
      const standby = mocks.find(CONTAINER, `c2-replica-${n}`);
      assert.ok(seed.started > settings.finished && seed.started > credentials.finished, `base backup ${n} starts after the primary was waited for`);
      assert.ok(standby.started > seed.finished, `standby ${n} starts after its base backup`);
      assert.ok(sync.started > standby.finished, `the standby list is set after standby ${n} exists`);
    }
    assert.deepEqual(sync.inputs.triggers, ["c2-primary-data", "c2-replica-1-id", "c2-replica-2-id"],
      "the standby-list command runs again (and waits) for every new standby container");
    assert.match(String(sync.inputs.create), /\nawait_all_ready 'c2-primary' \$STANDBYS\n/);
  });

  it("bootstraps the primary's volume while the network is being created, and creates the primary container after", () => {
    const bootstrap = mocks.find(COMMAND, "c2-primary-bootstrap");
    const network = mocks.find(NETWORK, "c2-net");
    const primary = mocks.find(CONTAINER, "c2-primary");
    assert.ok(bootstrap.started < network.finished, "the bootstrap does not wait for the network");
    assert.ok(bootstrap.started > mocks.find(VOLUME, "c2-primary-data").finished, "the bootstrap runs on the created volume");
    assert.ok(bootstrap.started > mocks.find("docker:index/remoteImage:RemoteImage", "c2-image").finished, "the bootstrap runs on the pulled image");
    assert.ok(primary.started > bootstrap.finished, "the primary container starts on bootstrapped data");
    assert.deepEqual(bootstrap.inputs.triggers, ["c2-primary-data"], "only a new primary volume bootstraps again");
    assert.match(String(bootstrap.inputs.create), /docker run --rm --name 'c2-primary-bootstrap' --network 'none' /);
    assert.match(String(bootstrap.inputs.update), /bootstrap runs only on a new volume/);
    assert.equal(bootstrap.inputs.stdin, undefined, "no init SQL, no stdin");
  });

  it("publishes every port on 127.0.0.1 by default, at the configured host ports", () => {
    const ports = (name: string) => mocks.find(CONTAINER, name).inputs.ports as Port[];
    assert.deepEqual(ports("c2-primary"), [{ internal: 5432, external: 25432, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.deepEqual(ports("c2-replica-1").map((p) => [p.ip, p.external]), [["127.0.0.1", 25433]]);
    assert.deepEqual(ports("c2-replica-2").map((p) => [p.ip, p.external]), [["127.0.0.1", 25434]]);
  });

  it("starts PostgreSQL with only the fixed settings on its command line, and the settings file as config_file", () => {
    const cmd = mocks.find(CONTAINER, "c2-primary").inputs.command as string[];
    assert.equal(cmd[0], "postgres");
    for (const setting of ["config_file=/var/lib/postgresql/data/pg-replication.conf", "wal_level=replica", "hot_standby=on", "hba_file=/etc/pg-replication/pg_hba.conf", "listen_addresses=*", "password_encryption=scram-sha-256"]) {
      assert.ok(cmd.includes(setting), `primary has -c ${setting}`);
    }
    assert.ok(!cmd.some((arg) => /^(max_slot_wal_keep_size|wal_keep_size|max_wal_senders|synchronous_)/.test(arg)), "no changeable setting on the command line");
    const standby = mocks.find(CONTAINER, "c2-replica-2").inputs.command as string[];
    assert.ok(standby.includes("cluster_name=replica_2"));
    assert.ok(standby.includes("hot_standby_feedback=on"));
  });

  it("writes the changeable settings through the settings command, each marked reload or restart", () => {
    const create = String(mocks.find(COMMAND, "c2-settings").inputs.create);
    assert.match(create, /^max_slot_wal_keep_size = '1GB' {2}# reload$/m);
    assert.match(create, /^max_wal_senders = '10' {2}# restart$/m);
  });

  it("shuts PostgreSQL down cleanly instead of the provider's default SIGKILL", () => {
    for (const name of ["c2-primary", "c2-replica-1"]) {
      const inputs = mocks.find(CONTAINER, name).inputs;
      assert.equal(inputs.stopSignal, "SIGINT");
      assert.ok((inputs.destroyGraceSeconds as number) >= 30);
      assert.ok((inputs.stopTimeout as number) >= 30);
      assert.equal(inputs.restart, "unless-stopped");
    }
  });

  it("checks health with pg_isready on the real server's socket", () => {
    const hc = mocks.find(CONTAINER, "c2-primary").inputs.healthcheck as { tests: string[]; interval: string };
    assert.equal(hc.tests[0], "CMD-SHELL");
    assert.match(hc.tests[1], /^pg_isready -q -h \/var\/run\/postgresql/);
    assert.equal(hc.interval, "1s");
  });

  it("joins every node to the cluster network under its alias", () => {
    const aliases = (name: string) => (mocks.find(CONTAINER, name).inputs.networksAdvanced as { name: string; aliases: string[] }[]);
    assert.deepEqual(aliases("c2-primary"), [{ name: "c2-net", aliases: ["primary"] }]);
    assert.deepEqual(aliases("c2-replica-2"), [{ name: "c2-net", aliases: ["replica-2"] }]);
  });

  it("writes pg_hba with replication limited to the network's subnet, from every node's entrypoint", () => {
    for (const name of ["c2-primary", "c2-replica-1"]) {
      const uploads = unwrapSecrets(mocks.find(CONTAINER, name).inputs.uploads) as Upload[];
      const entrypoint = String(uploads.find((u) => u.file === "/etc/pg-replication/entrypoint.sh")?.content);
      const hba = /printf '%s' '([^']*)' > '\/etc\/pg-replication\/pg_hba\.conf'/.exec(entrypoint)?.[1];
      assert.match(String(hba), /host\s+replication\s+replicator\s+172\.30\.0\.0\/16\s+scram-sha-256/);
      assert.match(String(hba), /host\s+replication\s+all\s+172\.30\.0\.1\/32\s+reject/);
      assert.match(entrypoint, /printf '%s' '[^']*local +postgres +postgres\n[^']*' > '\/etc\/pg-replication\/pg_ident\.conf'/);
    }
  });

  it("delivers passwords only on the credentials command's stdin, as a secret; no container carries one", () => {
    const credentials = mocks.find(COMMAND, "c2-credentials");
    assert.ok(isSecretValue(credentials.inputs.stdin));
    assert.equal(unwrapSecrets(credentials.inputs.stdin), "super-secret-pw-1\nrepl-secret-pw-1\n");
    for (const name of ["c2-primary", "c2-replica-1"]) {
      const uploads = unwrapSecrets(mocks.find(CONTAINER, name).inputs.uploads) as Upload[];
      assert.ok(uploads.every((u) => !String(u.content).includes("secret-pw")), `${name} gets no password`);
    }
  });

  it("puts no password in any container's envs, command or entrypoint, nor in a command line", () => {
    for (const r of mocks.resources.filter((x) => x.name.startsWith("c2-") && [CONTAINER, COMMAND].includes(x.type))) {
      const plain = JSON.stringify({ ...unwrapSecrets(r.inputs) as object, stdin: undefined });
      assert.ok(!plain.includes("super-secret-pw-1"), `${r.name} leaks the superuser password`);
      assert.ok(!plain.includes("repl-secret-pw-1"), `${r.name} leaks the replication password`);
      assert.equal(r.inputs.envs, undefined, `${r.name} has no environment`);
    }
  });

  it("feeds the replication password to each base backup on stdin, as a secret", () => {
    const seed = mocks.find(COMMAND, "c2-replica-1-basebackup");
    assert.ok(isSecretValue(seed.inputs.stdin));
    assert.equal(unwrapSecrets(seed.inputs.stdin), "repl-secret-pw-1");
  });

  it("re-seeds a standby only when its volume or the primary's volume is replaced, not for a new primary container", () => {
    const seed = mocks.find(COMMAND, "c2-replica-1-basebackup");
    assert.deepEqual(seed.inputs.triggers, ["c2-replica-1-data", "c2-primary-data"]);
    // Any other change of its inputs runs `update`, which copies nothing.
    assert.doesNotMatch(String(seed.inputs.update), /pg_basebackup|docker/);
  });

  it("applies credentials and settings before any base backup, and the standby list after every standby", () => {
    const credentials = mocks.find(COMMAND, "c2-credentials");
    const settings = mocks.find(COMMAND, "c2-settings");
    const sync = mocks.find(COMMAND, "c2-sync");
    for (const n of [1, 2]) {
      const seed = mocks.find(COMMAND, `c2-replica-${n}-basebackup`);
      assert.ok(seed.started > credentials.finished && seed.started > settings.finished, `base backup ${n} after credentials and settings`);
      assert.ok(sync.started > mocks.find(CONTAINER, `c2-replica-${n}`).finished, `sync after standby ${n}`);
    }
  });

  it("drops the standby's slot when the base backup is deleted", () => {
    const seed = mocks.find(COMMAND, "c2-replica-2-basebackup");
    assert.match(String(seed.inputs.delete), /pg_drop_replication_slot/);
    assert.match(String(seed.inputs.delete), /replica_2/);
  });

  it("reports endpoints, slots and settings as plain outputs", () => {
    const { info } = result;
    assert.equal(info.primaryHost, "127.0.0.1");
    assert.equal(info.primaryPort, 25432);
    assert.equal(info.primaryContainerName, "c2-primary");
    assert.deepEqual(info.replicas.map((r) => [r.containerName, r.port, r.slot, r.applicationName]), [
      ["c2-replica-1", 25433, "replica_1", "replica_1"],
      ["c2-replica-2", 25434, "replica_2", "replica_2"],
    ]);
    assert.equal(info.expectedMajorVersion, 17);
    assert.equal(info.settings.primary.wal_level, "replica");
    assert.ok(!JSON.stringify(info).includes("secret-pw"), "no password in the plain outputs");
  });

  it("gives connection strings as secrets", async () => {
    assert.equal(await pulumi.isSecret(result.cluster.primaryConnectionString), true);
    assert.equal(await pulumi.isSecret(result.cluster.replicaConnectionStrings), true);
    assert.equal(result.primaryDsn, "postgresql://postgres:super-secret-pw-1@127.0.0.1:25432/postgres");
    assert.deepEqual(result.replicaDsns, [
      "postgresql://postgres:super-secret-pw-1@127.0.0.1:25433/postgres",
      "postgresql://postgres:super-secret-pw-1@127.0.0.1:25434/postgres",
    ]);
  });
});

describe("passwords left unset", () => {
  it("are generated with random.RandomPassword, kept in state and used as secrets", async () => {
    const { primaryDsn } = await deploy("gen", {});
    const generated = mocks.ofType("random:index/randomPassword:RandomPassword").map((r) => r.name).sort();
    assert.deepEqual(generated, ["gen-replication-password", "gen-superuser-password"]);
    assert.equal(primaryDsn, "postgresql://postgres:generated-gen-superuser-password@127.0.0.1:15432/postgres");
    const seed = mocks.find(COMMAND, "gen-replica-1-basebackup");
    assert.equal(unwrapSecrets(seed.inputs.stdin), "generated-gen-replication-password");
    assert.ok(isSecretValue(seed.inputs.stdin));
  });
});

describe("synchronous replication", () => {
  it("sets synchronous_standby_names on the primary by ALTER SYSTEM, and makes standbys wait for nobody", async () => {
    const { info } = await deploy("sync", { replicas: "2", syncMode: "any", syncCount: "1", synchronousCommit: "remote_apply", primaryPort: "26432" });
    assert.match(String(mocks.find(COMMAND, "sync-sync").inputs.create), /ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 \("replica_1", "replica_2"\)';/);
    assert.match(String(mocks.find(COMMAND, "sync-settings").inputs.create), /^synchronous_commit = 'remote_apply' {2}# reload$/m);
    const standby = mocks.find(CONTAINER, "sync-replica-1").inputs.command as string[];
    assert.ok(standby.includes("synchronous_standby_names="));
    assert.ok(standby.includes("synchronous_commit=on"));
    assert.deepEqual(info.sync, { mode: "any", count: 1, synchronousCommit: "remote_apply", standbyNames: 'ANY 1 ("replica_1", "replica_2")' });
  });
});

describe("the second pulumi up", () => {
  it("keeps every container's inputs the same when settings, sync mode, passwords or the standby count change", async () => {
    await deploy("d2a", { replicas: "1", primaryPort: "26532" }, { superuserPassword: "super-secret-pw-1", replicationPassword: "repl-secret-pw-1" });
    await deploy("d2b", {
      replicas: "3", primaryPort: "26532", syncMode: "first", syncCount: "2", synchronousCommit: "remote_apply",
      walKeepSize: "512MB", maxSlotWalKeepSize: "4GB", maxWalSenders: "20", maxReplicationSlots: "20",
      postgresSettings: '{"work_mem":"64MB","shared_buffers":"256MB","max_connections":"300"}',
    }, { superuserPassword: "super-secret-pw-2", replicationPassword: "repl-secret-pw-2" });
    const inputs = (prefix: string, node: string) => JSON.stringify(unwrapSecrets(mocks.find(CONTAINER, `${prefix}-${node}`).inputs)).replaceAll(prefix, "X");
    for (const node of ["primary", "replica-1"]) {
      assert.equal(inputs("d2a", node), inputs("d2b", node), node);
    }
    const seedInputs = (prefix: string) => mocks.find(COMMAND, `${prefix}-replica-1-basebackup`).inputs;
    assert.deepEqual(JSON.stringify(seedInputs("d2a").triggers).replaceAll("d2a", "X"), JSON.stringify(seedInputs("d2b").triggers).replaceAll("d2b", "X"));
  });
});

describe("bindAddress", () => {
  it("publishes on every interface when asked, while clients still use loopback", async () => {
    const { info } = await deploy("open", { bindAddress: "0.0.0.0", primaryPort: "27432" });
    const ports = mocks.find(CONTAINER, "open-primary").inputs.ports as Port[];
    assert.equal(ports[0].ip, "0.0.0.0");
    assert.equal(info.primaryHost, "127.0.0.1");
  });
});

describe("initSql", () => {
  it("reaches the bootstrap on its stdin only when set, and never the primary container", async () => {
    await deploy("init", { initSql: "CREATE TABLE users (id int);", primaryPort: "28432" });
    const bootstrap = mocks.find(COMMAND, "init-primary-bootstrap");
    assert.equal(bootstrap.inputs.stdin, "CREATE TABLE users (id int);");
    assert.match(String(bootstrap.inputs.create), /docker run --rm -i /);
    assert.doesNotMatch(String(bootstrap.inputs.create), /CREATE TABLE/);
    const uploads = unwrapSecrets(mocks.find(CONTAINER, "init-primary").inputs.uploads) as Upload[];
    // One upload: the entrypoint carries pg_hba.conf and pg_ident.conf.
    assert.deepEqual(uploads.map((u) => u.file), ["/etc/pg-replication/entrypoint.sh"]);
  });
});
