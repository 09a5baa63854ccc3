/**
 * docker.Container, as kreuzwerker/terraform-provider-docker v4.5.0 (bridged by
 * @pulumi/docker 5.2.0) runs it: resource_docker_container.go for the schema,
 * resource_docker_container_funcs.go for create/read/update/delete.
 *
 * - Check fills the schema's defaults; Diff compares the new inputs with the
 *   OLD STATE (tables.ts), so what Read normalised diffs on the next preview.
 * - Create: find the image, `docker create`, leave the default bridge and join
 *   each `networksAdvanced` network, upload files (before start), start, wait
 *   for `healthy` when `wait`, then Read: the outputs are the checked inputs
 *   overwritten by what Read sets (`containerReadBack`).
 * - Read (refresh): gone -> dropped from the state; otherwise the same read-back
 *   over the old state, including the v4.5.0 quirk for a stopped container with
 *   mustRun (mustRun false, exitCode, ports wiped).
 * - Update: restart/memory through `docker update`, mustRun false -> true
 *   starts the container; everything else changes the state only. It does not
 *   Read again.
 * - Delete: `ContainerStop` with timeout destroyGraceSeconds (unset = 0: the
 *   stop signal, then SIGKILL at once), then remove with force and
 *   remove_volumes (default true): `docker stop -t N`, `docker rm -f -v`.
 *
 * Differs from the real provider: a create that fails after `docker create`
 * removes the container and leaves nothing in the state (the real one keeps
 * it, tainted, and deletes it on the next update).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { checkInputs, type InputSchema } from "../check";
import { diffState, isZero } from "../diff";
import { formatGoDuration } from "../go-format";
import { plainObject, StandInError, toPlain, type PlainObject } from "../inputs";
import type { ResourceType } from "../server";
import { containsUnknown, keepSecrecy, type PropertyMap } from "../values";
import { DockerError, inspect, isNotFound, runDocker, sleep } from "./cli";
import {
  CONTAINER_TYPE, containerCreateArgs, containerSpec, envFileContent, networkConnectArgs, planContainer,
  type ContainerPlan,
} from "./container-args";
import { findImage } from "./remote-image";
import { CONTAINER_TABLE } from "./tables";
import { buildSingleFileTar } from "./tar";

const LOG_LINES = 20;
const MIB = 1024 * 1024;

interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly ExitCode: number;
  readonly Health?: { readonly Status: string } | null;
}

/** The parts of `docker container inspect` that the provider's Read uses. */
export interface ContainerInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Image: string;
  readonly State: ContainerState;
  readonly Config: {
    readonly Hostname: string;
    readonly User?: string;
    readonly WorkingDir?: string;
    readonly Image: string;
    readonly Cmd?: readonly string[] | null;
    readonly Entrypoint?: readonly string[] | null;
    readonly StopSignal?: string;
    readonly StopTimeout?: number | null;
    readonly Tty?: boolean;
    readonly OpenStdin?: boolean;
    readonly Healthcheck?: {
      readonly Test?: readonly string[] | null;
      readonly Interval?: number;
      readonly Timeout?: number;
      readonly StartPeriod?: number;
      readonly StartInterval?: number;
      readonly Retries?: number;
    } | null;
  };
  readonly HostConfig: {
    readonly AutoRemove?: boolean;
    readonly ReadonlyRootfs?: boolean;
    readonly RestartPolicy?: { readonly Name: string; readonly MaximumRetryCount: number };
    readonly Init?: boolean | null;
    readonly Memory?: number;
    readonly MemoryReservation?: number;
    readonly ShmSize?: number;
    readonly LogConfig?: { readonly Type: string };
    readonly NetworkMode?: string;
  };
  readonly NetworkSettings: {
    readonly Bridge?: string;
    readonly Ports: Record<string, readonly { HostIp: string; HostPort: string }[] | null> | null;
    readonly Networks: Record<string, {
      IPAddress: string; IPPrefixLen: number; Gateway: string; GlobalIPv6Address: string;
      GlobalIPv6PrefixLen: number; IPv6Gateway: string; MacAddress: string;
    }> | null;
  };
}

/** The provider's flattenContainerPorts: bindings sorted by port, then protocol. */
export function flattenPorts(ports: ContainerInspect["NetworkSettings"]["Ports"]): PlainObject[] {
  const keys = Object.keys(ports ?? {}).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
  const out: PlainObject[] = [];
  for (const key of keys) {
    const [internal, protocol] = key.split("/");
    for (const binding of ports?.[key] ?? []) {
      out.push({ internal: Number(internal), external: Number(binding.HostPort) || 0, ip: binding.HostIp, protocol: protocol ?? "tcp" });
    }
  }
  return out;
}

/** The provider's flattenContainerNetworks. */
export function flattenNetworks(networks: ContainerInspect["NetworkSettings"]["Networks"]): PlainObject[] {
  return Object.entries(networks ?? {}).map(([networkName, n]) => ({
    networkName,
    ipAddress: n.IPAddress,
    ipPrefixLength: n.IPPrefixLen,
    gateway: n.Gateway,
    globalIpv6Address: n.GlobalIPv6Address,
    globalIpv6PrefixLength: n.GlobalIPv6PrefixLen,
    ipv6Gateway: n.IPv6Gateway,
    macAddress: n.MacAddress,
  }));
}

/**
 * resourceDockerContainerRead applied to `state` (the planned state after
 * Create, the old state on refresh). Fields it never sets (envs, labels,
 * volumes, uploads, networksAdvanced, wait, destroyGraceSeconds, start, ...)
 * keep their state value. Pure.
 */
export function containerReadBack(state: PropertyMap, info: ContainerInspect): PropertyMap {
  const out: PropertyMap = { ...state };
  const running = info.State.Running;
  const mustRun = toPlain(state["mustRun"]) === true;
  const net = info.NetworkSettings;
  const config = info.Config;
  const host = info.HostConfig;
  out["bridge"] = net.Bridge ?? "";
  // "if the container exited, NetworkSettings.Ports is nil": with must_run
  // still true here, a stopped container's ports are overwritten with [].
  if ((running || mustRun) && !isZero(toPlain(state["ports"]))) out["ports"] = flattenPorts(net.Ports);
  out["networkDatas"] = flattenNetworks(net.Networks);
  if (!running) {
    out["exitCode"] = info.State.ExitCode;
    // "Setting must_run to false in state to trigger update."
    if (mustRun) out["mustRun"] = false;
  }
  out["name"] = info.Name.replace(/^\/+/, "");
  out["rm"] = host.AutoRemove ?? false;
  out["readOnly"] = host.ReadonlyRootfs ?? false;
  out["image"] = String(toPlain(state["image"]) ?? "").startsWith("sha256:") ? info.Image : config.Image;
  out["hostname"] = config.Hostname;
  out["command"] = [...(config.Cmd ?? [])];
  out["entrypoints"] = [...(config.Entrypoint ?? [])];
  out["user"] = config.User ?? "";
  out["workingDir"] = config.WorkingDir ?? "";
  out["restart"] = host.RestartPolicy?.Name ?? "";
  out["maxRetryCount"] = host.RestartPolicy?.MaximumRetryCount ?? 0;
  out["init"] = host.Init ?? false;
  out["memory"] = Math.trunc((host.Memory ?? 0) / MIB);
  out["memoryReservation"] = Math.trunc((host.MemoryReservation ?? 0) / MIB);
  out["shmSize"] = Math.trunc((host.ShmSize ?? 0) / MIB);
  out["logDriver"] = host.LogConfig?.Type ?? "";
  out["networkMode"] = host.NetworkMode ?? "";
  const hc = config.Healthcheck;
  if (hc !== undefined && hc !== null) {
    out["healthcheck"] = {
      tests: [...(hc.Test ?? [])],
      interval: formatGoDuration(hc.Interval ?? 0),
      timeout: formatGoDuration(hc.Timeout ?? 0),
      startPeriod: formatGoDuration(hc.StartPeriod ?? 0),
      startInterval: formatGoDuration(hc.StartInterval ?? 0),
      retries: hc.Retries ?? 0,
    };
  }
  out["tty"] = config.Tty ?? false;
  out["stdinOpen"] = config.OpenStdin ?? false;
  out["stopSignal"] = config.StopSignal ?? "";
  if (config.StopTimeout !== undefined && config.StopTimeout !== null) out["stopTimeout"] = config.StopTimeout;
  else delete out["stopTimeout"];
  return out;
}

/** The schema's defaults, which the bridge's Check fills in (resource_docker_container.go `Default:`). */
export const CONTAINER_SCHEMA: InputSchema = {
  type: CONTAINER_TYPE,
  spec: containerSpec,
  defaults: {
    rm: false, readOnly: false, start: true, wait: false, waitTimeout: 60, attach: false, logs: false, mustRun: true,
    restart: "no", removeVolumes: true, memoryReservation: 0, networkMode: "bridge",
    containerReadRefreshTimeoutMilliseconds: 15000, tty: false, stdinOpen: false,
    ports: { ip: "0.0.0.0", protocol: "tcp" },
    healthcheck: { interval: "0s", timeout: "0s", startPeriod: "0s", startInterval: "0s", retries: 0 },
    uploads: { executable: false },
    // Not a schema Default: the SDKv2 zero value, which the state holds for an unset bool.
    volumes: { readOnly: false },
  },
  // Implemented at their default only: the stand-in has no code for the other values.
  fixed: { attach: false, logs: false, rm: false, readOnly: false, tty: false, stdinOpen: false, memoryReservation: 0, networkMode: "bridge" },
};

async function logsTail(id: string): Promise<string> {
  try {
    // docker logs writes the container's stderr to its own stderr: keep both, in order per stream.
    const { stdout, stderr } = await runDocker(["logs", "--tail", String(LOG_LINES), id], { timeoutMs: 15_000 });
    const text = [stdout.trimEnd(), stderr.trimEnd()].filter((s) => s !== "").join("\n");
    return text === "" ? "(no output)" : text;
  } catch (error) {
    return `(docker logs failed: ${(error as Error).message})`;
  }
}

async function forceRemove(id: string, removeVolumes: boolean): Promise<void> {
  try {
    await runDocker(["rm", "-f", ...(removeVolumes ? ["-v"] : []), id]);
  } catch (error) {
    if (!(error instanceof DockerError && (isNotFound(error) || /already in progress/.test(error.stderr)))) throw error;
  }
}

async function withEnvFile<T>(env: readonly string[], body: (file: string | undefined) => Promise<T>): Promise<T> {
  if (env.length === 0) return body(undefined);
  const dir = await mkdtemp(join(tmpdir(), "pg-stand-in-env-"));
  const file = join(dir, "env");
  try {
    await writeFile(file, envFileContent(env), { mode: 0o600 });
    return await body(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls once a second until Health is `healthy`, like the provider's wait; it does not give up early on exit. */
async function waitHealthy(plan: ContainerPlan, id: string, fail: (detail: string) => StandInError): Promise<void> {
  const deadline = Date.now() + plan.waitTimeoutSeconds * 1000;
  let state: ContainerState | undefined;
  for (;;) {
    state = (await inspect<ContainerInspect>("container", id))?.State;
    if (state === undefined) throw fail("container vanished while waiting for it to be healthy");
    if (state.Health === undefined || state.Health === null) {
      throw fail("you have supplied a 'wait' argument, but the container does not have a healthcheck defined. " +
        "Please remove the 'wait' argument or add a 'healthcheck' attribute");
    }
    if (state.Health.Status === "healthy") return;
    if (Date.now() >= deadline) break;
    await sleep(1000);
  }
  throw fail(`container failed to be in healthy state (after ${plan.waitTimeoutSeconds} s; ` +
    `status ${state.Status}, health ${state.Health?.Status ?? "none"}, exit code ${state.ExitCode})\n` +
    `last ${LOG_LINES} lines of docker logs ${plan.containerName}:\n${await logsTail(id)}`);
}

/** Everything of Create after `docker create`, up to (not including) the final Read. */
async function prepareAndStart(plan: ContainerPlan, id: string, fail: (detail: string) => StandInError): Promise<void> {
  const reason = (error: unknown): string => (error instanceof DockerError ? error.reason : (error as Error).message);
  if (plan.networks.length > 0) {
    try {
      await runDocker(["network", "disconnect", "bridge", id]);
    } catch (error) {
      if (!(error instanceof DockerError && /is not connected to the network bridge/i.test(error.stderr))) {
        throw fail(`Unable to disconnect the default network: ${reason(error)}`);
      }
    }
    for (const network of plan.networks) {
      try {
        await runDocker(networkConnectArgs(network, id));
      } catch (error) {
        throw fail(`Unable to connect to network '${network.name}': ${reason(error)}`);
      }
    }
  }
  const mtime = Date.now() / 1000;
  for (const upload of plan.uploads) {
    try {
      // Contents go through stdin: uploads carry passwords.
      await runDocker(["cp", "-", `${id}:/`], { input: buildSingleFileTar({ path: upload.file, content: upload.content, mode: upload.mode, mtime }) });
    } catch (error) {
      throw fail(`Unable to upload volume content: ${reason(error)} (file ${upload.file})`);
    }
  }
  if (!plan.start) return;
  try {
    await runDocker(["start", id]);
  } catch (error) {
    throw fail(`Unable to start container: ${reason(error)}`);
  }
  if (plan.wait) await waitHealthy(plan, id, fail);
}

function changed(olds: PlainObject, news: PlainObject, keys: readonly string[]): boolean {
  return keys.some((key) => JSON.stringify(olds[key] ?? null) !== JSON.stringify(news[key] ?? null));
}

export const containerType: ResourceType = {
  token: CONTAINER_TYPE,

  check(name, _olds, news) {
    const outcome = checkInputs(CONTAINER_SCHEMA, name, news);
    // The provider validates in its plan (ValidateDiagFunc, Create's own checks): do it here when every value is known.
    if (outcome.failures.length > 0 || containsUnknown(outcome.inputs)) return outcome;
    try {
      planContainer(name, plainObject(outcome.inputs));
    } catch (error) {
      return { inputs: outcome.inputs, failures: [{ property: "", reason: (error as Error).message }] };
    }
    return outcome;
  },

  diff(_oldInputs, oldOutputs, news) {
    // pulumi-docker provider/resources.go: `DeleteBeforeReplace: true` for docker_container only.
    return diffState(CONTAINER_TABLE, oldOutputs, news, true);
  },

  async create(name, inputs) {
    const plan = planContainer(name, plainObject(inputs));
    const fail = (detail: string): StandInError => new StandInError(CONTAINER_TYPE, name, detail);
    const reason = (error: unknown): string => (error instanceof DockerError ? error.reason : (error as Error).message);
    try {
      await findImage(plan.image);
    } catch (error) {
      throw fail(`Unable to create container with image ${plan.image}: ${reason(error)}`);
    }
    let id: string;
    try {
      const { stdout } = await withEnvFile(plan.env, (envFile) => runDocker(containerCreateArgs(plan, envFile)));
      id = stdout.trim().split("\n").pop() ?? "";
    } catch (error) {
      throw fail(`Unable to create container: ${reason(error)}`);
    }
    try {
      await prepareAndStart(plan, id, fail);
      // Create ends with Read; it does not wait for "running" (v4 removed that).
      const info = await inspect<ContainerInspect>("container", id);
      if (info === undefined) throw fail(`container ${id} vanished right after create`);
      return { id: info.Id, outputs: keepSecrecy(inputs, containerReadBack(inputs, info)) };
    } catch (error) {
      await forceRemove(id, true).catch(() => undefined);
      throw error;
    }
  },

  async read(id, outputs, inputs) {
    // The provider lists all containers and looks for the id: a missing one leaves the state.
    const info = await inspect<ContainerInspect>("container", id);
    if (info === undefined) return undefined;
    return { id: info.Id, outputs: keepSecrecy(inputs, containerReadBack(outputs, info)), inputs };
  },

  async update(id, name, olds, news) {
    const before = plainObject(olds);
    const after = plainObject(news);
    const fail = (detail: string): StandInError => new StandInError(CONTAINER_TYPE, name, detail);
    if (before["mustRun"] === false && after["mustRun"] === true && after["start"] !== false) {
      try {
        await runDocker(["start", id]);
      } catch (error) {
        throw fail(`Unable to start container: ${error instanceof DockerError ? error.reason : String(error)}`);
      }
    }
    // One ContainerUpdate with the full current values when any of them changed.
    if (changed(before, after, ["restart", "memory"])) {
      const args = ["update", "--restart", typeof after["restart"] === "string" ? after["restart"] : "no"];
      // Memory 0 means "unchanged" to ContainerUpdate, so an unset memory sends nothing.
      if (typeof after["memory"] === "number" && after["memory"] > 0) args.push("--memory", String(after["memory"] * MIB));
      try {
        await runDocker([...args, id]);
      } catch (error) {
        throw fail(`Unable to update a container: ${error instanceof DockerError ? error.reason : String(error)}`);
      }
    }
    // No Read afterwards: the new state is the planned one (new inputs over the old computed values).
    return keepSecrecy(news, { ...olds, ...news });
  },

  async delete(id, outputs) {
    const state = plainObject(outputs);
    const grace = typeof state["destroyGraceSeconds"] === "number" && state["destroyGraceSeconds"] > 0 ? state["destroyGraceSeconds"] : 0;
    if (state["attach"] !== true) {
      try {
        await runDocker(["stop", "-t", String(grace), id], { timeoutMs: grace * 1000 + 60_000 });
      } catch (error) {
        if (!(error instanceof DockerError && isNotFound(error))) throw error;
      }
    }
    await forceRemove(id, state["removeVolumes"] !== false);
  },
};
