/**
 * PostgreSQL server settings for each node, passed declaratively as
 * `postgres -c key=value` so that a change shows in `pulumi preview`. Pure.
 */
import type { ClusterConfig } from "./config";
import { CONFIG_DIR, DATA_DIR, SERVER_PORT, slotName } from "./naming";
import type { SyncMode } from "./outputs";

export type Settings = Readonly<Record<string, string>>;

/**
 * Renders `synchronous_standby_names`. Names are always double-quoted: a
 * standby name is an identifier to PostgreSQL, and quoting keeps any name
 * literal. An empty list must render as "" (PostgreSQL rejects `FIRST 1 ()`).
 */
export function synchronousStandbyNames(mode: SyncMode, count: number, names: readonly string[]): string {
  if (mode === "off" || names.length === 0) return "";
  const quoted = names.map((n) => `"${n.replace(/"/g, '""')}"`).join(", ");
  return `${mode === "first" ? "FIRST" : "ANY"} ${Math.min(count, names.length)} (${quoted})`;
}

/** Settings every node shares, so that any standby can be promoted and serve as primary as it is. */
function common(config: ClusterConfig): Record<string, string> {
  return {
    listen_addresses: "*",
    port: String(SERVER_PORT),
    hba_file: `${CONFIG_DIR}/pg_hba.conf`,
    ident_file: `${CONFIG_DIR}/pg_ident.conf`,
    password_encryption: "scram-sha-256",
    wal_level: "replica",
    // A hot standby refuses to start when these are lower than on its primary.
    max_wal_senders: String(config.maxWalSenders),
    max_replication_slots: String(config.maxReplicationSlots),
    wal_keep_size: config.walKeepSize,
    // An inactive slot retains WAL without bound; the cap invalidates the slot instead of filling the disk.
    max_slot_wal_keep_size: config.maxSlotWalKeepSize,
    // Lets pg_rewind bring an old primary back as a standby after a failover drill.
    wal_log_hints: "on",
    hot_standby: "on",
    hot_standby_feedback: "on",
    ...config.postgresSettings,
  };
}

export function primarySettings(config: ClusterConfig): Settings {
  const standbys = Array.from({ length: config.replicas }, (_, i) => slotName(i + 1));
  return {
    ...common(config),
    cluster_name: "primary",
    synchronous_standby_names: synchronousStandbyNames(config.syncMode, config.syncCount, standbys),
    synchronous_commit: config.synchronousCommit,
  };
}

/**
 * A standby's `cluster_name` is its application_name in the primary's
 * pg_stat_replication and the name synchronous_standby_names refers to.
 * It waits for no standby itself: once promoted it must accept commits at once.
 */
export function standbySettings(config: ClusterConfig, n: number): Settings {
  return {
    ...common(config),
    cluster_name: slotName(n),
    synchronous_standby_names: "",
    synchronous_commit: "on",
  };
}

/** The container command: the server binary with every setting as `-c key=value`, in a stable order. */
export function serverCommand(settings: Settings): string[] {
  const args = ["postgres", "-D", DATA_DIR];
  for (const key of Object.keys(settings).sort()) {
    args.push("-c", `${key}=${settings[key]}`);
  }
  return args;
}
