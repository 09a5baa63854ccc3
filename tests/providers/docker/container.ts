/**
 * docker.Container, in the provider's order (PROVIDER-SEMANTICS.md, kreuzwerker
 * resource_docker_container_funcs.go): find the image, create, leave the
 * default bridge and join each `networksAdvanced` network, upload files (before
 * start), start, wait for `healthy` when `wait`, then read back like the
 * provider's Read (which also fails a container that exited right away).
 *
 * A failure after `docker create` removes the container before rethrowing:
 * the real provider keeps such a container in state (tainted) and the engine
 * deletes it on destroy, so the end result is the same, and the executor's
 * record only ever holds resources whose create succeeded.
 *
 * Delete (newest provider): `ContainerStop` with timeout destroyGraceSeconds
 * (unset = 0: the stop signal, then SIGKILL at once), then remove with force
 * and remove_volumes (default true) — `docker stop -t N`, `docker rm -f -v`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { DockerError, inspect, isNotFound, runDocker, sleep } from "./cli";
import { assertImplemented, ExecutorError, type PlainObject } from "../inputs";
import { buildSingleFileTar } from "./tar";
import {
  CONTAINER_TYPE, containerCreateArgs, containerSpec, envFileContent, networkConnectArgs, planContainer,
  type ContainerPlan,
} from "./container-args";
import { findImage } from "./remote-image";
import type { CreateResult, HandlerContext, ResourceHandler, ResourceRecord } from "../handler";

/** The provider's Read waits this long for the container to be running. */
const RUNNING_TIMEOUT_MS = 15_000;
const LOG_LINES = 20;

interface ContainerState {
  readonly Status: string;
  readonly Running: boolean;
  readonly ExitCode: number;
  readonly Health?: { readonly Status: string } | null;
}

interface ContainerInspect {
  readonly Id: string;
  readonly Name: string;
  readonly State: ContainerState;
  readonly Config: { readonly Hostname: string };
  readonly NetworkSettings: {
    readonly Ports: Record<string, readonly { HostIp: string; HostPort: string }[] | null> | null;
    readonly Networks: Record<string, {
      IPAddress: string; IPPrefixLen: number; Gateway: string; GlobalIPv6Address: string;
      GlobalIPv6PrefixLen: number; IPv6Gateway: string; MacAddress: string;
    }> | null;
  };
}

/** The provider's flattenContainerPorts: bindings sorted by internal port. */
export function flattenPorts(ports: ContainerInspect["NetworkSettings"]["Ports"]): PlainObject[] {
  const keys = Object.keys(ports ?? {}).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
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

async function forceRemove(id: string): Promise<void> {
  try {
    await runDocker(["rm", "-f", "-v", id]);
  } catch (error) {
    if (!(error instanceof DockerError && (isNotFound(error) || /already in progress/.test(error.stderr)))) throw error;
  }
}

async function withEnvFile<T>(env: readonly string[], body: (file: string | undefined) => Promise<T>): Promise<T> {
  if (env.length === 0) return body(undefined);
  const dir = await mkdtemp(join(tmpdir(), "pg-executor-env-"));
  const file = join(dir, "env");
  try {
    await writeFile(file, envFileContent(env), { mode: 0o600 });
    return await body(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Polls once a second until Health is `healthy`, like the provider's wait; it does not give up early on exit. */
async function waitHealthy(plan: ContainerPlan, id: string, fail: (detail: string) => ExecutorError): Promise<void> {
  const deadline = Date.now() + plan.waitTimeoutSeconds * 1000;
  let state: ContainerState | undefined;
  for (;;) {
    state = (await inspect<ContainerInspect>("container", id))?.State;
    if (state === undefined) throw fail("container vanished while waiting for it to be healthy");
    if (state.Health === undefined || state.Health === null) {
      throw fail("wait is true but the container has no healthcheck (the provider requires one)");
    }
    if (state.Health.Status === "healthy") return;
    if (Date.now() >= deadline) break;
    await sleep(1000);
  }
  throw fail(`container failed to be in healthy state (after ${plan.waitTimeoutSeconds} s; ` +
    `status ${state.Status}, health ${state.Health?.Status ?? "none"}, exit code ${state.ExitCode})\n` +
    `last ${LOG_LINES} lines of docker logs ${plan.containerName}:\n${await logsTail(id)}`);
}

/** The provider's Read: the container must be running (must_run defaults to true). */
async function waitRunning(plan: ContainerPlan, id: string, fail: (detail: string) => ExecutorError): Promise<ContainerInspect> {
  const deadline = Date.now() + RUNNING_TIMEOUT_MS;
  for (;;) {
    const info = await inspect<ContainerInspect>("container", id);
    if (info === undefined) throw fail("container failed to be created");
    if (info.State.Running || !plan.start) return info;
    if (info.State.Status === "exited" || info.State.Status === "dead") {
      throw fail(`container exited immediately (exit code ${info.State.ExitCode})\n` +
        `last ${LOG_LINES} lines of docker logs ${plan.containerName}:\n${await logsTail(id)}`);
    }
    if (Date.now() >= deadline) throw fail(`container failed to be in running state (status ${info.State.Status})`);
    await sleep(100);
  }
}

export const containerHandler: ResourceHandler = {
  type: CONTAINER_TYPE,
  spec: containerSpec,

  async create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult> {
    assertImplemented(CONTAINER_TYPE, name, inputs, containerSpec);
    const plan = planContainer(name, inputs);
    const fail = (detail: string): ExecutorError => new ExecutorError(CONTAINER_TYPE, name, detail);
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

      if (plan.start) {
        try {
          await runDocker(["start", id]);
        } catch (error) {
          throw fail(`Unable to start container: ${reason(error)}`);
        }
        if (plan.wait) {
          const started = Date.now();
          await waitHealthy(plan, id, fail);
          ctx.log(`container ${plan.containerName} healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        }
      }

      const info = await waitRunning(plan, id, fail);
      return {
        id: info.Id,
        outputs: {
          ...plan.defaults,
          ...inputs,
          name: info.Name.replace(/^\//, ""),
          hostname: info.Config.Hostname,
          ports: flattenPorts(info.NetworkSettings.Ports),
          networkDatas: flattenNetworks(info.NetworkSettings.Networks),
        },
      };
    } catch (error) {
      await forceRemove(id).catch(() => undefined);
      throw error;
    }
  },

  async destroy(record: ResourceRecord): Promise<void> {
    const grace = typeof record.inputs["destroyGraceSeconds"] === "number" ? record.inputs["destroyGraceSeconds"] : 0;
    try {
      await runDocker(["stop", "-t", String(grace), record.id], { timeoutMs: grace * 1000 + 60_000 });
    } catch (error) {
      if (error instanceof DockerError && isNotFound(error)) return;
      throw error;
    }
    await forceRemove(record.id);
  },
};
