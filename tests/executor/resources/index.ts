/** The resource types the executor implements; any other type is an error. */
import { commandHandler } from "./command";
import { containerHandler } from "./container";
import { networkHandler } from "./network";
import { randomPasswordHandler } from "./random-password";
import { remoteImageHandler } from "./remote-image";
import type { ResourceHandler } from "./types";
import { volumeHandler } from "./volume";

export const HANDLERS: ReadonlyMap<string, ResourceHandler> = new Map(
  [remoteImageHandler, networkHandler, volumeHandler, containerHandler, commandHandler, randomPasswordHandler]
    .map((handler) => [handler.type, handler]),
);
