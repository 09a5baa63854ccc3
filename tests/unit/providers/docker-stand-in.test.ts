/**
 * The docker stand-in's provider semantics without Docker: Check's schema
 * defaults, the replace/update decision of each property the program sets
 * (against the state Read leaves, as the bridge diffs), and Read's
 * write-back, including a stopped container.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { containerReadBack, containerType, type ContainerInspect } from "../../providers/docker/container";
import { networkType } from "../../providers/docker/network";
import { remoteImageType, repoDigest } from "../../providers/docker/remote-image";
import { portsUnchanged } from "../../providers/docker/tables";
import { volumeType } from "../../providers/docker/volume";
import { waitForState } from "../../providers/docker/state-change";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../providers/inputs";
import type { CheckOutcome } from "../../providers/server";
import { UNKNOWN, type PropertyMap } from "../../providers/values";

const secret = (value: string): PropertyMap[string] => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });
const IMAGE_ID = "sha256:bec2ad5c430bc141096b9519083d96cb9b884df8b72174d6ddc44d8cc9525627";

/** What components/cluster.ts gives a replica container (with the secret and computed parts it has). */
function programInputs(overrides: PropertyMap = {}): PropertyMap {
  return {
    name: "pg-spx-replica-1",
    image: IMAGE_ID,
    hostname: "replica-1",
    entrypoints: ["/etc/pg-replication/entrypoint.sh"],
    command: ["postgres", "-D", "/var/lib/postgresql/data", "-c", "cluster_name=replica_1"],
    labels: [{ label: "pg-replication.stack", value: "spx" }, { label: "pg-replication.basebackup", value: "seed1234abcd" }],
    restart: "unless-stopped",
    stopSignal: "SIGINT",
    stopTimeout: 60,
    destroyGraceSeconds: 60,
    healthcheck: { tests: ["CMD-SHELL", "pg_isready -q"], interval: "1s", timeout: "5s", startPeriod: "2m0s", retries: 5 },
    wait: true,
    waitTimeout: 180,
    ports: [{ internal: 5432, external: 26433, ip: "127.0.0.1", protocol: "tcp" }],
    volumes: [{ volumeName: "pg-spx-replica-1-data", containerPath: "/var/lib/postgresql/data" }],
    networksAdvanced: [{ name: "pg-spx-net", aliases: ["replica-1"] }],
    uploads: [{ file: "/etc/pg-replication/pg_hba.conf", content: secret("local all all peer"), permissions: "0644" }],
    ...overrides,
  };
}

function checked(outcome: CheckOutcome): PropertyMap {
  assert.deepEqual(outcome.failures, []);
  return outcome.inputs;
}

/** `docker inspect` of the container the program's inputs create, running or stopped. */
function inspectOf(running: boolean, startPeriodNs = 120e9): ContainerInspect {
  return {
    Id: "c0ffee",
    Name: "/pg-spx-replica-1",
    Image: IMAGE_ID,
    State: { Status: running ? "running" : "exited", Running: running, ExitCode: running ? 0 : 137 },
    Config: {
      Hostname: "replica-1", User: "", WorkingDir: "", Image: IMAGE_ID,
      Cmd: ["postgres", "-D", "/var/lib/postgresql/data", "-c", "cluster_name=replica_1"],
      Entrypoint: ["/etc/pg-replication/entrypoint.sh"], StopSignal: "SIGINT", StopTimeout: 60, Tty: false, OpenStdin: false,
      Healthcheck: { Test: ["CMD-SHELL", "pg_isready -q"], Interval: 1e9, Timeout: 5e9, StartPeriod: startPeriodNs, Retries: 5 },
    },
    HostConfig: {
      AutoRemove: false, ReadonlyRootfs: false, RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 }, Init: false,
      Memory: 0, MemoryReservation: 0, ShmSize: 64 * 1024 * 1024, LogConfig: { Type: "json-file" }, NetworkMode: "bridge",
    },
    NetworkSettings: {
      Bridge: "",
      Ports: running ? { "5432/tcp": [{ HostIp: "127.0.0.1", HostPort: "26433" }] } : {},
      Networks: { "pg-spx-net": {
        IPAddress: running ? "172.28.0.3" : "", IPPrefixLen: 16, Gateway: "172.28.0.1", GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0, IPv6Gateway: "", MacAddress: "02:42:ac:1c:00:03",
      } },
    },
  };
}

/** The state after `pulumi up`: Create's outputs are what Read returns. */
function deployedState(): { inputs: PropertyMap; state: PropertyMap } {
  const inputs = checked(containerType.check("pg-spx-replica-1", {}, programInputs()));
  return { inputs, state: containerReadBack(inputs, inspectOf(true)) };
}

describe("docker Container: Check applies the schema's defaults", () => {
  it("fills the top-level and nested defaults of resource_docker_container.go, keeping secrets wrapped", () => {
    const inputs = checked(containerType.check("pg-spx-replica-1", {}, programInputs({ ports: [{ internal: 5432, external: 26433 }] })));
    for (const [key, value] of Object.entries({
      restart: "unless-stopped", mustRun: true, start: true, rm: false, removeVolumes: true, attach: false, logs: false,
      wait: true, waitTimeout: 180, readOnly: false, tty: false, stdinOpen: false, memoryReservation: 0, networkMode: "bridge",
      containerReadRefreshTimeoutMilliseconds: 15000,
    })) assert.deepEqual(inputs[key], value, key);
    assert.deepEqual(inputs["ports"], [{ internal: 5432, external: 26433, ip: "0.0.0.0", protocol: "tcp" }]);
    assert.deepEqual(inputs["healthcheck"], {
      tests: ["CMD-SHELL", "pg_isready -q"], interval: "1s", timeout: "5s", startPeriod: "2m0s", startInterval: "0s", retries: 5,
    });
    assert.deepEqual(inputs["uploads"], [{ file: "/etc/pg-replication/pg_hba.conf", content: secret("local all all peer"), permissions: "0644", executable: false }]);
    assert.deepEqual(inputs["volumes"], [{ volumeName: "pg-spx-replica-1-data", containerPath: "/var/lib/postgresql/data", readOnly: false }]);
    const bare = checked(containerType.check("c", {}, { name: "c", image: "img" }));
    assert.equal(bare["restart"], "no");
    assert.equal(bare["wait"], false);
    assert.equal(bare["waitTimeout"], 60);
    assert.equal(bare["healthcheck"], undefined);
  });

  it("refuses an input it does not implement, a default-only input at another value, and what the provider would refuse", () => {
    assert.match(containerType.check("c", {}, programInputs({ privileged: true })).failures[0]?.reason ?? "", /input 'privileged' is not implemented/);
    assert.equal(containerType.check("c", {}, programInputs({ tty: true })).failures[0]?.property, "tty");
    assert.match(containerType.check("c", {}, programInputs({ restart: "sometimes" })).failures[0]?.reason ?? "", /restart/);
    // Unknown values (preview) leave the provider's own validation for later.
    assert.deepEqual(containerType.check("c", {}, programInputs({ image: UNKNOWN })).failures, []);
  });

  it("other types: the network's ipamDriver 'default', the image's platform '', no volume defaults", () => {
    assert.equal(checked(networkType.check("n", {}, { name: "n", driver: "bridge" }))["ipamDriver"], "default");
    assert.equal(checked(remoteImageType.check("i", {}, { name: "postgres:17", keepLocally: true }))["platform"], "");
    assert.deepEqual(checked(volumeType.check("v", {}, { name: "v" })), { name: "v" });
  });
});

describe("docker Container: Diff against the state Read left", () => {
  it("finds nothing to change right after create", () => {
    const { inputs, state } = deployedState();
    assert.deepEqual(containerType.diff(inputs, state, inputs), { changes: [], deleteBeforeReplace: false });
  });

  const cases: [string, PropertyMap, string, "update" | "update-replace" | "add-replace"][] = [
    ["name", { name: "other" }, "name", "update-replace"],
    ["image", { image: "sha256:0123" }, "image", "update-replace"],
    ["hostname", { hostname: "other" }, "hostname", "update-replace"],
    ["entrypoints", { entrypoints: ["/other.sh"] }, "entrypoints", "update-replace"],
    ["command", { command: ["postgres", "-c", "work_mem=16MB"] }, "command", "update-replace"],
    ["labels", { labels: [{ label: "pg-replication.stack", value: "spx" }, { label: "pg-replication.basebackup", value: "seed9999" }] }, "labels", "update-replace"],
    ["stopSignal", { stopSignal: "SIGTERM" }, "stopSignal", "update-replace"],
    ["stopTimeout", { stopTimeout: 30 }, "stopTimeout", "update-replace"],
    ["ports", { ports: [{ internal: 5432, external: 26434, ip: "127.0.0.1", protocol: "tcp" }] }, "ports", "update-replace"],
    ["volumes", { volumes: [{ volumeName: "other", containerPath: "/var/lib/postgresql/data" }] }, "volumes", "update-replace"],
    ["networksAdvanced", { networksAdvanced: [{ name: "pg-spx-net", aliases: ["other"] }] }, "networksAdvanced", "update-replace"],
    ["uploads", { uploads: [{ file: "/etc/pg-replication/pg_hba.conf", content: secret("changed"), permissions: "0644" }] }, "uploads", "update-replace"],
    ["restart", { restart: "always" }, "restart", "update"],
    ["destroyGraceSeconds", { destroyGraceSeconds: 10 }, "destroyGraceSeconds", "update"],
    ["wait", { wait: false }, "wait", "update"],
    ["waitTimeout", { waitTimeout: 60 }, "waitTimeout", "update"],
    ["healthcheck", { healthcheck: { tests: ["CMD-SHELL", "pg_isready -q"], interval: "2s", timeout: "5s", startPeriod: "2m0s", retries: 5 } }, "healthcheck.interval", "update"],
  ];
  for (const [property, change, path, kind] of cases) {
    it(`a change of ${property} is ${kind === "update" ? "an in-place update" : "a delete-before-replace"}`, () => {
      const { inputs, state } = deployedState();
      const news = checked(containerType.check("pg-spx-replica-1", {}, programInputs(change)));
      const outcome = containerType.diff(inputs, state, news);
      assert.deepEqual(outcome.changes, [{ path, kind }]);
      assert.equal(outcome.deleteBeforeReplace, kind !== "update");
    });
  }

  it("diffs a healthcheck written as \"120s\" against the \"2m0s\" Read stored (an update that changes nothing)", () => {
    const news = checked(containerType.check("c", {}, programInputs({
      healthcheck: { tests: ["CMD-SHELL", "pg_isready -q"], interval: "1s", timeout: "5s", startPeriod: "120s", retries: 5 },
    })));
    const state = containerReadBack(news, inspectOf(true));
    assert.equal((state["healthcheck"] as { startPeriod: string }).startPeriod, "2m0s");
    assert.deepEqual(containerType.diff(news, state, news).changes, [{ path: "healthcheck.startPeriod", kind: "update" }]);
  });

  it("does not diff an Optional+Computed property absent from the inputs, a set in another order, or reordered ports", () => {
    const { inputs, state } = deployedState();
    const { command: _c, hostname: _h, healthcheck: _hc, ...withoutComputed } = inputs;
    assert.deepEqual(containerType.diff(inputs, state, withoutComputed).changes, []);
    const labels = [...(inputs["labels"] as PropertyMap[string][])].reverse();
    assert.deepEqual(containerType.diff(inputs, state, { ...inputs, labels }).changes, []);
    const two = [{ internal: 1, external: 2, ip: "127.0.0.1", protocol: "tcp" }, { internal: 3, external: 4, ip: "127.0.0.1", protocol: "tcp" }];
    assert.equal(portsUnchanged(two, [...two].reverse()), true);
    assert.equal(portsUnchanged(two, [two[0] ?? {}]), false);
    assert.equal(portsUnchanged([], two.slice(0, 1)), false);
  });

  it("treats an absent Optional property as its zero value, and honours user's empty-value suppression", () => {
    const { inputs, state } = deployedState();
    assert.deepEqual(containerType.diff(inputs, { ...state, memory: 0, user: "postgres" }, inputs).changes, []);
    assert.deepEqual(containerType.diff(inputs, { ...state, memory: 512 }, inputs), { changes: [{ path: "memory", kind: "delete" }], deleteBeforeReplace: false });
  });

  it("counts an unknown value as changed (a preview of a replaced dependency) and refuses a property it has no rule for", () => {
    const { inputs, state } = deployedState();
    assert.deepEqual(containerType.diff(inputs, state, { ...inputs, image: UNKNOWN }).changes, [{ path: "image", kind: "update-replace" }]);
    assert.throws(() => containerType.diff(inputs, { ...state, surprise: 1 }, inputs), /'surprise' has no entry/);
  });

  it("network, volume and image: every input replaces, create-before-delete; keepLocally updates in place", () => {
    const net = { name: "pg-spx-net", driver: "bridge", labels: [{ label: "a", value: "b" }], ipamDriver: "default" };
    const netState = { ...net, scope: "local", ipamConfigs: [{ subnet: "172.28.0.0/16", gateway: "172.28.0.1" }], internal: false, options: {} };
    assert.deepEqual(networkType.diff(net, netState, net).changes, []);
    assert.deepEqual(networkType.diff(net, netState, { ...net, labels: [{ label: "a", value: "c" }] }),
      { changes: [{ path: "labels", kind: "update-replace" }], deleteBeforeReplace: false });
    assert.deepEqual(networkType.diff(net, netState, { ...net, driver: "overlay" }).changes, [{ path: "driver", kind: "update-replace" }]);
    const vol = { name: "v", labels: [{ label: "a", value: "b" }] };
    const volState = { ...vol, driver: "local", driverOpts: {}, mountpoint: "/var/lib/docker/volumes/v/_data" };
    assert.deepEqual(volumeType.diff(vol, volState, vol).changes, []);
    assert.deepEqual(volumeType.diff(vol, volState, { ...vol, name: "w" }), { changes: [{ path: "name", kind: "update-replace" }], deleteBeforeReplace: false });
    const img = { name: "postgres:17", keepLocally: true, platform: "" };
    const imgState = { ...img, imageId: IMAGE_ID, repoDigest: "" };
    assert.deepEqual(remoteImageType.diff(img, imgState, img).changes, []);
    assert.deepEqual(remoteImageType.diff(img, imgState, { ...img, keepLocally: false }), { changes: [{ path: "keepLocally", kind: "update" }], deleteBeforeReplace: false });
    assert.deepEqual(remoteImageType.diff(img, imgState, { ...img, name: "postgres:18" }).changes, [{ path: "name", kind: "update-replace" }]);
  });
});

describe("docker Container: Read writes back what resourceDockerContainerRead sets", () => {
  it("a running container: command/entrypoints from Config, Go-duration healthcheck, flattened ports, networkDatas, no exitCode", () => {
    const inputs = checked(containerType.check("c", {}, programInputs()));
    const state = containerReadBack(inputs, inspectOf(true, 90e9));
    assert.deepEqual(state["healthcheck"], { tests: ["CMD-SHELL", "pg_isready -q"], interval: "1s", timeout: "5s", startPeriod: "1m30s", startInterval: "0s", retries: 5 });
    assert.deepEqual(state["ports"], [{ internal: 5432, external: 26433, ip: "127.0.0.1", protocol: "tcp" }]);
    assert.deepEqual(state["networkDatas"], [{
      networkName: "pg-spx-net", ipAddress: "172.28.0.3", ipPrefixLength: 16, gateway: "172.28.0.1", globalIpv6Address: "",
      globalIpv6PrefixLength: 0, ipv6Gateway: "", macAddress: "02:42:ac:1c:00:03",
    }]);
    assert.equal(state["exitCode"], undefined);
    assert.equal(state["mustRun"], true);
    assert.equal(state["image"], IMAGE_ID);
    assert.equal(state["shmSize"], 64);
    // Never read back: carried from the inputs, secrets still wrapped.
    assert.deepEqual(state["uploads"], inputs["uploads"]);
    assert.deepEqual(state["labels"], inputs["labels"]);
  });

  it("a stopped container with mustRun: mustRun false, exitCode set, ports wiped to [] (so the next plan replaces it)", () => {
    const { inputs, state } = deployedState();
    const refreshed = containerReadBack(state, inspectOf(false));
    assert.equal(refreshed["mustRun"], false);
    assert.equal(refreshed["exitCode"], 137);
    assert.deepEqual(refreshed["ports"], []);
    const outcome = containerType.diff(inputs, refreshed, inputs);
    assert.deepEqual(outcome.changes, [{ path: "mustRun", kind: "update" }, { path: "ports", kind: "add-replace" }]);
    assert.equal(outcome.deleteBeforeReplace, true);
  });

  it("a stopped container with mustRun false keeps its ports; a wiped port list is not read again", () => {
    const { state } = deployedState();
    const notRequired = containerReadBack({ ...state, mustRun: false }, inspectOf(false));
    assert.deepEqual(notRequired["ports"], state["ports"]);
    assert.equal(notRequired["mustRun"], false);
    const wiped = containerReadBack(containerReadBack(state, inspectOf(false)), inspectOf(true));
    assert.deepEqual(wiped["ports"], []);
  });
});

describe("docker helpers", () => {
  it("repoDigest follows determineRepoDigest", () => {
    assert.equal(repoDigest("postgres:17", []), "");
    assert.equal(repoDigest("postgres:17", ["postgres@sha256:a"]), "postgres@sha256:a");
    assert.equal(repoDigest("postgres:17", ["other@sha256:b", "postgres@sha256:a"]), "postgres@sha256:a");
    assert.equal(repoDigest("localhost:5000/pg", ["x@sha256:c", "y@sha256:d"]), "x@sha256:c");
  });

  it("waitForState sleeps its Delay before the first refresh and times out with the SDK's message", async () => {
    const started = Date.now();
    let calls = 0;
    await waitForState({ pending: ["pending"], target: ["removed"], timeoutMs: 5000, minTimeoutMs: 10, delayMs: 150,
      refresh: async () => (++calls < 2 ? "pending" : "removed") });
    assert.equal(calls, 2);
    assert.ok(Date.now() - started >= 150);
    await assert.rejects(waitForState({ pending: ["pending"], target: ["removed"], timeoutMs: 300, minTimeoutMs: 50, delayMs: 0, refresh: async () => "pending" }),
      { message: "timeout while waiting for state to become 'removed' (last state: 'pending', timeout: 0.3s)" });
  });
});
