/** The command provider stand-in (for @pulumi/command 1.2.1), served as a plugin. */
import { commandHandler } from "./command";
import type { DiffTable } from "../diff";
import { handlerType } from "../handler-type";
import { serve } from "../server";

const R = { effect: "replace" } as const;
const U = { effect: "update" } as const;
const TABLE: DiffTable = { create: U, update: U, delete: U, stdin: U, environment: U, dir: U, interpreter: U, triggers: R };

void serve({
  name: "command",
  version: "1.2.1",
  types: [handlerType({ handler: commandHandler, table: TABLE, deleteBeforeReplace: false })],
});
