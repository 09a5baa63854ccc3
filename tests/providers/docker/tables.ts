/**
 * Which change of each input replaces the object and which updates it in
 * place, copied from kreuzwerker/terraform-provider-docker v4.5.0
 * (internal/provider/resource_docker_*.go: ForceNew in the schema, and what
 * the Update functions change), under their Pulumi names.
 */
import type { DiffTable } from "../diff";

const R = { effect: "replace" } as const;
const RS = { effect: "replace", unordered: true } as const;
const U = { effect: "update" } as const;
const I = { effect: "ignore" } as const;

export const CONTAINER_TABLE: DiffTable = {
  name: R, image: R, hostname: R, command: R, entrypoints: R, envs: RS, user: R, labels: RS,
  stopSignal: R, stopTimeout: R, ports: R, volumes: RS, networksAdvanced: RS, uploads: RS,
  shmSize: R, start: R,
  restart: U, destroyGraceSeconds: U, wait: U, waitTimeout: U, memory: U, mustRun: U,
  // Not ForceNew, and the provider's Update does not apply it.
  healthcheck: U,
};

export const NETWORK_TABLE: DiffTable = {
  name: R, driver: R, labels: RS, internal: R, attachable: R, ipamConfigs: RS, options: R,
};

export const VOLUME_TABLE: DiffTable = { name: R, driver: R, labels: RS, driverOpts: R };

export const REMOTE_IMAGE_TABLE: DiffTable = { name: R, keepLocally: U, forceRemove: U, triggers: R, pullTriggers: R };

export const RANDOM_IGNORE = I;
