/**
 * Rebuilding a standby from scratch by hand, as the failure-modes guide
 * describes it: empty its volume with a one-off container of the cluster's
 * image, then run its base-backup Command's `create` again exactly as the
 * command provider runs it (`/bin/sh -c CREATE`, the recorded environment,
 * the recorded stdin), using the record in the sandbox's state.json.
 */
import { commandHandler, runShell } from "../executor/resources/command";
import type { StateFile } from "../executor/state-file";
import { DATA_DIR, LABEL_STACK } from "../../components/naming";
import { docker } from "./docker";
import { findResource } from "./sandbox";

const CONTAINER_TYPE = "docker:index/container:Container";

/** The data volume of a container, as recorded in state. */
export function volumeOf(state: StateFile, container: string): string {
  const record = findResource(state, CONTAINER_TYPE, container);
  const volumes = record.inputs["volumes"];
  const mount = Array.isArray(volumes) ? volumes.find((v) => (v as Record<string, unknown>)["containerPath"] === DATA_DIR) : undefined;
  const name = (mount as Record<string, unknown> | undefined)?.["volumeName"];
  if (typeof name !== "string") throw new Error(`state.json records no data volume for ${container}`);
  return name;
}

/** Deletes everything in a volume's data directory (the directory itself stays). */
export async function emptyVolume(stack: string, image: string, volume: string): Promise<void> {
  await docker([
    "run", "--rm", "--label", `${LABEL_STACK}=${stack}`, "-v", `${volume}:${DATA_DIR}`, "--entrypoint", "/bin/sh", image,
    "-c", `find ${DATA_DIR} -mindepth 1 -delete && test -z "$(ls -A ${DATA_DIR})"`,
  ], 60_000);
}

export interface CommandRun {
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a recorded Command's `create` again, as the provider does. */
export async function rerunCreate(state: StateFile, name: string): Promise<CommandRun> {
  const record = findResource(state, commandHandler.type, name);
  const create = record.inputs["create"];
  const stdin = record.inputs["stdin"];
  const environment = record.inputs["environment"];
  if (typeof create !== "string") throw new Error(`${name} has no create command in state.json`);
  const env: Record<string, string> = {};
  if (environment !== undefined && environment !== null && typeof environment === "object" && !Array.isArray(environment)) {
    for (const [k, v] of Object.entries(environment)) if (typeof v === "string") env[k] = v;
  }
  const started = Date.now();
  const result = await runShell({ command: create, environment: env, ...(typeof stdin === "string" ? { stdin } : {}), timeoutMs: 180_000 });
  return { ...result, ms: Date.now() - started };
}
