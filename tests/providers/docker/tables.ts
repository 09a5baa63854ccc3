/**
 * Which change of each property replaces the object and which updates it in
 * place, copied from kreuzwerker/terraform-provider-docker v4.5.0's schemas
 * (internal/provider/resource_docker_{container,network,volume,image}.go:
 * ForceNew, Optional+Computed, TypeSet, DiffSuppressFunc) under their Pulumi
 * names. Every property a stand-in accepts or writes to the state is listed:
 * diffState refuses to guess about one that is not.
 */
import type { DiffTable, PropertyRule } from "../diff";
import type { Plain } from "../inputs";

const R: PropertyRule = { effect: "replace" };
/** ForceNew, Optional+Computed. */
const RC: PropertyRule = { effect: "replace", computed: true };
/** ForceNew TypeSet. */
const RS: PropertyRule = { effect: "replace", set: true };
const U: PropertyRule = { effect: "update" };
const UC: PropertyRule = { effect: "update", computed: true };
const OUT: PropertyRule = { effect: "output" };

/** `user`, `working_dir`: "DiffSuppressFunc: a new value of "" counts as no change". */
const R_EMPTY_SUPPRESSED: PropertyRule = { effect: "replace", suppress: (_old, news) => news === undefined || news === "" };

type Port = { readonly internal?: Plain; readonly external?: Plain; readonly ip?: Plain; readonly protocol?: Plain };

/**
 * suppressIfPortsDidNotChangeForMigrationV0ToV1 (resource_docker_container.go):
 * no change when both lists have the same length and every old port is still
 * there (by internal port) with the same protocol, external port and ip; so a
 * reordering alone does not diff.
 */
export function portsUnchanged(old: Plain | undefined, news: Plain | undefined): boolean {
  const before = (Array.isArray(old) ? old : []) as Port[];
  const after = (Array.isArray(news) ? news : []) as Port[];
  if (before.length !== after.length) return false;
  return before.every((o) => {
    for (const n of after) {
      if (n.internal !== o.internal) continue;
      if (n.protocol !== o.protocol) {
        if (after.some((p) => p.internal === o.internal && p.protocol === o.protocol)) continue;
        return false;
      }
      return n.external === o.external && n.ip === o.ip;
    }
    return false;
  });
}

export const CONTAINER_TABLE: DiffTable = {
  name: R, image: R, hostname: RC, command: RC, entrypoints: RC, envs: { effect: "replace", set: true, computed: true },
  labels: { effect: "replace", set: true, computed: true }, stopSignal: RC, stopTimeout: RC, shmSize: RC, logDriver: RC,
  user: R_EMPTY_SUPPRESSED, workingDir: R_EMPTY_SUPPRESSED,
  ports: { effect: "replace", suppress: portsUnchanged },
  volumes: RS, networksAdvanced: RS, uploads: RS,
  readOnly: R, tty: R, stdinOpen: R, networkMode: R,
  // The schema's non-ForceNew properties: resourceDockerContainerUpdate applies restart and memory, the rest live in the state only.
  restart: U, maxRetryCount: U, memory: U, memoryReservation: U, destroyGraceSeconds: U, wait: U, waitTimeout: U,
  mustRun: U, start: U, rm: U, removeVolumes: U, attach: U, logs: U, containerReadRefreshTimeoutMilliseconds: U,
  // Optional+Computed and not ForceNew; Update ignores a healthcheck change.
  healthcheck: UC, init: UC,
  bridge: OUT, networkDatas: OUT, exitCode: OUT, containerLogs: OUT,
};

/** resource_docker_network.go: no Update function, every input ForceNew. */
export const NETWORK_TABLE: DiffTable = {
  name: R, driver: RC, labels: RS, internal: RC, attachable: R, ingress: R, ipv6: R, options: RC,
  ipamDriver: R, ipamOptions: R, ipamConfigs: { effect: "replace", set: true, computed: true },
  scope: OUT,
};

/** resource_docker_volume.go: every input ForceNew (only a swarm cluster volume's availability updates). */
export const VOLUME_TABLE: DiffTable = { name: RC, driver: RC, labels: RS, driverOpts: R, mountpoint: OUT };

/** resource_docker_image.go: keep_locally and force_remove update in place (Update runs findImage and Read again). */
export const REMOTE_IMAGE_TABLE: DiffTable = {
  name: R, keepLocally: U, forceRemove: U, platform: R, triggers: R, pullTriggers: RS,
  imageId: OUT, repoDigest: OUT,
};
