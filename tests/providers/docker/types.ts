/**
 * The docker stand-in's resource types (kreuzwerker/terraform-provider-docker
 * v4.5.0 as bridged by @pulumi/docker 5.2.0), against the local Docker engine.
 */
import type { ResourceType } from "../server";
import { containerType } from "./container";
import { networkType } from "./network";
import { remoteImageType } from "./remote-image";
import { volumeType } from "./volume";

export const DOCKER_TYPES: readonly ResourceType[] = [containerType, networkType, volumeType, remoteImageType];
