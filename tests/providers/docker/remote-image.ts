/**
 * docker.RemoteImage: the image is looked up locally and pulled only when
 * absent (kreuzwerker provider, findImage in resource_docker_image_funcs.go);
 * its id is `<imageId><name>`; destroy removes the image unless keepLocally.
 */
import { DockerError, inspect, isNotFound, runDocker } from "./cli";
import { InputReader, assertImplemented, type PlainObject } from "../inputs";
import type { CreateResult, HandlerContext, ResourceHandler, ResourceRecord } from "../handler";

const TYPE = "docker:index/remoteImage:RemoteImage";
const PULL_TIMEOUT_MS = 300_000;

interface ImageInspect {
  readonly Id: string;
  readonly RepoDigests?: readonly string[] | null;
}

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
      "and use it (`--set image=pg-replication/postgres:17`).");
  }
  const pulled = await inspect<ImageInspect>("image", image);
  if (pulled === undefined) throw new Error(`unable to find or pull image ${image}`);
  return pulled;
}

export const remoteImageHandler: ResourceHandler = {
  type: TYPE,
  spec: { name: "any", keepLocally: "any" },

  async create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult> {
    assertImplemented(TYPE, name, inputs, this.spec);
    const read = new InputReader(TYPE, name);
    const image = read.requiredString(inputs["name"], "name");
    const keepLocally = read.boolean(inputs["keepLocally"], "keepLocally") ?? false;
    let found: ImageInspect;
    try {
      found = await findImage(image);
    } catch (error) {
      throw read.fail(`Unable to read Docker image into resource: ${(error as Error).message}`);
    }
    ctx.log(`image ${image} is ${found.Id.slice(0, 19)}`);
    return {
      id: `${found.Id}${image}`,
      outputs: { ...inputs, keepLocally, imageId: found.Id, repoDigest: found.RepoDigests?.[0] ?? "" },
    };
  },

  async destroy(record: ResourceRecord): Promise<void> {
    if (record.outputs["keepLocally"] === true) return;
    const image = String(record.inputs["name"]);
    try {
      await runDocker(["image", "rm", image]);
    } catch (error) {
      if (error instanceof DockerError && isNotFound(error)) return;
      throw error;
    }
  },
};
