/**
 * The Docker-backed executor against the real engine, without the real
 * program: a fixture program (tests/executor/fixtures/basic) with one of each
 * resource type is deployed by `sandbox.ts up --program ...` in a child
 * process, exactly as the real program is, and checked with `docker inspect`.
 *
 * Stacks are `it-executor-*`; everything carries `pg-replication.stack=<stack>`,
 * leftovers are removed by that label before and after (even on failure). The
 * container's port is random on 127.0.0.1: never 15432/15433.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";

import { removeLeftovers, STACK_LABEL } from "../executor/cleanup";
import { inspect, listByLabel, runDocker } from "../executor/docker-cli";

const REPO = resolve(__dirname, "../..");
const SANDBOX = join(REPO, "tests/executor/sandbox.ts");
const FIXTURE = join(REPO, "tests/executor/fixtures/basic/index.ts");
const STACKS = {
  ok: "it-executor-ok", fail: "it-executor-fail", unhealthy: "it-executor-unhealthy", noimage: "it-executor-noimage", crash: "it-executor-crash", orphan: "it-executor-orphan",
} as const;
const SECRET = "it-secret-value-7f3a";
const CALL_TIMEOUT_MS = 150_000;

const work = mkdtempSync(join(tmpdir(), "it-executor-"));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `node --import tsx tests/executor/sandbox.ts ...` in the repository, with a hard timeout. */
function sandbox(args: readonly string[]): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", SANDBOX, ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`sandbox ${args.join(" ")} timed out after ${CALL_TIMEOUT_MS / 1000} s\n${stderr}`));
    }, CALL_TIMEOUT_MS);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function labelled(stack: string): Promise<string[]> {
  const label = `${STACK_LABEL}=${stack}`;
  return [
    ...(await listByLabel("container", label)).map((n) => `container ${n}`),
    ...(await listByLabel("volume", label)).map((n) => `volume ${n}`),
    ...(await listByLabel("network", label)).map((n) => `network ${n}`),
  ];
}

async function exec(container: string, script: string): Promise<string> {
  return (await runDocker(["exec", container, "sh", "-c", script])).stdout;
}

async function cleanAll(): Promise<void> {
  for (const stack of Object.values(STACKS)) await removeLeftovers(stack);
}

before(cleanAll);
after(async () => {
  await cleanAll();
  rmSync(work, { recursive: true, force: true });
});

interface ContainerInfo {
  Name: string;
  State: { Running: boolean; Health: { Status: string } };
  Config: { Env: string[]; Labels: Record<string, string>; Healthcheck: { Test: string[]; Interval: number; Retries: number }; StopSignal: string; StopTimeout: number; Hostname: string };
  HostConfig: { PortBindings: Record<string, { HostIp: string; HostPort: string }[]>; RestartPolicy: { Name: string }; Memory: number; ShmSize: number; Init: boolean };
  NetworkSettings: { Ports: Record<string, { HostIp: string; HostPort: string }[]>; Networks: Record<string, { Aliases: string[] | null }> };
  Mounts: { Type: string; Name: string; Destination: string; RW: boolean }[];
}

describe("executor against Docker: the fixture program", { timeout: 600_000 }, () => {
  const stack = STACKS.ok;
  const stateDir = join(work, "ok-state");
  const marker = join(work, "ok-marker");
  let outputs: Record<string, unknown> = {};
  let info: ContainerInfo;

  it("up creates every resource and prints one summary line without the secret", async () => {
    mkdirSync(marker, { recursive: true });
    const run = await sandbox(["up", "--stack", stack, "--state-dir", stateDir, "--program", FIXTURE, "--set", `marker=${marker}`, "--set", `secret=${SECRET}`]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^sandbox stack '${stack}' is up in [0-9.]+ s: 5 resources; outputs in .*outputs\\.json\\n$`));
    assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET));
    const outputsPath = join(stateDir, "outputs.json");
    assert.equal(statSync(outputsPath).mode & 0o777, 0o600);
    outputs = JSON.parse(readFileSync(outputsPath, "utf8")) as Record<string, unknown>;
    assert.equal(outputs["secretValue"], SECRET, "secret outputs are written revealed");
    const found = await inspect<ContainerInfo>("container", `${stack}-c1`);
    assert.ok(found, "container exists");
    info = found;
  });

  it("the container waited for healthy and carries the translated settings", () => {
    assert.equal(info.State.Running, true);
    assert.equal(info.State.Health.Status, "healthy");
    assert.match(String(outputs["containerId"]), /^[0-9a-f]{64}$/);
    assert.deepEqual(info.Config.Healthcheck.Test, ["CMD-SHELL", "test -f /etc/fixture/deep/nested/hello.txt"]);
    assert.equal(info.Config.Healthcheck.Interval, 1e9);
    assert.equal(info.Config.Healthcheck.Retries, 3);
    assert.equal(info.HostConfig.RestartPolicy.Name, "no");
    assert.equal(info.Config.StopSignal, "SIGTERM");
    assert.equal(info.Config.StopTimeout, 5);
    assert.equal(info.HostConfig.Memory, 256 * 1024 * 1024);
    assert.equal(info.HostConfig.ShmSize, 64 * 1024 * 1024);
    assert.equal(info.HostConfig.Init, false);
    assert.equal(info.Config.Hostname, "fixture-host");
    assert.equal(info.Config.Labels[STACK_LABEL], stack);
    assert.ok(info.Config.Env.includes(`FIXTURE_SECRET=${SECRET}`), "secret env unwrapped");
    assert.ok(info.Config.Env.includes("FIXTURE_PLAIN=plain value"));
  });

  it("the port is published on 127.0.0.1 only, on a random port reported in the outputs", () => {
    assert.deepEqual(info.HostConfig.PortBindings["5432/tcp"]?.map((b) => b.HostIp), ["127.0.0.1"]);
    const bound = info.NetworkSettings.Ports["5432/tcp"] ?? [];
    assert.deepEqual(bound.map((b) => b.HostIp), ["127.0.0.1"]);
    const reported = outputs["ports"] as { internal: number; external: number; ip: string; protocol: string }[];
    assert.equal(reported.length, 1);
    assert.equal(reported[0]?.external, Number(bound[0]?.HostPort));
    assert.deepEqual({ ...reported[0], external: 0 }, { internal: 5432, external: 0, ip: "127.0.0.1", protocol: "tcp" });
    assert.ok(![15432, 15433].includes(reported[0]?.external ?? 0));
  });

  it("left the default bridge and joined the stack network with its alias; the volume is mounted", () => {
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [`${stack}-net`]);
    assert.ok(info.NetworkSettings.Networks[`${stack}-net`]?.Aliases?.includes("fixture-alias"));
    const datas = outputs["networkDatas"] as { networkName: string; ipAddress: string }[];
    assert.deepEqual(datas.map((d) => d.networkName), [`${stack}-net`]);
    assert.match(datas[0]?.ipAddress ?? "", /^\d+\.\d+\.\d+\.\d+$/);
    const mount = info.Mounts.find((m) => m.Destination === "/data");
    assert.deepEqual(mount && { type: mount.Type, name: mount.Name, rw: mount.RW }, { type: "volume", name: `${stack}-data`, rw: true });
  });

  it("uploads were written before start with the provider's modes, root-owned, parents created", async () => {
    const stat = await exec(`${stack}-c1`, "stat -c '%n %a %u:%g %s' /etc/fixture/deep/nested/hello.txt /usr/local/bin/fixture-exec.sh /etc/fixture/plain.txt /etc/fixture/secret.txt /etc/fixture/binary.bin /etc/fixture/deep/nested");
    assert.deepEqual(stat.trim().split("\n"), [
      "/etc/fixture/deep/nested/hello.txt 640 0:0 6",
      "/usr/local/bin/fixture-exec.sh 744 0:0 23",
      "/etc/fixture/plain.txt 644 0:0 5",
      `/etc/fixture/secret.txt 600 0:0 ${SECRET.length}`,
      "/etc/fixture/binary.bin 644 0:0 4",
      "/etc/fixture/deep/nested 755 0:0 4096",
    ]);
    assert.equal(await exec(`${stack}-c1`, "cat /etc/fixture/secret.txt"), SECRET);
    assert.equal(await exec(`${stack}-c1`, "od -An -tu1 /etc/fixture/binary.bin | tr -s ' '"), " 0 1 2 255\n");
    assert.equal(await exec(`${stack}-c1`, "/usr/local/bin/fixture-exec.sh"), "exec-ok\n");
  });

  it("the network's IPAM config is read back, and network and volume carry the labels", async () => {
    const net = await inspect<{ IPAM: { Config: { Subnet: string; Gateway: string }[] }; Labels: Record<string, string> }>("network", `${stack}-net`);
    assert.equal(outputs["networkSubnet"], net?.IPAM.Config[0]?.Subnet);
    assert.equal(outputs["networkGateway"], net?.IPAM.Config[0]?.Gateway);
    assert.match(String(outputs["networkSubnet"]), /^\d+\.\d+\.\d+\.\d+\/\d+$/);
    assert.equal(net?.Labels[STACK_LABEL], stack);
    const volume = await inspect<{ Labels: Record<string, string> }>("volume", `${stack}-data`);
    assert.equal(volume?.Labels[STACK_LABEL], stack);
  });

  it("the Command ran with its stdin and environment, and its trimmed output is in the outputs", () => {
    assert.equal(readFileSync(join(marker, "create-stdin"), "utf8"), SECRET);
    assert.equal(outputs["commandStdout"], `created for ${stack}-c1`);
    assert.equal(outputs["commandStderr"], "a warning");
  });

  it("the state file records the resources in dependency order", () => {
    const state = JSON.parse(readFileSync(join(stateDir, "state.json"), "utf8")) as { status: string; resources: { type: string }[] };
    assert.equal(state.status, "deployed");
    const types = state.resources.map((r) => r.type.split(":").pop());
    assert.equal(types.length, 5);
    assert.equal(types[3], "Container");
    assert.equal(types[4], "Command");
    assert.deepEqual(types.slice(0, 3).sort(), ["Network", "RemoteImage", "Volume"]);
  });

  it("a second up refuses to overwrite the stack", async () => {
    const run = await sandbox(["up", "--stack", stack, "--state-dir", stateDir, "--program", FIXTURE, "--set", `marker=${marker}`]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /already holds sandbox stack 'it-executor-ok' \(deployed, 5 resources\): run `npm run sandbox -- down --state-dir \S+ok-state` first/);
  });

  it("down runs the Command's delete (create's stdout, stderr and stdin) and removes everything", async () => {
    const run = await sandbox(["down", "--state-dir", stateDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^sandbox stack '${stack}' is down: removed 5 resources in [0-9.]+ s\\n$`));
    assert.equal(readFileSync(join(marker, "delete-seen"), "utf8"), `created for ${stack}-c1|a warning|${SECRET}`);
    assert.deepEqual(await labelled(stack), []);
    assert.equal(existsSync(join(stateDir, "state.json")), false);
    assert.equal(existsSync(join(stateDir, "outputs.json")), false);
    assert.ok(await inspect("image", "pg-replication/postgres:17"), "keepLocally: the image stays");
    const again = await sandbox(["down", "--state-dir", stateDir, "--stack", stack]);
    assert.equal(again.code, 0);
    assert.equal(again.stdout, "nothing to remove\n");
  });
});

describe("executor against Docker: failures", { timeout: 600_000 }, () => {
  it("a failing Command reports the provider's error and the failed up leaves nothing behind", async () => {
    const stack = STACKS.fail;
    const stateDir = join(work, "fail-state");
    const marker = join(work, "fail-marker");
    mkdirSync(marker, { recursive: true });
    const run = await sandbox(["up", "--stack", stack, "--state-dir", stateDir, "--program", FIXTURE, "--set", `marker=${marker}`, "--set", "failCommand=true"]);
    assert.equal(run.code, 1);
    const lines = run.stderr.split("\n");
    const errorAt = lines.findIndex((l) => l.startsWith("sandbox up failed: "));
    assert.equal(lines[errorAt],
      "sandbox up failed: executor: command:local:Command 'fixture-fail': exit status 3: running \"echo to-stdout; echo to-stderr >&2; exit 3\":");
    assert.deepEqual(lines.slice(errorAt + 1).filter((l) => l !== "").sort(), ["  | to-stderr", "  | to-stdout"]);
    assert.ok(!run.stderr.includes("    at "), "no stack trace");
    assert.deepEqual(await labelled(stack), []);
    assert.equal(existsSync(join(stateDir, "state.json")), false);
    // The teardown ran the first Command's delete, as a destroy would.
    assert.match(readFileSync(join(marker, "delete-seen"), "utf8"), new RegExp(`^created for ${stack}-c1\\|a warning\\|`));
  });

  it("wait gives up after waitTimeout with the provider's error plus the container's last log lines", async () => {
    const stack = STACKS.unhealthy;
    const stateDir = join(work, "unhealthy-state");
    const run = await sandbox(["up", "--stack", stack, "--state-dir", stateDir, "--program", FIXTURE, "--set", `marker=${work}`, "--set", "unhealthy=true"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /sandbox up failed: executor: docker:index\/container:Container 'fixture-c1': container failed to be in healthy state \(after 3 s; status running, health (starting|unhealthy), exit code 0\)\n/);
    assert.match(run.stderr, new RegExp(`  \\| last 20 lines of docker logs ${stack}-c1:\\n  \\| fixture started\\n`));
    assert.deepEqual(await labelled(stack), []);
    assert.equal(existsSync(join(stateDir, "state.json")), false);
  });

  it("an image that is absent and cannot be pulled says how to build the offline image", async () => {
    const stack = STACKS.noimage;
    const run = await sandbox(["up", "--stack", stack, "--state-dir", join(work, "noimage-state"), "--program", FIXTURE,
      "--set", `marker=${work}`, "--set", "image=pg-replication/absent:0"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /RemoteImage 'fixture-image': Unable to read Docker image into resource: image "pg-replication\/absent:0" is not present locally and pulling it failed \(no registry reachable\?\)/);
    assert.match(run.stderr, /npm run build:offline-image/);
    assert.deepEqual(await labelled(stack), []);
  });

  it("down first removes a container an interrupted up made but never recorded, which holds the volume and network", async () => {
    const stack = STACKS.orphan;
    const stateDir = join(work, "orphan-state");
    const marker = join(work, "orphan-marker");
    mkdirSync(marker, { recursive: true });
    const up = await sandbox(["up", "--stack", stack, "--state-dir", stateDir, "--program", FIXTURE, "--set", `marker=${marker}`, "--set", `secret=${SECRET}`]);
    assert.equal(up.code, 0, up.stderr);
    const label = `${STACK_LABEL}=${stack}`;
    await runDocker(["run", "-d", "--label", label, "--name", `${stack}-unrecorded`, "--network", `${stack}-net`, "-v", `${stack}-data:/data`, "--entrypoint", "sleep", "pg-replication/postgres:17", "600"]);
    const run = await sandbox(["down", "--stack", stack, "--state-dir", stateDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`removed unrecorded container ${stack}-unrecorded`));
    assert.match(run.stdout, /is down: removed 5 resources and 1 leftovers found by label/);
    assert.deepEqual(await labelled(stack), []);
  });

  it("down removes what a crashed up left, found by label", async () => {
    const stack = STACKS.crash;
    const label = `${STACK_LABEL}=${stack}`;
    await runDocker(["network", "create", "--label", label, `${stack}-net`]);
    await runDocker(["volume", "create", "--label", label, `${stack}-data`]);
    await runDocker(["create", "--label", label, "--name", `${stack}-c`, "--network", `${stack}-net`, "-v", `${stack}-data:/data`, "pg-replication/postgres:17", "true"]);
    const run = await sandbox(["down", "--stack", stack, "--state-dir", join(work, "crash-state")]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /is down: removed 0 resources and 3 leftovers found by label/);
    assert.deepEqual(await labelled(stack), []);
  });
});
