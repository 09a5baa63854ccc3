/**
 * Docker operations the fault tests perform on a deployed cluster: stop,
 * kill, start, disconnect, inspect, exec, logs, and the removal of a stack's
 * leftovers by label. Built on the docker stand-in's runner (argument arrays,
 * a timeout on every call).
 */
import { inspect, listByLabel, runDocker } from "../providers/docker/cli";

export { inspect, runDocker };

/** The label every container, volume and network of a stack carries (components/naming.ts). */
export const STACK_LABEL = "pg-replication.stack";

export async function docker(args: readonly string[], timeoutMs = 90_000, input?: string): Promise<string> {
  const { stdout } = await runDocker(args, { timeoutMs, ...(input !== undefined ? { input } : {}) });
  return stdout;
}

export interface Leftovers {
  readonly containers: readonly string[];
  readonly volumes: readonly string[];
  readonly networks: readonly string[];
}

export function leftoversOf(stack: string): Promise<Leftovers> {
  return labelled(`${STACK_LABEL}=${stack}`);
}

/** The containers, volumes and networks carrying `label` (`key=value`). */
export async function labelled(label: string): Promise<Leftovers> {
  const [containers, volumes, networks] = await Promise.all([
    listByLabel("container", label), listByLabel("volume", label), listByLabel("network", label),
  ]);
  return { containers, volumes, networks };
}

export function isEmpty(l: Leftovers): boolean {
  return l.containers.length + l.volumes.length + l.networks.length === 0;
}

export function describeLeftovers(l: Leftovers): string {
  return `containers [${l.containers.join(", ")}], volumes [${l.volumes.join(", ")}], networks [${l.networks.join(", ")}]`;
}

/** Removes everything labelled with the stack: containers first, then what they used. */
export function removeStackLeftovers(stack: string): Promise<void> {
  return removeLabelled(`${STACK_LABEL}=${stack}`);
}

/** Removes every container, volume and network carrying `label`; throws if any is left. */
export async function removeLabelled(label: string): Promise<void> {
  const found = await labelled(label);
  if (found.containers.length > 0) await docker(["rm", "-f", "-v", ...found.containers]);
  if (found.volumes.length > 0) await docker(["volume", "rm", "-f", ...found.volumes]);
  for (const network of found.networks) await docker(["network", "rm", network]);
  const after = await labelled(label);
  if (!isEmpty(after)) throw new Error(`could not remove what carries ${label}: ${describeLeftovers(after)}`);
}

export interface ContainerInfo {
  readonly Id: string;
  readonly Name: string;
  readonly Args: readonly string[] | null;
  readonly Path: string;
  readonly State: { readonly Status: string; readonly Running: boolean; readonly StartedAt: string };
  readonly Config: {
    readonly Env: readonly string[] | null;
    readonly Cmd: readonly string[] | null;
    readonly Entrypoint: readonly string[] | null;
    readonly Labels: Readonly<Record<string, string>> | null;
  };
  readonly HostConfig: {
    readonly PortBindings: Readonly<Record<string, readonly { HostIp: string; HostPort: string }[] | null>> | null;
  };
  readonly NetworkSettings: {
    readonly Ports: Readonly<Record<string, readonly { HostIp: string; HostPort: string }[] | null>> | null;
  };
}

export async function inspectContainer(name: string): Promise<ContainerInfo> {
  const info = await inspect<ContainerInfo>("container", name);
  if (info === undefined) throw new Error(`container ${name} does not exist`);
  return info;
}

export async function isRunning(name: string): Promise<boolean> {
  const info = await inspect<ContainerInfo>("container", name);
  return info?.State.Running === true;
}

/** Runs a command inside a running container; returns its stdout. */
export async function execIn(container: string, argv: readonly string[], options: { user?: string; input?: string; timeoutMs?: number } = {}): Promise<string> {
  const args = ["exec", ...(options.input !== undefined ? ["-i"] : []), ...(options.user !== undefined ? ["-u", options.user] : []), container, ...argv];
  return docker(args, options.timeoutMs ?? 30_000, options.input);
}

/** Container log lines since an RFC 3339 time (or all); PostgreSQL logs to stderr, so both streams. */
export async function logsOf(container: string, since?: string): Promise<string> {
  const { stdout, stderr } = await runDocker(["logs", ...(since !== undefined ? ["--since", since] : []), container], { timeoutMs: 30_000 });
  return `${stdout}${stderr}`;
}

/** The Docker daemon's clock as RFC 3339, for `docker logs --since`. */
export function nowForLogs(): string {
  return new Date().toISOString();
}

/** Stack names, starting with `prefix`, that still label a container, volume or network. */
export async function stacksWithPrefix(prefix: string): Promise<string[]> {
  const format = `{{.Label "${STACK_LABEL}"}}`;
  const lists = await Promise.all([
    docker(["ps", "-a", "--filter", `label=${STACK_LABEL}`, "--format", format]),
    docker(["volume", "ls", "--filter", `label=${STACK_LABEL}`, "--format", format]),
    docker(["network", "ls", "--filter", `label=${STACK_LABEL}`, "--format", format]),
  ]);
  const names = lists.flatMap((l) => l.split("\n")).map((l) => l.trim()).filter((l) => l.startsWith(prefix));
  return [...new Set(names)].sort();
}
