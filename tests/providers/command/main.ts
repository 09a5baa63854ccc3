/** The command provider stand-in (for @pulumi/command 1.2.1), served as a plugin. */
import { serve } from "../server";
import { commandType } from "./command";

void serve({ name: "command", version: "1.2.1", types: [commandType] });
