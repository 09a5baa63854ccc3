/**
 * docker.Volume (kreuzwerker resource_docker_volume.go): created with name,
 * driver and labels; `id` is the name; read back name, labels, driver,
 * driverOpts, mountpoint. Delete is forced and retried while the volume is in
 * use, up to 30 s.
 */
import { DockerError, inspect, runDocker, sleep } from "./cli";
import { InputReader, assertImplemented, labelList, type PlainObject } from "../inputs";
import type { CreateResult, HandlerContext, ResourceHandler, ResourceRecord } from "../handler";

const TYPE = "docker:index/volume:Volume";
const REMOVE_TIMEOUT_MS = 30_000;

interface VolumeInspect {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly Labels: Record<string, string> | null;
  readonly Options: Record<string, string> | null;
}

/** `docker volume create` arguments for the implemented inputs. Pure. */
export function volumeCreateArgs(name: string, inputs: PlainObject): string[] {
  const read = new InputReader(TYPE, name);
  const args = ["volume", "create"];
  const driver = read.string(inputs["driver"], "driver");
  if (driver !== undefined && driver !== "") args.push("--driver", driver);
  for (const [key, value] of Object.entries(read.labels(inputs["labels"], "labels"))) args.push("--label", `${key}=${value}`);
  // Without a name the daemon would pick a random one; the provider passes the name it was given.
  const volumeName = read.string(inputs["name"], "name");
  if (volumeName !== undefined && volumeName !== "") args.push(volumeName);
  return args;
}

export const volumeHandler: ResourceHandler = {
  type: TYPE,
  spec: { name: "any", driver: "any", labels: { label: "any", value: "any" } },

  async create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult> {
    assertImplemented(TYPE, name, inputs, this.spec);
    const read = new InputReader(TYPE, name);
    let created: string;
    try {
      created = (await runDocker(volumeCreateArgs(name, inputs))).stdout.trim();
    } catch (error) {
      throw read.fail(`Unable to create volume: ${error instanceof DockerError ? error.reason : String(error)}`);
    }
    const volume = await inspect<VolumeInspect>("volume", created);
    if (volume === undefined) throw read.fail(`Unable to inspect volume: ${created} not found`);
    ctx.log(`volume ${volume.Name}`);
    return {
      id: volume.Name,
      outputs: {
        ...inputs,
        name: volume.Name,
        driver: volume.Driver,
        labels: labelList(volume.Labels),
        driverOpts: { ...(volume.Options ?? {}) },
        mountpoint: volume.Mountpoint,
      },
    };
  },

  async destroy(record: ResourceRecord): Promise<void> {
    const deadline = Date.now() + REMOVE_TIMEOUT_MS;
    for (;;) {
      try {
        // -f: the provider removes with force; a missing volume is then no error either.
        await runDocker(["volume", "rm", "-f", record.id]);
        return;
      } catch (error) {
        if (!(error instanceof DockerError)) throw error;
        if (!/in use/i.test(error.stderr) || Date.now() > deadline) throw error;
      }
      await sleep(1000);
    }
  },
};
