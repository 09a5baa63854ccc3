/**
 * The engine's share of the bench's floor: a program in the same runtime as
 * the cluster program (Node.js, TypeScript through the language host) that
 * makes the engine start the same three provider plugins, on `up` and on
 * `destroy`, and creates nothing on the Docker engine: one resource per
 * plugin, each a no-op (an image that is already local and kept, a command
 * without scripts, a random password). `pulumi up` and `pulumi destroy` of this
 * program are what any deployment with these plugins pays around its real
 * work: the CLI, the engine, the language host, the program's start, the
 * plugins' start and the state writes.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

const image = new pulumi.Config().require("image");

new docker.RemoteImage("image", { name: image, keepLocally: true });
new command.local.Command("noop", {});
new random.RandomPassword("noop", { length: 8 });
