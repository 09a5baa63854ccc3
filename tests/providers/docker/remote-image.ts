/**
 * docker.RemoteImage (kreuzwerker v4.5.0 `docker_image`, resource_docker_image.go
 * and resource_docker_image_funcs.go):
 * - Create: findImage (look locally, pull only when absent), id =
 *   `<imageId><name>`, then Read (imageId, repoDigest).
 * - Read: ImageInspect(name); NotFound drops it from the state; never pulls.
 * - Update (keepLocally, forceRemove): findImage again (re-pulls a missing
 *   image), then Read.
 * - Delete: nothing when keepLocally; otherwise remove the image by name
 *   (force when forceRemove) if it is still there.
 * `name` is ForceNew and replaced create-before-delete (pulumi-docker sets no
 * DeleteBeforeReplace for it).
 */
import { checkInputs, type InputSchema } from "../check";
import { diffState } from "../diff";
import { InputReader, plainObject } from "../inputs";
import type { ResourceType } from "../server";
import { keepSecrecy, type PropertyMap } from "../values";
import { DockerError, inspect, isNotFound, runDocker } from "./cli";
import { REMOTE_IMAGE_TABLE } from "./tables";

const TYPE = "docker:index/remoteImage:RemoteImage";
const PULL_TIMEOUT_MS = 300_000;

export interface ImageInspect {
  readonly Id: string;
  readonly RepoDigests?: readonly string[] | null;
}

// `platform` has the schema default "" (the daemon's own platform).
const SCHEMA: InputSchema = {
  type: TYPE, spec: { name: "any", keepLocally: "any", forceRemove: "any", platform: "any" }, defaults: { platform: "" }, fixed: { platform: "" },
};

/**
 * Finds `image` locally or pulls it. This machine reaches no registry, so the
 * pull error tells the user how to get a PostgreSQL image without one.
 */
export async function findImage(image: string): Promise<ImageInspect> {
  if (image === "") throw new Error("empty image name is not allowed");
  const local = await inspect<ImageInspect>("image", image);
  if (local !== undefined) return local;
  try {
    await runDocker(["pull", image], { timeoutMs: PULL_TIMEOUT_MS });
  } catch (error) {
    const reason = error instanceof DockerError ? error.reason.split("\n").pop() ?? error.message : String(error);
    throw new Error(
      `image "${image}" is not present locally and pulling it failed (no registry reachable?): ${reason}. ` +
      "Build a local PostgreSQL 17 image with `npm run build:offline-image` (it creates pg-replication/postgres:17) " +
      "and use it (`pulumi config set image pg-replication/postgres:17`).");
  }
  const pulled = await inspect<ImageInspect>("image", image);
  if (pulled === undefined) throw new Error(`unable to find or pull image ${image}`);
  return pulled;
}

/**
 * determineRepoDigest: the only RepoDigest; else the one of the name's
 * repository (the name without its tag); else the first; "" when none. Pure.
 */
export function repoDigest(name: string, digests: readonly string[]): string {
  if (digests.length === 1) return digests[0] as string;
  const lastColon = name.lastIndexOf(":");
  const repository = lastColon > name.lastIndexOf("/") ? name.slice(0, lastColon) : name;
  return digests.find((d) => d.startsWith(`${repository}@`)) ?? digests[0] ?? "";
}

function imageReadBack(state: PropertyMap, name: string, image: ImageInspect): { id: string; outputs: PropertyMap } {
  return { id: `${image.Id}${name}`, outputs: { ...state, imageId: image.Id, repoDigest: repoDigest(name, image.RepoDigests ?? []) } };
}

function imageName(typeName: string, state: PropertyMap): string {
  return new InputReader(TYPE, typeName).requiredString(plainObject(state)["name"], "name");
}

async function find(name: string, image: string): Promise<ImageInspect> {
  try {
    return await findImage(image);
  } catch (error) {
    throw new InputReader(TYPE, name).fail(`Unable to read Docker image into resource: ${(error as Error).message}`);
  }
}

export const remoteImageType: ResourceType = {
  token: TYPE,
  check: (name, _olds, news) => checkInputs(SCHEMA, name, news),
  diff: (_oldInputs, oldOutputs, news) => diffState(REMOTE_IMAGE_TABLE, oldOutputs, news, false),

  async create(name, inputs) {
    const image = imageName(name, inputs);
    const found = await find(name, image);
    const { id, outputs } = imageReadBack(inputs, image, found);
    return { id, outputs: keepSecrecy(inputs, outputs) };
  },

  async read(_id, outputs, inputs) {
    const image = imageName("", outputs);
    const found = await inspect<ImageInspect>("image", image);
    if (found === undefined) return undefined;
    const { id, outputs: read } = imageReadBack(outputs, image, found);
    return { id, outputs: keepSecrecy(inputs, read), inputs };
  },

  async update(_id, name, olds, news) {
    const image = imageName(name, news);
    const found = await find(name, image);
    return keepSecrecy(news, imageReadBack({ ...olds, ...news }, image, found).outputs);
  },

  async delete(_id, outputs) {
    const state = plainObject(outputs);
    if (state["keepLocally"] === true) return;
    const image = imageName("", outputs);
    if (await inspect<ImageInspect>("image", image) === undefined) return;
    try {
      await runDocker(["image", "rm", ...(state["forceRemove"] === true ? ["--force"] : []), image]);
    } catch (error) {
      if (error instanceof DockerError && isNotFound(error)) return;
      throw new Error(`Unable to remove Docker image: ${error instanceof DockerError ? error.reason : String(error)}`);
    }
  },
};
