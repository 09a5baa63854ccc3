/** The random provider stand-in (for @pulumi/random 4.21.2), served as a plugin. */
import { serve } from "../server";
import { randomPasswordType } from "./password";

void serve({ name: "random", version: "4.21.2", types: [randomPasswordType] });
