/**
 * Validation of the stack outputs against the `ClusterOutputs` contract.
 * The tools trust nothing they read: a hand-edited or truncated file must
 * fail here with one line naming the field, not later as a TypeError.
 */
import type { ClusterOutputs, ReplicaOutput, SyncMode, SynchronousCommit } from "../../components/outputs";
import { parseDsn, type ConnParams } from "./dsn";

/** The validated outputs, with the connection strings already parsed. */
export interface LoadedOutputs {
  readonly outputs: ClusterOutputs;
  readonly primaryConn: ConnParams;
  readonly replicaConns: readonly ConnParams[];
}

type Json = unknown;

class Path {
  constructor(readonly name: string) {}
  key(k: string): Path {
    return new Path(this.name === "" ? k : `${this.name}.${k}`);
  }
  index(i: number): Path {
    return new Path(`${this.name}[${i}]`);
  }
}

function fail(path: Path, what: string): never {
  throw new Error(`${path.name} ${what}`);
}

function describe(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `"${v.length > 40 ? `${v.slice(0, 40)}...` : v}"`;
  return typeof v === "object" ? "an object" : `${typeof v} ${String(v)}`;
}

function obj(v: Json, path: Path): Record<string, Json> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(path, `must be an object, got ${describe(v)}`);
  return v as Record<string, Json>;
}

function field(o: Record<string, Json>, k: string, path: Path): Json {
  if (!(k in o)) fail(path.key(k), "is missing");
  return o[k];
}

function str(o: Record<string, Json>, k: string, path: Path, allowEmpty = false): string {
  const v = field(o, k, path);
  if (typeof v !== "string") fail(path.key(k), `must be a string, got ${describe(v)}`);
  if (!allowEmpty && v === "") fail(path.key(k), "must not be empty");
  return v;
}

function int(o: Record<string, Json>, k: string, path: Path, min: number, max: number): number {
  const v = field(o, k, path);
  if (typeof v !== "number" || !Number.isInteger(v)) fail(path.key(k), `must be an integer, got ${describe(v)}`);
  if (v < min || v > max) fail(path.key(k), `must be between ${min} and ${max}, got ${v}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, Json>, k: string, path: Path, allowed: readonly T[]): T {
  const v = str(o, k, path);
  if (!(allowed as readonly string[]).includes(v)) fail(path.key(k), `must be one of ${allowed.join(", ")}, got ${describe(v)}`);
  return v as T;
}

function arr(o: Record<string, Json>, k: string, path: Path): Json[] {
  const v = field(o, k, path);
  if (!Array.isArray(v)) fail(path.key(k), `must be an array, got ${describe(v)}`);
  return v;
}

function stringMap(o: Record<string, Json>, k: string, path: Path): Record<string, string> {
  const m = obj(field(o, k, path), path.key(k));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(m)) {
    if (typeof value !== "string") fail(path.key(k).key(name), `must be a string, got ${describe(value)}`);
    out[name] = value;
  }
  return out;
}

const PORT = [1, 65535] as const;

function replica(v: Json, path: Path): ReplicaOutput {
  const o = obj(v, path);
  return {
    index: int(o, "index", path, 1, 1000),
    containerName: str(o, "containerName", path),
    host: str(o, "host", path),
    port: int(o, "port", path, ...PORT),
    slot: str(o, "slot", path),
    applicationName: str(o, "applicationName", path),
  };
}

/** Checks a DSN parses and agrees with the plain outputs that describe the same node. */
function conn(dsn: string, path: Path, host: string, port: number, user: string, database: string): ConnParams {
  const c = parseDsn(dsn, path.name);
  if (c.host !== host || c.port !== port) fail(path, `points at ${c.host}:${c.port}, but the outputs declare that node at ${host}:${port}`);
  if (c.user !== user) fail(path, `connects as "${c.user}", but superuser is "${user}"`);
  if (c.database !== database) fail(path, `connects to database "${c.database}", but database is "${database}"`);
  return c;
}

/**
 * Validates parsed JSON as `ClusterOutputs`. Throws an Error whose message
 * is one line: the field path and what is wrong with it (never a secret).
 */
export function validateOutputs(value: Json): LoadedOutputs {
  const root = new Path("");
  const o = obj(value, new Path("outputs"));
  const expected = field(o, "expectedMajorVersion", root);
  if (expected !== null && (typeof expected !== "number" || !Number.isInteger(expected) || expected < 9)) {
    fail(root.key("expectedMajorVersion"), `must be a major version number or null, got ${describe(expected)}`);
  }
  const replicas = arr(o, "replicas", root).map((r, i) => replica(r, root.key("replicas").index(i)));
  replicas.forEach((r, i) => {
    if (r.index !== i + 1) fail(root.key("replicas").index(i).key("index"), `must be ${i + 1} (standbys are listed in order), got ${r.index}`);
  });
  const syncPath = root.key("sync");
  const syncObj = obj(field(o, "sync", root), syncPath);
  const sync = {
    mode: oneOf<SyncMode>(syncObj, "mode", syncPath, ["off", "first", "any"]),
    count: int(syncObj, "count", syncPath, 0, 1000),
    synchronousCommit: oneOf<SynchronousCommit>(syncObj, "synchronousCommit", syncPath, ["on", "remote_write", "remote_apply"]),
    standbyNames: str(syncObj, "standbyNames", syncPath, true),
  };
  if (sync.mode !== "off" && sync.count < 1) fail(syncPath.key("count"), `must be at least 1 when mode is ${sync.mode}, got ${sync.count}`);
  const settingsPath = root.key("settings");
  const settingsObj = obj(field(o, "settings", root), settingsPath);
  const outputs: ClusterOutputs = {
    stack: str(o, "stack", root),
    namePrefix: str(o, "namePrefix", root),
    networkName: str(o, "networkName", root),
    image: str(o, "image", root),
    expectedMajorVersion: expected as number | null,
    primaryHost: str(o, "primaryHost", root),
    primaryPort: int(o, "primaryPort", root, ...PORT),
    primaryContainerName: str(o, "primaryContainerName", root),
    replicas,
    database: str(o, "database", root),
    superuser: str(o, "superuser", root),
    replicationUser: str(o, "replicationUser", root),
    sync,
    settings: {
      primary: stringMap(settingsObj, "primary", settingsPath),
      standby: stringMap(settingsObj, "standby", settingsPath),
    },
    primaryConnectionString: str(o, "primaryConnectionString", root),
    replicaConnectionStrings: arr(o, "replicaConnectionStrings", root).map((v, i) => {
      if (typeof v !== "string") fail(root.key("replicaConnectionStrings").index(i), `must be a string, got ${describe(v)}`);
      return v;
    }),
  };
  if (outputs.replicaConnectionStrings.length !== replicas.length) {
    fail(root.key("replicaConnectionStrings"), `has ${outputs.replicaConnectionStrings.length} entries but there are ${replicas.length} replicas`);
  }
  const primaryConn = conn(outputs.primaryConnectionString, root.key("primaryConnectionString"), outputs.primaryHost, outputs.primaryPort, outputs.superuser, outputs.database);
  const replicaConns = outputs.replicaConnectionStrings.map((dsn, i) =>
    conn(dsn, root.key("replicaConnectionStrings").index(i), replicas[i].host, replicas[i].port, outputs.superuser, outputs.database),
  );
  return { outputs, primaryConn, replicaConns };
}
