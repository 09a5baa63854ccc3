/**
 * docker.Container inputs -> what the stand-in does, as pure data: the
 * `docker create` arguments, the environment file, the networks to join, the
 * files to upload and the start/wait/delete settings. Follows the provider's
 * create (kreuzwerker resource_docker_container_funcs.go, resource schema in
 * resource_docker_container.go) for every input the stand-in implements.
 *
 * Where the docker CLI cannot express the provider's API call exactly:
 * - `entrypoints`: `--entrypoint` takes one word, so more than one entry is
 *   refused (Read would otherwise report a different Entrypoint/Cmd split than
 *   the real provider stores, and the next preview would diff).
 * - `healthcheck.tests`: the CLI sets only `CMD-SHELL` (via --health-cmd) or
 *   `NONE`; the `CMD` form is refused rather than approximated.
 * - `envs`: passed in an env-file (values stay out of argv); a value with a
 *   newline cannot be written there and is refused.
 */
import { parseGoDuration } from "../go-format";
import { InputReader, type InputSpec, type PlainObject } from "../inputs";

export const CONTAINER_TYPE = "docker:index/container:Container";

export const containerSpec: InputSpec = {
  name: "any",
  image: "any",
  hostname: "any",
  command: "any",
  entrypoints: "any",
  envs: "any",
  user: "any",
  labels: { label: "any", value: "any" },
  restart: "any",
  stopSignal: "any",
  stopTimeout: "any",
  destroyGraceSeconds: "any",
  healthcheck: { tests: "any", interval: "any", timeout: "any", startPeriod: "any", startInterval: "any", retries: "any" },
  wait: "any",
  waitTimeout: "any",
  ports: { internal: "any", external: "any", ip: "any", protocol: "any" },
  volumes: { volumeName: "any", containerPath: "any", readOnly: "any" },
  networksAdvanced: { name: "any", aliases: "any", ipv4Address: "any" },
  uploads: { file: "any", content: "any", contentBase64: "any", executable: "any", permissions: "any" },
  shmSize: "any",
  memory: "any",
  start: "any",
  // Check fills these from the schema's defaults (some are implemented at their default only: see container.ts).
  mustRun: "any",
  removeVolumes: "any",
  attach: "any",
  logs: "any",
  rm: "any",
  readOnly: "any",
  tty: "any",
  stdinOpen: "any",
  memoryReservation: "any",
  networkMode: "any",
  containerReadRefreshTimeoutMilliseconds: "any",
};

export interface NetworkAttachment {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly ipv4Address?: string;
}

export interface Upload {
  readonly file: string;
  readonly content: Buffer;
  readonly mode: number;
}

export interface ContainerPlan {
  readonly containerName: string;
  readonly image: string;
  /** `docker create` flags, without the env-file and without IMAGE/CMD. */
  readonly flags: readonly string[];
  /** Cmd after the image (the command). */
  readonly cmd: readonly string[];
  /** `KEY=VALUE` lines of the env-file; empty: no env-file. */
  readonly env: readonly string[];
  readonly networks: readonly NetworkAttachment[];
  readonly uploads: readonly Upload[];
  readonly start: boolean;
  readonly wait: boolean;
  readonly waitTimeoutSeconds: number;
  readonly destroyGraceSeconds: number;
  readonly removeVolumes: boolean;
}

const RESTART = /^(no|on-failure|always|unless-stopped)$/;
const PERMISSIONS = /^0[0-7]{3}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function duration(read: InputReader, value: string | undefined, path: string): string | undefined {
  if (value === undefined) return undefined;
  let ns: number;
  try {
    ns = parseGoDuration(value);
  } catch (error) {
    throw read.fail(`input '${path}': ${(error as Error).message}`);
  }
  if (ns < 0) throw read.fail(`input '${path}' must be a duration >= 0, got ${value}`);
  return value;
}

function healthFlags(read: InputReader, hc: PlainObject | undefined): string[] {
  if (hc === undefined) return [];
  const tests = read.strings(hc["tests"], "healthcheck.tests");
  if (tests === undefined || tests.length === 0) throw read.fail("input 'healthcheck.tests' is required");
  const flags: string[] = [];
  if (tests[0] === "NONE" && tests.length === 1) {
    flags.push("--no-healthcheck");
  } else if (tests[0] === "CMD-SHELL" && tests.length === 2) {
    flags.push("--health-cmd", tests[1] as string);
  } else {
    throw read.fail(`input 'healthcheck.tests' of the form [${tests.map((t) => JSON.stringify(t)).join(", ")}] is not implemented ` +
      "(the stand-in supports [\"CMD-SHELL\", command] and [\"NONE\"])");
  }
  const interval = duration(read, read.string(hc["interval"], "healthcheck.interval"), "healthcheck.interval");
  const timeout = duration(read, read.string(hc["timeout"], "healthcheck.timeout"), "healthcheck.timeout");
  const startPeriod = duration(read, read.string(hc["startPeriod"], "healthcheck.startPeriod"), "healthcheck.startPeriod");
  const startInterval = duration(read, read.string(hc["startInterval"], "healthcheck.startInterval"), "healthcheck.startInterval");
  const retries = read.integer(hc["retries"], "healthcheck.retries");
  if (interval !== undefined) flags.push("--health-interval", interval);
  if (timeout !== undefined) flags.push("--health-timeout", timeout);
  if (startPeriod !== undefined) flags.push("--health-start-period", startPeriod);
  // Docker's Go client refuses a non-zero start interval below API 1.44 (the
  // provider fails the same way); the CLI refuses the flag even when zero.
  if (startInterval !== undefined && parseGoDuration(startInterval) !== 0) flags.push("--health-start-interval", startInterval);
  if (retries !== undefined) {
    if (retries < 0) throw read.fail("input 'healthcheck.retries' must be >= 0");
    flags.push("--health-retries", String(retries));
  }
  return flags;
}

function portFlags(read: InputReader, ports: PlainObject[]): string[] {
  const flags: string[] = [];
  ports.forEach((port, i) => {
    const internal = read.integer(port["internal"], `ports[${i}].internal`);
    if (internal === undefined) throw read.fail(`input 'ports[${i}].internal' is required`);
    const external = read.integer(port["external"], `ports[${i}].external`);
    // The provider's schema defaults: ip 0.0.0.0 (all interfaces!), protocol tcp.
    const ip = read.string(port["ip"], `ports[${i}].ip`) || "0.0.0.0";
    const protocol = read.string(port["protocol"], `ports[${i}].protocol`) || "tcp";
    const host = ip.includes(":") ? `[${ip}]` : ip;
    flags.push("--publish", `${host}:${external === undefined || external === 0 ? "" : external}:${internal}/${protocol}`);
  });
  return flags;
}

function volumeFlags(read: InputReader, volumes: PlainObject[]): string[] {
  const flags: string[] = [];
  volumes.forEach((volume, i) => {
    const containerPath = read.string(volume["containerPath"], `volumes[${i}].containerPath`);
    if (containerPath === undefined || containerPath === "") {
      throw read.fail(`Unable to parse volumes: Volume entry without container path or source container (volumes[${i}])`);
    }
    const volumeName = read.string(volume["volumeName"], `volumes[${i}].volumeName`);
    if (volumeName === undefined || volumeName === "") {
      throw read.fail(`input 'volumes[${i}]': an anonymous volume (no volumeName) is not implemented`);
    }
    const mode = read.boolean(volume["readOnly"], `volumes[${i}].readOnly`) === true ? "ro" : "rw";
    flags.push("--volume", `${volumeName}:${containerPath}:${mode}`);
  });
  return flags;
}

function uploads(read: InputReader, items: PlainObject[]): Upload[] {
  return items.map((item, i) => {
    const path = `uploads[${i}]`;
    const file = read.requiredString(item["file"], `${path}.file`);
    const content = read.string(item["content"], `${path}.content`) ?? "";
    const contentBase64 = read.string(item["contentBase64"], `${path}.contentBase64`) ?? "";
    // The provider counts an empty string as unset, so an empty file cannot be uploaded.
    const set = [content, contentBase64].filter((v) => v !== "").length;
    if (set === 0) throw read.fail(`error with upload content: one of 'content', 'content_base64', or 'source' must be set (${path})`);
    if (set > 1) throw read.fail(`error with upload content: only one of 'content', 'content_base64', or 'source' can be set (${path})`);
    if (contentBase64 !== "" && !BASE64.test(contentBase64)) throw read.fail(`input '${path}.contentBase64' is not valid base64`);
    const permissions = read.string(item["permissions"], `${path}.permissions`);
    const executable = read.boolean(item["executable"], `${path}.executable`) ?? false;
    let mode: number;
    if (permissions !== undefined && permissions !== "") {
      if (!PERMISSIONS.test(permissions)) throw read.fail(`input '${path}.permissions' must match ^0[0-7]{3}$, got "${permissions}"`);
      mode = parseInt(permissions, 8);
    } else {
      mode = executable ? 0o744 : 0o644;
    }
    const bytes = content !== "" ? Buffer.from(content, "utf8") : Buffer.from(contentBase64, "base64");
    return { file, content: bytes, mode };
  });
}

/** Validates the inputs and decides everything the create will do. Pure. */
export function planContainer(name: string, inputs: PlainObject): ContainerPlan {
  const read = new InputReader(CONTAINER_TYPE, name);
  const containerName = read.requiredString(inputs["name"], "name");
  const image = read.requiredString(inputs["image"], "image");
  const flags: string[] = ["--name", containerName];

  const hostname = read.string(inputs["hostname"], "hostname");
  if (hostname !== undefined && hostname !== "") flags.push("--hostname", hostname);
  const user = read.string(inputs["user"], "user");
  if (user !== undefined && user !== "") flags.push("--user", user);

  const command = read.strings(inputs["command"], "command") ?? [];
  if (command.some((c) => c === "")) throw read.fail("values for command may not be empty");
  const entrypoints = read.strings(inputs["entrypoints"], "entrypoints") ?? [];
  if (entrypoints.length > 1) throw read.fail("input 'entrypoints' with more than one element is not implemented (docker create --entrypoint takes one word)");
  if (entrypoints.length === 1) flags.push("--entrypoint", entrypoints[0] as string);
  const cmd = command;

  const env = (read.strings(inputs["envs"], "envs") ?? []).map((entry, i) => {
    if (!/^[^=\s]+=/.test(entry)) throw read.fail(`input 'envs[${i}]' must have the form KEY=VALUE`);
    if (/[\r\n]/.test(entry)) throw read.fail(`input 'envs[${i}]' has a line break, which the stand-in cannot pass in an env-file`);
    return entry;
  });

  for (const [key, value] of Object.entries(read.labels(inputs["labels"], "labels"))) flags.push("--label", `${key}=${value}`);

  const restart = read.string(inputs["restart"], "restart") ?? "no";
  if (!RESTART.test(restart)) throw read.fail(`input 'restart' must be one of no, on-failure, always, unless-stopped; got "${restart}"`);
  flags.push("--restart", restart);
  const stopSignal = read.string(inputs["stopSignal"], "stopSignal");
  if (stopSignal !== undefined && stopSignal !== "") flags.push("--stop-signal", stopSignal);
  const stopTimeout = read.integer(inputs["stopTimeout"], "stopTimeout");
  if (stopTimeout !== undefined) flags.push("--stop-timeout", String(stopTimeout));

  flags.push(...healthFlags(read, read.object(inputs["healthcheck"], "healthcheck")));
  flags.push(...portFlags(read, read.objects(inputs["ports"], "ports")));
  flags.push(...volumeFlags(read, read.objects(inputs["volumes"], "volumes")));

  const memory = read.integer(inputs["memory"], "memory");
  if (memory !== undefined) {
    if (memory < 0) throw read.fail("input 'memory' must be >= 0");
    if (memory > 0) flags.push("--memory", String(memory * 1024 * 1024));
  }
  const shmSize = read.integer(inputs["shmSize"], "shmSize");
  if (shmSize !== undefined) {
    if (shmSize < 0) throw read.fail("input 'shmSize' must be >= 0");
    if (shmSize > 0) flags.push("--shm-size", String(shmSize * 1024 * 1024));
  }

  // The provider's network_mode default, and its explicit Init=false.
  flags.push("--network", "bridge", "--init=false");

  const networks = read.objects(inputs["networksAdvanced"], "networksAdvanced").map((n, i): NetworkAttachment => {
    const ipv4Address = read.string(n["ipv4Address"], `networksAdvanced[${i}].ipv4Address`);
    return {
      name: read.requiredString(n["name"], `networksAdvanced[${i}].name`),
      aliases: read.strings(n["aliases"], `networksAdvanced[${i}].aliases`) ?? [],
      ...(ipv4Address !== undefined && ipv4Address !== "" ? { ipv4Address } : {}),
    };
  });

  const start = read.boolean(inputs["start"], "start") ?? true;
  const wait = read.boolean(inputs["wait"], "wait") ?? false;
  const waitTimeoutSeconds = read.integer(inputs["waitTimeout"], "waitTimeout") ?? 60;
  const destroyGraceSeconds = read.integer(inputs["destroyGraceSeconds"], "destroyGraceSeconds") ?? 0;

  return {
    containerName,
    image,
    flags,
    cmd,
    env,
    networks,
    uploads: uploads(read, read.objects(inputs["uploads"], "uploads")),
    start,
    wait,
    waitTimeoutSeconds,
    destroyGraceSeconds,
    removeVolumes: read.boolean(inputs["removeVolumes"], "removeVolumes") ?? true,
  };
}

/** The complete `docker create` argument list. Pure. */
export function containerCreateArgs(plan: ContainerPlan, envFile: string | undefined): string[] {
  return ["create", ...plan.flags, ...(envFile !== undefined ? ["--env-file", envFile] : []), plan.image, ...plan.cmd];
}

/** The env-file body: one `KEY=VALUE` per line, no quoting (docker reads values verbatim). */
export function envFileContent(env: readonly string[]): string {
  return env.map((line) => `${line}\n`).join("");
}

/** `docker network connect` arguments for one attachment. Pure. */
export function networkConnectArgs(attachment: NetworkAttachment, container: string): string[] {
  const args = ["network", "connect"];
  for (const alias of attachment.aliases) args.push("--alias", alias);
  if (attachment.ipv4Address !== undefined) args.push("--ip", attachment.ipv4Address);
  args.push(attachment.name, container);
  return args;
}
