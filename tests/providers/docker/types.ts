/**
 * The docker stand-in's resource types: the executor's create/delete against
 * the local engine, with the diff tables of kreuzwerker/terraform-provider-docker
 * v4.5.0's schema and pulumi-docker's DeleteBeforeReplace.
 */
import { containerHandler } from "./container";
import { networkHandler } from "./network";
import { remoteImageHandler } from "./remote-image";
import { volumeHandler } from "./volume";
import { handlerType } from "../handler-type";
import type { ResourceType } from "../server";
import { CONTAINER_TABLE, NETWORK_TABLE, REMOTE_IMAGE_TABLE, VOLUME_TABLE } from "./tables";

export const DOCKER_TYPES: readonly ResourceType[] = [
  handlerType({ handler: containerHandler, table: CONTAINER_TABLE, deleteBeforeReplace: true }),
  handlerType({ handler: networkHandler, table: NETWORK_TABLE, deleteBeforeReplace: false }),
  handlerType({ handler: volumeHandler, table: VOLUME_TABLE, deleteBeforeReplace: false }),
  handlerType({ handler: remoteImageHandler, table: REMOTE_IMAGE_TABLE, deleteBeforeReplace: false }),
];
