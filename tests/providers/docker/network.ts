/**
 * docker.Network (kreuzwerker v4.5.0 resource_docker_network.go and
 * resource_docker_network_funcs.go): every input ForceNew, no Update.
 * - Create: `NetworkCreate` with name, driver, labels and IPAM (the driver
 *   `default` always goes with it, from the schema default), then Read.
 * - Read: inside a StateChangeConf with Delay 2 s, so Create and every
 *   refresh take at least 2 s, as the real provider does; ANY inspect error
 *   counts as "removed" (the engine drops the network from the state).
 *   `ipamConfigs` is read back, so the daemon's subnet and gateway appear (the
 *   program writes pg_hba from them).
 * - Delete: a StateChangeConf (Delay 2 s, retried while the network "has
 *   active endpoints", up to 30 s); a network that cannot be inspected counts
 *   as removed.
 */
import { checkInputs, type InputSchema } from "../check";
import { diffState } from "../diff";
import { InputReader, labelList, plainObject, type PlainObject } from "../inputs";
import type { ResourceType } from "../server";
import { keepSecrecy, type PropertyMap } from "../values";
import { DockerError, inspect, runDocker } from "./cli";
import { DOCKER_STATE_CHANGE, waitForState } from "./state-change";
import { NETWORK_TABLE } from "./tables";

const TYPE = "docker:index/network:Network";

export interface NetworkInspect {
  readonly Id: string;
  readonly Name: string;
  readonly Driver: string;
  readonly Scope: string;
  readonly Internal: boolean;
  readonly Attachable: boolean;
  readonly Ingress: boolean;
  readonly EnableIPv6: boolean;
  readonly Labels: Record<string, string> | null;
  readonly Options: Record<string, string> | null;
  readonly IPAM: {
    readonly Driver: string;
    readonly Options?: Record<string, string> | null;
    readonly Config: readonly { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] | null;
  };
}

const SCHEMA: InputSchema = {
  type: TYPE,
  spec: { name: "any", driver: "any", labels: { label: "any", value: "any" }, ipamDriver: "any", ipamConfigs: { subnet: "any", gateway: "any" } },
  defaults: { ipamDriver: "default" },
};

/** `docker network create` arguments for the implemented inputs. Pure. */
export function networkCreateArgs(name: string, inputs: PlainObject): string[] {
  const read = new InputReader(TYPE, name);
  const networkName = read.requiredString(inputs["name"], "name");
  const args = ["network", "create"];
  const driver = read.string(inputs["driver"], "driver");
  if (driver !== undefined && driver !== "") args.push("--driver", driver);
  for (const [key, value] of Object.entries(read.labels(inputs["labels"], "labels"))) args.push("--label", `${key}=${value}`);
  const ipamDriver = read.string(inputs["ipamDriver"], "ipamDriver");
  if (ipamDriver !== undefined && ipamDriver !== "") args.push("--ipam-driver", ipamDriver);
  read.objects(inputs["ipamConfigs"], "ipamConfigs").forEach((ipam, i) => {
    const subnet = read.string(ipam["subnet"], `ipamConfigs[${i}].subnet`);
    const gateway = read.string(ipam["gateway"], `ipamConfigs[${i}].gateway`);
    if (subnet === undefined || subnet === "") throw read.fail(`input 'ipamConfigs[${i}].subnet' is required by the stand-in`);
    args.push("--subnet", subnet);
    if (gateway !== undefined && gateway !== "") args.push("--gateway", gateway);
  });
  args.push(networkName);
  return args;
}

/** resourceDockerNetworkReadRefreshFunc's `d.Set` calls over `state`. Pure. */
export function networkReadBack(state: PropertyMap, net: NetworkInspect): PropertyMap {
  return {
    ...state,
    name: net.Name,
    labels: labelList(net.Labels),
    driver: net.Driver,
    internal: net.Internal,
    attachable: net.Attachable,
    ingress: net.Ingress,
    ipv6: net.EnableIPv6,
    ipamDriver: net.IPAM.Driver,
    ipamOptions: { ...(net.IPAM.Options ?? {}) },
    scope: net.Scope,
    options: { ...(net.Options ?? {}) },
    // flattenIpamConfigSpec: only the non-empty members.
    ipamConfigs: (net.IPAM.Config ?? []).map((c) => {
      const out: PlainObject = {};
      if (c.Subnet) out["subnet"] = c.Subnet;
      if (c.IPRange) out["ipRange"] = c.IPRange;
      if (c.Gateway) out["gateway"] = c.Gateway;
      if (c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length > 0) out["auxAddress"] = { ...c.AuxiliaryAddresses };
      return out;
    }),
  };
}

/** The provider's Read: at least 2 s; any inspect error means "removed". */
async function readNetwork(id: string): Promise<NetworkInspect | undefined> {
  let found: NetworkInspect | undefined;
  await waitForState({
    ...DOCKER_STATE_CHANGE,
    pending: ["pending"],
    target: ["all_fields", "removed"],
    refresh: async () => {
      found = await inspect<NetworkInspect>("network", id).catch(() => undefined);
      return found === undefined ? "removed" : "all_fields";
    },
  });
  return found;
}

export const networkType: ResourceType = {
  token: TYPE,
  check: (name, _olds, news) => checkInputs(SCHEMA, name, news),
  diff: (_oldInputs, oldOutputs, news) => diffState(NETWORK_TABLE, oldOutputs, news, false),

  async create(name, inputs) {
    const read = new InputReader(TYPE, name);
    let id: string;
    try {
      id = (await runDocker(networkCreateArgs(name, plainObject(inputs)))).stdout.trim();
    } catch (error) {
      throw read.fail(`Unable to create network: ${error instanceof DockerError ? error.reason : String(error)}`);
    }
    const net = await readNetwork(id);
    if (net === undefined) throw read.fail(`network ${id} vanished right after creation`);
    return { id: net.Id, outputs: keepSecrecy(inputs, networkReadBack(inputs, net)) };
  },

  async read(id, outputs, inputs) {
    const net = await readNetwork(id);
    if (net === undefined) return undefined;
    return { id: net.Id, outputs: keepSecrecy(inputs, networkReadBack(outputs, net)), inputs };
  },

  update() {
    // Every input is ForceNew: the engine never asks for an update.
    return Promise.reject(new Error(`${TYPE} has no Update in the real provider`));
  },

  async delete(id) {
    await waitForState({
      ...DOCKER_STATE_CHANGE,
      pending: ["pending"],
      target: ["removed"],
      refresh: async () => {
        if (await inspect<NetworkInspect>("network", id).catch(() => undefined) === undefined) return "removed";
        try {
          await runDocker(["network", "rm", id]);
        } catch (error) {
          if (error instanceof DockerError && /has active endpoints/i.test(error.stderr)) return "pending";
          throw error;
        }
        return "removed";
      },
    });
  },
};
