/**
 * pg-replication: a PostgreSQL 17 primary and hot standbys on Docker, joined by
 * physical streaming replication with one slot per standby.
 * The module's exports are the stack outputs (see components/outputs.ts).
 */
import * as pulumi from "@pulumi/pulumi";

import { PostgresReplicationCluster } from "./components/cluster";
import { ConfigError, PROJECT, SECRET_KEYS, parseConfig, type ClusterConfig } from "./components/config";

/**
 * Reads every key as the string Pulumi stores. Secret values are read the same
 * way so they can be checked before anything is created; they are wrapped as
 * secrets again at once and never appear in an error.
 */
function loadConfig(): { config: ClusterConfig; secrets: Partial<Record<(typeof SECRET_KEYS)[number], pulumi.Output<string>>> } {
  // All of the project's keys, so that a misspelt key is an error rather than silently ignored.
  const raw: Record<string, string | undefined> = {};
  for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
    if (fullKey.startsWith(`${PROJECT}:`)) raw[fullKey.slice(PROJECT.length + 1)] = value;
  }
  try {
    const config = parseConfig(raw, pulumi.getStack());
    const secrets: Partial<Record<(typeof SECRET_KEYS)[number], pulumi.Output<string>>> = {};
    for (const key of SECRET_KEYS) {
      const value = raw[key];
      if (value !== undefined && value !== "") secrets[key] = pulumi.secret(value);
    }
    return { config, secrets };
  } catch (error) {
    // RunError ends the program with its message alone: a config mistake gets one line, no stack trace.
    if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const { config, secrets } = loadConfig();

const cluster = new PostgresReplicationCluster(config.namePrefix, {
  config,
  superuserPassword: secrets.superuserPassword,
  replicationPassword: secrets.replicationPassword,
});

const info = cluster.info;
export const stack = info.stack;
export const namePrefix = info.namePrefix;
export const networkName = info.networkName;
export const image = info.image;
export const expectedMajorVersion = info.expectedMajorVersion;
export const primaryHost = info.primaryHost;
export const primaryPort = info.primaryPort;
export const primaryContainerName = info.primaryContainerName;
export const replicas = info.replicas;
export const database = info.database;
export const superuser = info.superuser;
export const replicationUser = info.replicationUser;
export const sync = info.sync;
export const settings = info.settings;
export const primaryConnectionString = cluster.primaryConnectionString;
export const replicaConnectionStrings = cluster.replicaConnectionStrings;
