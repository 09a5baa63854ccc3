/** The random provider stand-in (for @pulumi/random 4.21.2), served as a plugin. */
import { randomPasswordHandler } from "./password";
import type { DiffTable } from "../diff";
import { handlerType } from "../handler-type";
import { serve } from "../server";

const R = { effect: "replace" } as const;
// terraform-provider-random resource_password.go: every argument RequiresReplace.
const PASSWORD_TABLE: DiffTable = {
  length: R, special: R, upper: R, lower: R, numeric: R, number: R, minLower: R, minUpper: R,
  minNumeric: R, minSpecial: R, overrideSpecial: R, keepers: R,
};

void serve({
  name: "random",
  version: "4.21.2",
  types: [handlerType({ handler: randomPasswordHandler, table: PASSWORD_TABLE, deleteBeforeReplace: false })],
});
