/** The docker provider stand-in (for @pulumi/docker 5.2.0), served as a plugin. */
import { serve } from "../server";
import { DOCKER_TYPES } from "./types";

void serve({ name: "docker", version: "5.2.0", types: DOCKER_TYPES });
