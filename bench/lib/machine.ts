/** What the figures were measured on: they mean little without it. */
import { open, readFile } from "node:fs/promises";
import { cpus, homedir, loadavg, release, totalmem, version } from "node:os";
import { join } from "node:path";

import { REPO_ROOT } from "./deploy";
import { run } from "./proc";

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly kernel: string;
  readonly os: string;
  readonly node: string;
  readonly docker: string;
  readonly dockerStorageDriver: string;
  readonly image: string;
  readonly imageId: string;
  readonly postgres: string;
  /** `pulumi version` of the CLI that deployed. */
  readonly pulumi: string;
  /** The provider plugins it loaded: the stand-ins of tests/providers/, or not. */
  readonly providers: string;
  /** Where the CLI found them (PULUMI_HOME). */
  readonly pulumiHome: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the host skews every figure. */
  readonly loadAverageAtStart: readonly number[];
  /** Containers running when the run started that are not the bench's: the same caveat. */
  readonly otherContainersAtStart: number;
}

async function dockerOut(args: string[]): Promise<string> {
  const r = await run("docker", args, { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : "unknown";
}

/** The first bytes of a file; undefined when it cannot be read. */
async function head(file: string): Promise<string | undefined> {
  try {
    const handle = await open(file, "r");
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(512), 0, 512, 0);
      return buffer.subarray(0, bytesRead).toString("latin1");
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}

/** Where the CLI looks for its plugins. */
export function pulumiHome(): string {
  return process.env.PULUMI_HOME ?? join(homedir(), ".pulumi");
}

/**
 * Which docker, random and command plugins the CLI loads from its Pulumi home:
 * the versions the npm packages ask for, and whether each is a stand-in
 * script that setup-test-env.sh installed (tests/providers/).
 */
export async function describeProviders(home = pulumiHome()): Promise<string> {
  const deps = (JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as { dependencies: Record<string, string> }).dependencies;
  const parts: string[] = [];
  for (const name of ["docker", "random", "command"]) {
    const v = deps[`@pulumi/${name}`] ?? "?";
    const text = await head(join(home, "plugins", `resource-${name}-v${v}`, `pulumi-resource-${name}`));
    parts.push(`${name} ${v} ${text === undefined ? "(not installed)" : /Stand-in/.test(text) ? "(stand-in, tests/providers/)" : "(not the stand-in)"}`);
  }
  return parts.join(", ");
}

export async function describeMachine(image: string, pulumi: string): Promise<Machine> {
  const cpu = cpus();
  const running = await dockerOut(["ps", "-q"]);
  return {
    cpuModel: cpu[0]?.model.trim() ?? "unknown",
    cores: cpu.length,
    memoryBytes: totalmem(),
    kernel: release(),
    os: version(),
    node: process.version,
    docker: await dockerOut(["version", "--format", "{{.Server.Version}}"]),
    dockerStorageDriver: await dockerOut(["info", "--format", "{{.Driver}}"]),
    image,
    imageId: await dockerOut(["image", "inspect", "--format", "{{.Id}}", image]),
    postgres: await dockerOut(["run", "--rm", "--entrypoint", "postgres", image, "--version"]),
    pulumi,
    providers: await describeProviders(),
    pulumiHome: pulumiHome(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    otherContainersAtStart: running === "unknown" || running === "" ? 0 : running.split("\n").length,
  };
}

/** The image the bench deploys and runs the floor on: postgres:17 when present, else the offline build (testImage() in tests/support/cluster.ts does the same). */
export async function defaultImage(): Promise<string> {
  const official = await run("docker", ["image", "inspect", "postgres:17"], { timeoutMs: 30_000 });
  return official.code === 0 ? "postgres:17" : "pg-replication/postgres:17";
}
