/**
 * Removes what a stack left behind without a record (a crashed or killed
 * `up`), found by the label the program puts on every container, volume and
 * network: `pg-replication.stack=<stack>`. Containers first (they hold the
 * volumes and network endpoints), then volumes, then networks.
 */
import { DockerError, isNotFound, listByLabel, runDocker, sleep } from "./docker-cli";

export const STACK_LABEL = "pg-replication.stack";
const IN_USE_RETRY_MS = 30_000;

export interface LeftoverCount {
  readonly containers: number;
  readonly volumes: number;
  readonly networks: number;
}

async function removeRetrying(args: string[], busy: RegExp): Promise<void> {
  const deadline = Date.now() + IN_USE_RETRY_MS;
  for (;;) {
    try {
      await runDocker(args);
      return;
    } catch (error) {
      if (!(error instanceof DockerError)) throw error;
      if (isNotFound(error)) return;
      if (!busy.test(error.stderr) || Date.now() > deadline) throw error;
    }
    await sleep(1000);
  }
}

export async function removeLeftovers(stack: string, log: (line: string) => void = () => undefined): Promise<LeftoverCount> {
  const label = `${STACK_LABEL}=${stack}`;
  const containers = await listByLabel("container", label);
  for (const name of containers) {
    await removeRetrying(["rm", "-f", "-v", name], /already in progress/);
    log(`removed leftover container ${name}`);
  }
  const volumes = await listByLabel("volume", label);
  for (const name of volumes) {
    await removeRetrying(["volume", "rm", "-f", name], /in use/i);
    log(`removed leftover volume ${name}`);
  }
  const networks = await listByLabel("network", label);
  for (const name of networks) {
    await removeRetrying(["network", "rm", name], /active endpoints/i);
    log(`removed leftover network ${name}`);
  }
  return { containers: containers.length, volumes: volumes.length, networks: networks.length };
}

/**
 * Containers of the stack that the state file does not know: made by an `up`
 * killed between `docker create` and its record. They must go before the
 * recorded teardown, or a standby still streaming keeps its slot from being
 * dropped and holds the volume and network the teardown removes.
 */
export async function removeUnrecordedContainers(stack: string, recorded: ReadonlySet<string>, log: (line: string) => void = () => undefined): Promise<number> {
  const containers = (await listByLabel("container", `${STACK_LABEL}=${stack}`)).filter((name) => !recorded.has(name));
  for (const name of containers) {
    await removeRetrying(["rm", "-f", "-v", name], /already in progress/);
    log(`removed unrecorded container ${name}`);
  }
  return containers.length;
}
