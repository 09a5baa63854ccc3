/**
 * PostgreSQL server settings for each node. Pure.
 *
 * Two kinds, kept apart because Docker cannot change a container's command in
 * place (a new command means a new container: the docker provider replaces it):
 * - fixed settings, the same for a node's whole life, go on the container's
 *   command line as `-c key=value`;
 * - every setting a user can change lives in one file in each node's data
 *   directory, `pg-replication.conf` (the server's config_file), which the
 *   `<prefix>-settings` command writes and applies by reload or restart.
 *   The file is the same on every node, and a base backup copies it.
 */
import type { ClusterConfig } from "./config";
import { CONFIG_DIR, DATA_DIR, SERVER_PORT, slotName } from "./naming";
import type { SyncMode } from "./outputs";

export type Settings = Readonly<Record<string, string>>;

/** The server's main config file: the settings file, which includes initdb's postgresql.conf first. */
export const SETTINGS_FILE = `${DATA_DIR}/pg-replication.conf`;

/**
 * PostgreSQL 17's settings of context `postmaster` (`SELECT name FROM pg_settings
 * WHERE context = 'postmaster'`): a new value takes effect only after a restart.
 * Every other setting takes effect on reload (or per session). Used to say in
 * the rendered file, and so in `pulumi preview --diff`, what a change costs; the
 * apply step itself asks the server (pg_file_settings) and does not rely on it.
 */
export const RESTART_SETTINGS: ReadonlySet<string> = new Set([
  "archive_mode", "autovacuum_freeze_max_age", "autovacuum_max_workers", "autovacuum_multixact_freeze_max_age",
  "bonjour", "bonjour_name", "cluster_name", "commit_timestamp_buffers", "config_file", "data_directory",
  "data_sync_retry", "debug_io_direct", "dynamic_shared_memory_type", "event_source", "external_pid_file",
  "hba_file", "hot_standby", "huge_page_size", "huge_pages", "ident_file", "ignore_invalid_pages", "jit_provider",
  "listen_addresses", "logging_collector", "max_connections", "max_files_per_process", "max_locks_per_transaction",
  "max_logical_replication_workers", "max_notify_queue_pages", "max_pred_locks_per_transaction",
  "max_prepared_transactions", "max_replication_slots", "max_wal_senders", "max_worker_processes",
  "min_dynamic_shared_memory", "multixact_member_buffers", "multixact_offset_buffers", "notify_buffers", "port",
  "recovery_target", "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn",
  "recovery_target_name", "recovery_target_time", "recovery_target_timeline", "recovery_target_xid",
  "reserved_connections", "serializable_buffers", "shared_buffers", "shared_memory_type", "shared_preload_libraries",
  "subtransaction_buffers", "superuser_reserved_connections", "trace_connection_negotiation",
  "track_activity_query_size", "track_commit_timestamp", "transaction_buffers", "unix_socket_directories",
  "unix_socket_group", "unix_socket_permissions", "wal_buffers", "wal_decode_buffer_size", "wal_level", "wal_log_hints",
]);

/**
 * PostgreSQL docs, "Hot Standby", administrator's overview: on a standby these
 * must be at least the primary's, or recovery pauses and the standby serves no
 * queries. So an increase restarts the standbys first, a decrease the primary first.
 */
export const HOT_STANDBY_SENSITIVE = [
  "max_connections", "max_prepared_transactions", "max_locks_per_transaction", "max_wal_senders", "max_worker_processes",
] as const;

export type ApplyBy = "reload" | "restart";

export function applyBy(setting: string): ApplyBy {
  return RESTART_SETTINGS.has(setting) ? "restart" : "reload";
}

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

/** The primary's synchronous_standby_names for this config: the standbys it has, by their cluster_name. */
export function primarySyncStandbyNames(config: ClusterConfig): string {
  const standbys = Array.from({ length: config.replicas }, (_, i) => slotName(i + 1));
  return synchronousStandbyNames(config.syncMode, config.syncCount, standbys);
}

/** Settings no config key changes, so that any standby can be promoted and serve as primary as it is. */
function fixed(clusterName: string): Record<string, string> {
  return {
    config_file: SETTINGS_FILE,
    cluster_name: clusterName,
    listen_addresses: "*",
    port: String(SERVER_PORT),
    hba_file: `${CONFIG_DIR}/pg_hba.conf`,
    ident_file: `${CONFIG_DIR}/pg_ident.conf`,
    password_encryption: "scram-sha-256",
    wal_level: "replica",
    // Lets pg_rewind bring an old primary back as a standby after a failover drill.
    wal_log_hints: "on",
    hot_standby: "on",
    hot_standby_feedback: "on",
    // After the primary restarts, a standby retries streaming after this long (default 5s);
    // commits that wait for synchronous standbys wait that long too.
    wal_retrieve_retry_interval: "1s",
  };
}

/**
 * The command-line settings of a standby add two that a promoted standby
 * needs: it waits for no standby itself, so it accepts commits at once. The
 * command line outranks the settings file and postgresql.auto.conf, which a
 * base backup copies from the primary.
 */
export function fixedPrimarySettings(): Settings {
  return fixed("primary");
}

export function fixedStandbySettings(n: number): Settings {
  return { ...fixed(slotName(n)), synchronous_standby_names: "", synchronous_commit: "on" };
}

/**
 * Everything in the settings file. synchronous_standby_names is not here: it
 * names the standbys, so it is set after they exist (`<prefix>-sync`), else a
 * new FIRST/ANY list would make commits wait for standbys not yet seeded.
 */
export function fileSettings(config: ClusterConfig): Settings {
  return {
    // A hot standby refuses to serve when these are lower than on its primary.
    max_wal_senders: String(config.maxWalSenders),
    max_replication_slots: String(config.maxReplicationSlots),
    wal_keep_size: config.walKeepSize,
    // An inactive slot retains WAL without bound; the cap invalidates the slot instead of filling the disk.
    max_slot_wal_keep_size: config.maxSlotWalKeepSize,
    synchronous_commit: config.synchronousCommit,
    ...config.postgresSettings,
  };
}

/** What the primary runs with: its command line, the file, and its standby list. */
export function primarySettings(config: ClusterConfig): Settings {
  return { ...fileSettings(config), ...fixedPrimarySettings(), synchronous_standby_names: primarySyncStandbyNames(config) };
}

/** What standby n runs with: the file, overridden by its command line. */
export function standbySettings(config: ClusterConfig, n: number): Settings {
  return { ...fileSettings(config), ...fixedStandbySettings(n) };
}

/** A value as a quoted string in a PostgreSQL config file: `'` doubled, `\` escaped. */
export function configValue(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/**
 * The settings file, the same on every node. Each line says whether a change
 * of it is applied by reload or needs a restart, so `pulumi preview --diff`
 * shows the cost of a change before it happens.
 */
export function renderSettingsFile(settings: Settings): string {
  const lines = [
    "# Written by pg-replication on every `pulumi up`; edit the stack's config instead.",
    "# initdb's file first, so that every line below overrides it.",
    "include_if_exists = 'postgresql.conf'",
  ];
  for (const key of Object.keys(settings).sort()) {
    lines.push(`${key} = ${configValue(settings[key])}  # ${applyBy(key)}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The libraries a shared_preload_libraries value names, as PostgreSQL reads the
 * list: comma-separated, blanks around each name dropped, a name in double
 * quotes taken as it is. Pure.
 */
export function libraryList(value: string): string[] {
  const names: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"') {
      if (quoted && value[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (c === "," && !quoted) {
      names.push(current.trim());
      current = "";
    } else {
      current += c;
    }
  }
  names.push(current.trim());
  return names.filter((n) => n !== "");
}

/**
 * Where the server will look for the libraries of shared_preload_libraries
 * (each with or without the platform's suffix): a plain name in its library
 * directory (`$libdir`), given here relative to it; `$libdir/...` there too; an
 * absolute path as it is. Left out: a relative path with a `/` (the server
 * takes it relative to the data directory), and every name when the file sets
 * dynamic_library_path, whose directories the server searches itself. Pure.
 */
export function preloadLibraryPaths(settings: Settings): string[] {
  if (settings["dynamic_library_path"] !== undefined) return [];
  const paths: string[] = [];
  for (const name of libraryList(settings["shared_preload_libraries"] ?? "")) {
    if (name.startsWith("/")) paths.push(name);
    else if (name.startsWith("$libdir/")) paths.push(name.slice("$libdir/".length));
    else if (!name.includes("/")) paths.push(name);
  }
  return paths;
}

/** The container command: the server binary with every fixed setting as `-c key=value`, in a stable order. */
export function serverCommand(settings: Settings): string[] {
  const args = ["postgres", "-D", DATA_DIR];
  for (const key of Object.keys(settings).sort()) {
    args.push("-c", `${key}=${settings[key]}`);
  }
  return args;
}
