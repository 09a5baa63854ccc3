/**
 * Validates the stack configuration and turns it into a ClusterConfig.
 * Pure: raw strings in, a typed value or a ConfigError out. Every error names
 * the key, the bad value (never for secrets) and what is allowed, in one line,
 * so `pulumi preview` fails with something a user can act on.
 */
import type { SyncMode, SynchronousCommit } from "./outputs";

export const PROJECT = "pg-replication";

/** Config values as Pulumi hands them over: strings (objects as JSON), or absent. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

export interface ClusterConfig {
  readonly stack: string;
  readonly image: string;
  readonly replicas: number;
  readonly primaryPort: number;
  readonly firstReplicaPort: number;
  readonly bindAddress: string;
  readonly namePrefix: string;
  readonly database: string;
  readonly superuser: string;
  readonly replicationUser: string;
  readonly syncMode: SyncMode;
  readonly syncCount: number;
  readonly synchronousCommit: SynchronousCommit;
  readonly walKeepSize: string;
  readonly maxSlotWalKeepSize: string;
  readonly maxWalSenders: number;
  readonly maxReplicationSlots: number;
  readonly postgresSettings: Readonly<Record<string, string>>;
  readonly initSql: string;
}

/** Keys that take a password; their values are never echoed in an error. */
export const SECRET_KEYS = ["superuserPassword", "replicationPassword"] as const;

export const CONFIG_KEYS = [
  "image", "replicas", "primaryPort", "firstReplicaPort", "bindAddress", "namePrefix",
  "database", "superuser", "replicationUser", "syncMode", "syncCount", "synchronousCommit",
  "walKeepSize", "maxSlotWalKeepSize", "maxWalSenders", "maxReplicationSlots",
  "postgresSettings", "initSql", ...SECRET_KEYS,
] as const;

export const MAX_REPLICAS = 8;

export class ConfigError extends Error {
  constructor(readonly key: string, message: string) {
    super(`${PROJECT}:${key}: ${message}`);
    this.name = "ConfigError";
  }
}

const SYNC_MODES: readonly SyncMode[] = ["off", "first", "any"];
const SYNC_COMMITS: readonly SynchronousCommit[] = ["on", "remote_write", "remote_apply"];

/**
 * Settings the program owns: replication breaks, or the program's own files are
 * bypassed, if they are overridden through postgresSettings.
 */
const RESERVED_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: "bindAddress (the server always listens inside its container)",
  port: "primaryPort / firstReplicaPort (the server always uses 5432 inside its container)",
  wal_level: "nothing: physical replication needs wal_level=replica",
  hot_standby: "nothing: standbys are always hot",
  hot_standby_feedback: "nothing: it is always on",
  hba_file: "nothing: the program writes pg_hba itself",
  ident_file: "nothing: the program writes pg_ident itself",
  data_directory: "nothing",
  config_file: "nothing: the program writes pg-replication.conf itself",
  wal_log_hints: "nothing: it is always on, so pg_rewind can bring an old primary back",
  wal_retrieve_retry_interval: "nothing: standbys retry streaming every second",
  cluster_name: "nothing: it names each standby in pg_stat_replication",
  primary_conninfo: "nothing: the base backup writes it",
  primary_slot_name: "nothing: each standby uses slot replica_<n>",
  synchronous_standby_names: "syncMode and syncCount",
  synchronous_commit: "synchronousCommit",
  wal_keep_size: "walKeepSize",
  max_slot_wal_keep_size: "maxSlotWalKeepSize",
  max_wal_senders: "maxWalSenders",
  max_replication_slots: "maxReplicationSlots",
  password_encryption: "nothing: it is always scram-sha-256",
};

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const NAME_PREFIX = /^[a-z0-9][a-z0-9-]{0,39}$/;
const SIZE = /^[1-9][0-9]*(kB|MB|GB|TB)$/;
const IMAGE = /^[a-z0-9][a-z0-9._\-/:@]*$/i;
const SETTING_NAME = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

function show(value: string): string {
  return JSON.stringify(value);
}

function integer(raw: RawConfig, key: string, fallback: number, min: number, max: number): number {
  const value = raw[key];
  if (value === undefined || value === "") return fallback;
  if (!/^-?[0-9]+$/.test(value.trim())) {
    throw new ConfigError(key, `${show(value)} is not a whole number; allowed: ${min} to ${max}`);
  }
  const n = Number(value.trim());
  if (n < min || n > max) {
    throw new ConfigError(key, `${n} is out of range; allowed: ${min} to ${max}`);
  }
  return n;
}

function oneOf<T extends string>(raw: RawConfig, key: string, allowed: readonly T[], fallback: T): T {
  const value = raw[key];
  if (value === undefined || value === "") return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    throw new ConfigError(key, `${show(value)} is not allowed; allowed: ${allowed.join(" | ")}`);
  }
  return found;
}

function matching(raw: RawConfig, key: string, pattern: RegExp, fallback: string, allowed: string): string {
  const value = raw[key];
  if (value === undefined || value === "") return fallback;
  if (!pattern.test(value)) {
    throw new ConfigError(key, `${show(value)} is not allowed; allowed: ${allowed}`);
  }
  return value;
}

function ipv4(raw: RawConfig, key: string, fallback: string): string {
  const value = raw[key];
  if (value === undefined || value === "") return fallback;
  const parts = value.split(".");
  const ok = parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255);
  if (!ok) {
    throw new ConfigError(key, `${show(value)} is not an IPv4 address; allowed: an address of this host such as 127.0.0.1 (the default) or 0.0.0.0 for all interfaces`);
  }
  return value;
}

function size(raw: RawConfig, key: string, fallback: string, allowUnlimited: boolean): string {
  const value = raw[key];
  if (value === undefined || value === "") return fallback;
  if (allowUnlimited && value === "-1") return value;
  if (!SIZE.test(value)) {
    const unlimited = allowUnlimited ? ", or -1 for no limit" : "";
    throw new ConfigError(key, `${show(value)} is not a size; allowed: a positive whole number with a unit kB, MB, GB or TB, such as 128MB${unlimited}`);
  }
  return value;
}

function settingsObject(raw: RawConfig, key: string): Record<string, string> {
  const value = raw[key];
  if (value === undefined || value === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new ConfigError(key, `${show(value)} is not a JSON object; allowed: an object of PostgreSQL settings such as {"work_mem":"16MB"}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(key, `${show(value)} is not a JSON object; allowed: an object of PostgreSQL settings such as {"work_mem":"16MB"}`);
  }
  const settings: Record<string, string> = {};
  for (const [name, setting] of Object.entries(parsed as Record<string, unknown>)) {
    if (!SETTING_NAME.test(name)) {
      throw new ConfigError(key, `setting name ${show(name)} is not valid; allowed: lower-case PostgreSQL setting names such as work_mem`);
    }
    const owner = RESERVED_SETTINGS[name];
    if (owner !== undefined) {
      throw new ConfigError(key, `${name} is managed by the program; use ${owner}`);
    }
    if (typeof setting === "number" || typeof setting === "boolean") {
      settings[name] = String(setting);
    } else if (typeof setting === "string" && !/[\n\r\0]/.test(setting)) {
      settings[name] = setting;
    } else {
      throw new ConfigError(key, `value of ${name} must be a string, number or boolean on one line`);
    }
  }
  return settings;
}

/** Checks a password given in config without ever echoing it. */
export function checkPassword(key: string, value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.length < 12) {
    throw new ConfigError(key, `the secret is too short (${value.length} characters); allowed: at least 12 characters, or leave it unset to generate one`);
  }
  if (/[\n\r\0]/.test(value)) {
    throw new ConfigError(key, "the secret contains a line break or NUL; allowed: a single line of at least 12 characters");
  }
  return value;
}

export function parseConfig(raw: RawConfig, stack: string): ClusterConfig {
  for (const key of Object.keys(raw)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
      throw new ConfigError(key, `unknown key; allowed keys: ${CONFIG_KEYS.join(", ")}`);
    }
  }

  const image = matching(raw, "image", IMAGE, "postgres:17", "a Docker image reference such as postgres:17");
  const replicas = integer(raw, "replicas", 1, 1, MAX_REPLICAS);
  const primaryPort = integer(raw, "primaryPort", 15432, 1024, 65535);
  const firstReplicaPort = integer(raw, "firstReplicaPort", primaryPort + 1, 1024, 65535 - (replicas - 1));
  if (primaryPort >= firstReplicaPort && primaryPort <= firstReplicaPort + replicas - 1) {
    throw new ConfigError("firstReplicaPort", `${firstReplicaPort} makes standby ports ${firstReplicaPort}-${firstReplicaPort + replicas - 1} clash with primaryPort ${primaryPort}; allowed: a range that leaves out ${primaryPort}`);
  }
  const bindAddress = ipv4(raw, "bindAddress", "127.0.0.1");
  const namePrefix = matching(raw, "namePrefix", NAME_PREFIX, defaultPrefix(stack), "lower-case letters, digits and '-', starting with a letter or digit, at most 40 characters");
  const database = matching(raw, "database", IDENTIFIER, "postgres", "a lower-case identifier such as app (letters, digits, _; at most 63)");
  const superuser = matching(raw, "superuser", IDENTIFIER, "postgres", "a lower-case identifier such as postgres");
  const replicationUser = matching(raw, "replicationUser", IDENTIFIER, "replicator", "a lower-case identifier such as replicator");
  if (replicationUser === superuser) {
    throw new ConfigError("replicationUser", `${show(replicationUser)} is also the superuser; allowed: a separate role, so that replication never runs as a superuser`);
  }

  const syncMode = oneOf(raw, "syncMode", SYNC_MODES, "off");
  const syncCount = integer(raw, "syncCount", 1, 1, MAX_REPLICAS);
  if (syncMode !== "off" && syncCount > replicas) {
    throw new ConfigError("syncCount", `${syncCount} is more than the ${replicas} standby(s); allowed: 1 to ${replicas}, or more replicas`);
  }
  if (syncMode === "off" && raw.syncCount !== undefined && raw.syncCount !== "") {
    throw new ConfigError("syncCount", `has no effect while syncMode is off; allowed: leave it unset, or set syncMode to first or any`);
  }
  const synchronousCommit = oneOf(raw, "synchronousCommit", SYNC_COMMITS, "on");
  if (syncMode === "off" && synchronousCommit !== "on") {
    throw new ConfigError("synchronousCommit", `${synchronousCommit} waits for no standby while syncMode is off; allowed: on, or set syncMode to first or any`);
  }

  const walKeepSize = size(raw, "walKeepSize", "128MB", false);
  const maxSlotWalKeepSize = size(raw, "maxSlotWalKeepSize", "1GB", true);
  // pg_basebackup -X stream holds two WAL senders while a standby is seeded.
  const maxWalSenders = integer(raw, "maxWalSenders", 10, replicas + 2, 1000);
  const maxReplicationSlots = integer(raw, "maxReplicationSlots", 10, replicas, 1000);
  const postgresSettings = settingsObject(raw, "postgresSettings");
  const initSql = raw.initSql ?? "";

  checkPassword("superuserPassword", raw.superuserPassword);
  checkPassword("replicationPassword", raw.replicationPassword);

  return {
    stack, image, replicas, primaryPort, firstReplicaPort, bindAddress, namePrefix,
    database, superuser, replicationUser, syncMode, syncCount, synchronousCommit,
    walKeepSize, maxSlotWalKeepSize, maxWalSenders, maxReplicationSlots, postgresSettings, initSql,
  };
}

/** `pg-<stack>`, reduced to the characters container names allow. */
export function defaultPrefix(stack: string): string {
  const cleaned = stack.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
  return `pg-${cleaned || "stack"}`.slice(0, 40);
}
