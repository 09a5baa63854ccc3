/** What the figures were measured on: they mean little without it. */
import { cpus, loadavg, release, totalmem, version } from "node:os";

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
  /** 1, 5 and 15 minute load averages when the run started: other work on the host skews every figure. */
  readonly loadAverageAtStart: readonly number[];
  /** Containers running when the run started that are not the bench's: the same caveat. */
  readonly otherContainersAtStart: number;
}

async function dockerOut(args: string[]): Promise<string> {
  const r = await run("docker", args, { timeoutMs: 30_000 });
  return r.code === 0 ? r.stdout.trim() : "unknown";
}

export async function describeMachine(image: string): Promise<Machine> {
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
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    otherContainersAtStart: running === "unknown" || running === "" ? 0 : running.split("\n").length,
  };
}

/** The image the sandbox deploys: postgres:17 when present, else the offline build (tests/executor/sandbox.ts does the same). */
export async function defaultImage(): Promise<string> {
  const official = await run("docker", ["image", "inspect", "postgres:17"], { timeoutMs: 30_000 });
  return official.code === 0 ? "postgres:17" : "pg-replication/postgres:17";
}
