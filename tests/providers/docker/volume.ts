/**
 * docker.Volume (kreuzwerker v4.5.0 resource_docker_volume.go): every input
 * ForceNew. Create: `VolumeCreate`, id = the name, then Read. Read: NotFound
 * drops it from the state, another error fails; it sets name, labels, driver
 * ("local"), driverOpts and mountpoint. Delete: a StateChangeConf (Delay 2 s,
 * retried while the volume is in use, up to 30 s) around a forced remove, which
 * is no error for a volume that is already gone.
 */
import { checkInputs, type InputSchema } from "../check";
import { diffState } from "../diff";
import { InputReader, labelList, plainObject, type PlainObject } from "../inputs";
import type { ResourceType } from "../server";
import { keepSecrecy, type PropertyMap } from "../values";
import { DockerError, inspect, runDocker } from "./cli";
import { DOCKER_STATE_CHANGE, waitForState } from "./state-change";
import { VOLUME_TABLE } from "./tables";

const TYPE = "docker:index/volume:Volume";

interface VolumeInspect {
  readonly Name: string;
  readonly Driver: string;
  readonly Mountpoint: string;
  readonly Labels: Record<string, string> | null;
  readonly Options: Record<string, string> | null;
}

// No schema defaults at the top level (driver is Optional+Computed: the daemon says "local").
const SCHEMA: InputSchema = { type: TYPE, spec: { name: "any", driver: "any", labels: { label: "any", value: "any" } } };

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

function volumeReadBack(state: PropertyMap, volume: VolumeInspect): PropertyMap {
  return {
    ...state,
    name: volume.Name,
    labels: labelList(volume.Labels),
    driver: volume.Driver,
    driverOpts: { ...(volume.Options ?? {}) },
    mountpoint: volume.Mountpoint,
  };
}

async function readVolume(name: string, id: string): Promise<VolumeInspect | undefined> {
  try {
    return await inspect<VolumeInspect>("volume", id);
  } catch (error) {
    throw new InputReader(TYPE, name).fail(`Unable to inspect volume: ${error instanceof DockerError ? error.reason : String(error)}`);
  }
}

export const volumeType: ResourceType = {
  token: TYPE,
  check: (name, _olds, news) => checkInputs(SCHEMA, name, news),
  diff: (_oldInputs, oldOutputs, news) => diffState(VOLUME_TABLE, oldOutputs, news, false),

  async create(name, inputs) {
    const read = new InputReader(TYPE, name);
    let created: string;
    try {
      created = (await runDocker(volumeCreateArgs(name, plainObject(inputs)))).stdout.trim();
    } catch (error) {
      throw read.fail(`Unable to create volume: ${error instanceof DockerError ? error.reason : String(error)}`);
    }
    const volume = await readVolume(name, created);
    if (volume === undefined) throw read.fail(`Unable to inspect volume: ${created} not found`);
    return { id: volume.Name, outputs: keepSecrecy(inputs, volumeReadBack(inputs, volume)) };
  },

  async read(id, outputs, inputs) {
    const volume = await readVolume(id, id);
    if (volume === undefined) return undefined;
    return { id: volume.Name, outputs: keepSecrecy(inputs, volumeReadBack(outputs, volume)), inputs };
  },

  update() {
    // Only a swarm cluster volume's availability updates, which the stand-in does not implement.
    return Promise.reject(new Error(`${TYPE}: update is not implemented by the stand-in`));
  },

  async delete(id) {
    await waitForState({
      ...DOCKER_STATE_CHANGE,
      pending: ["in_use"],
      target: ["removed"],
      refresh: async () => {
        try {
          await runDocker(["volume", "rm", "-f", id]);
          return "removed";
        } catch (error) {
          if (error instanceof DockerError && /volume is in use/i.test(error.stderr)) return "in_use";
          throw error;
        }
      },
    });
  },
};
