/**
 * docker.Network (kreuzwerker resource_docker_network_funcs.go): created with
 * name, driver, labels and IPAM config; everything is then READ BACK from
 * `network inspect`, including `ipamConfigs` when the program set none (the
 * daemon's chosen subnet and gateway: the program writes pg_hba from them).
 * Delete retries while endpoints remain, up to 30 s.
 */
import { DockerError, inspect, isNotFound, runDocker, sleep } from "./cli";
import { InputReader, assertImplemented, labelList, type PlainObject } from "../inputs";
import type { CreateResult, HandlerContext, ResourceHandler, ResourceRecord } from "../handler";

const TYPE = "docker:index/network:Network";
const REMOVE_TIMEOUT_MS = 30_000;

interface NetworkInspect {
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
    readonly Config: readonly { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[] | null;
  };
}

/** `docker network create` arguments for the implemented inputs. Pure. */
export function networkCreateArgs(name: string, inputs: PlainObject): string[] {
  const read = new InputReader(TYPE, name);
  const networkName = read.requiredString(inputs["name"], "name");
  const args = ["network", "create"];
  const driver = read.string(inputs["driver"], "driver");
  if (driver !== undefined && driver !== "") args.push("--driver", driver);
  for (const [key, value] of Object.entries(read.labels(inputs["labels"], "labels"))) args.push("--label", `${key}=${value}`);
  read.objects(inputs["ipamConfigs"], "ipamConfigs").forEach((ipam, i) => {
    const subnet = read.string(ipam["subnet"], `ipamConfigs[${i}].subnet`);
    const gateway = read.string(ipam["gateway"], `ipamConfigs[${i}].gateway`);
    if (subnet === undefined || subnet === "") throw read.fail(`input 'ipamConfigs[${i}].subnet' is required by the executor`);
    args.push("--subnet", subnet);
    if (gateway !== undefined && gateway !== "") args.push("--gateway", gateway);
  });
  args.push(networkName);
  return args;
}

/** The provider's read-back of a network, merged over the inputs. */
export function networkOutputs(inputs: PlainObject, net: NetworkInspect): PlainObject {
  return {
    ...inputs,
    name: net.Name,
    driver: net.Driver,
    labels: labelList(net.Labels),
    internal: net.Internal,
    attachable: net.Attachable,
    ingress: net.Ingress,
    ipv6: net.EnableIPv6,
    ipamDriver: net.IPAM.Driver,
    scope: net.Scope,
    options: { ...(net.Options ?? {}) },
    ipamConfigs: (net.IPAM.Config ?? []).map((c) => ({
      subnet: c.Subnet ?? "",
      gateway: c.Gateway ?? "",
      ipRange: c.IPRange ?? "",
      auxAddress: { ...(c.AuxiliaryAddresses ?? {}) },
    })),
  };
}

export const networkHandler: ResourceHandler = {
  type: TYPE,
  spec: { name: "any", driver: "any", labels: { label: "any", value: "any" }, ipamConfigs: { subnet: "any", gateway: "any" } },

  async create(name: string, inputs: PlainObject, ctx: HandlerContext): Promise<CreateResult> {
    assertImplemented(TYPE, name, inputs, this.spec);
    const read = new InputReader(TYPE, name);
    const args = networkCreateArgs(name, inputs);
    let id: string;
    try {
      id = (await runDocker(args)).stdout.trim();
    } catch (error) {
      throw read.fail(`Unable to create network: ${error instanceof DockerError ? error.reason : String(error)}`);
    }
    const net = await inspect<NetworkInspect>("network", id);
    if (net === undefined) throw read.fail(`network ${id} vanished right after creation`);
    const outputs = networkOutputs(inputs, net);
    const subnets = (net.IPAM.Config ?? []).map((c) => c.Subnet).filter((s) => s !== undefined).join(", ");
    ctx.log(`network ${net.Name} (${subnets || "no subnet"})`);
    return { id: net.Id, outputs };
  },

  async destroy(record: ResourceRecord): Promise<void> {
    const deadline = Date.now() + REMOVE_TIMEOUT_MS;
    for (;;) {
      try {
        await runDocker(["network", "rm", record.id]);
        return;
      } catch (error) {
        if (!(error instanceof DockerError)) throw error;
        if (isNotFound(error)) return;
        if (!/active endpoints/i.test(error.stderr) || Date.now() > deadline) throw error;
      }
      await sleep(1000);
    }
  },
};
