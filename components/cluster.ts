/**
 * PostgresReplicationCluster: a PostgreSQL primary and its hot standbys on one
 * Docker host. What to build is decided by the pure functions beside this
 * file; this component only maps their results onto resources.
 */
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

import { renderSettingsApply, renderSyncApply } from "./apply";
import { renderBaseBackupCreate, renderBaseBackupDelete, renderBaseBackupUpdate, type BaseBackupInput } from "./basebackup";
import type { ClusterConfig } from "./config";
import { credentialsStdin, renderCredentialsCreate } from "./credentials";
import { bootstrapName, renderBootstrapCreate, renderBootstrapUpdate, type BootstrapInput } from "./bootstrap";
import { ENTRYPOINT_PATH, renderPrimaryEntrypoint, renderStandbyEntrypoint, type ConfigFile } from "./entrypoint";
import { renderHba, renderIdent } from "./hba";
import { majorVersionFromImage } from "./image";
import {
  CONFIG_DIR, DATA_DIR, PRIMARY_ALIAS, SERVER_PORT, labelsFor, networkName, primaryName,
  replicaAlias, replicaName, slotName, volumeName,
} from "./naming";
import type { ClusterOutputs, ReplicaOutput } from "./outputs";

/** The stack outputs that carry no secret. */
export type ClusterInfo = Omit<ClusterOutputs, "primaryConnectionString" | "replicaConnectionStrings">;
import {
  fileSettings, fixedPrimarySettings, fixedStandbySettings, primarySettings, primarySyncStandbyNames,
  serverCommand, standbySettings,
} from "./settings";

export interface PostgresReplicationClusterArgs {
  /** Validated configuration (see config.ts). */
  readonly config: ClusterConfig;
  /** Superuser password; generated and kept in state when absent. */
  readonly superuserPassword?: pulumi.Input<string>;
  /** Password of the replication role; generated and kept in state when absent. */
  readonly replicationPassword?: pulumi.Input<string>;
}

/** PostgreSQL's own shutdown takes a checkpoint; give it time before Docker's SIGKILL. */
const SHUTDOWN_GRACE_SECONDS = 60;

/**
 * pg_isready on the server's socket: "healthy" means the server accepts
 * connections (the bootstrap's temporary server ran in another container).
 */
function healthcheck(superuser: string) {
  return {
    tests: ["CMD-SHELL", `pg_isready -q -h /var/run/postgresql -p ${SERVER_PORT} -U ${superuser} -d postgres`],
    interval: "1s",
    timeout: "5s",
    // Written as Docker reads it back (Go duration form), so a second `pulumi up` sees no change.
    startPeriod: "2m0s",
    retries: 5,
  };
}

/** Clients on the Docker host reach a port bound to every interface through loopback. */
function clientHost(bindAddress: string): string {
  return bindAddress === "0.0.0.0" ? "127.0.0.1" : bindAddress;
}

function connectionString(user: string, password: string, host: string, port: number, database: string): string {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
}

export class PostgresReplicationCluster extends pulumi.ComponentResource {
  /** Everything about the cluster that is not secret. */
  public readonly info: pulumi.Output<ClusterInfo>;
  public readonly primaryConnectionString: pulumi.Output<string>;
  public readonly replicaConnectionStrings: pulumi.Output<string[]>;
  public readonly primary: docker.Container;
  public readonly replicas: docker.Container[];

  constructor(name: string, args: PostgresReplicationClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pg-replication:index:Cluster", name, {}, opts);
    const cfg = args.config;
    const prefix = cfg.namePrefix;
    const child = { parent: this };
    // Every name is fixed, so a replacement must remove the old object first.
    const fixedName = { parent: this, deleteBeforeReplace: true };

    const superuserPassword = pulumi.secret(args.superuserPassword ??
      new random.RandomPassword(`${prefix}-superuser-password`, { length: 32, special: false }, child).result);
    const replicationPassword = pulumi.secret(args.replicationPassword ??
      new random.RandomPassword(`${prefix}-replication-password`, { length: 32, special: false }, child).result);

    // keepLocally: destroying the stack must not delete an image the user may share with other work.
    const image = new docker.RemoteImage(`${prefix}-image`, { name: cfg.image, keepLocally: true }, child);

    const network = new docker.Network(networkName(prefix), {
      name: networkName(prefix),
      driver: "bridge",
      labels: labelsFor(cfg.stack, prefix, "network"),
    }, fixedName);

    const hba = network.ipamConfigs.apply((configs) => {
      const ipv4 = (configs ?? []).find((c) => c.subnet !== undefined && !c.subnet.includes(":"));
      if (ipv4?.subnet === undefined || ipv4.gateway === undefined) {
        throw new Error(`network ${networkName(prefix)} reports no IPv4 subnet and gateway; pg_hba cannot be written`);
      }
      return renderHba({ replicationUser: cfg.replicationUser, superuser: cfg.superuser, subnet: ipv4.subnet, gateway: ipv4.gateway });
    });
    const configFiles = hba.apply((content): ConfigFile[] => [
      { path: `${CONFIG_DIR}/pg_hba.conf`, content },
      { path: `${CONFIG_DIR}/pg_ident.conf`, content: renderIdent(cfg.superuser) },
    ]);
    const entrypointUpload = (render: (files: readonly ConfigFile[]) => string): docker.types.input.ContainerUpload =>
      ({ file: ENTRYPOINT_PATH, content: configFiles.apply(render), permissions: "0755" });

    const nodeContainer = (node: string, role: "primary" | "replica", extra: {
      command: string[]; port: number; alias: string; volume: docker.Volume;
      entrypoint: docker.types.input.ContainerUpload; labels?: { label: string; value: pulumi.Input<string> }[];
    }, dependsOn: pulumi.Resource[]): docker.Container => new docker.Container(node, {
      name: node,
      image: image.imageId,
      hostname: extra.alias,
      entrypoints: [ENTRYPOINT_PATH],
      command: extra.command,
      labels: [...labelsFor(cfg.stack, prefix, role), ...(extra.labels ?? [])],
      restart: "unless-stopped",
      // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, a checkpoint is written.
      stopSignal: "SIGINT",
      stopTimeout: SHUTDOWN_GRACE_SECONDS,
      destroyGraceSeconds: SHUTDOWN_GRACE_SECONDS,
      // For `docker ps` and operators. `up` does not wait on it (the provider's `wait` polls it once a
      // second, and it runs once a second): the commands wait for each node themselves (await_ready).
      healthcheck: healthcheck(cfg.superuser),
      ports: [{ internal: SERVER_PORT, external: extra.port, ip: cfg.bindAddress, protocol: "tcp" }],
      volumes: [{ volumeName: extra.volume.name, containerPath: DATA_DIR }],
      networksAdvanced: [{ name: network.name, aliases: [extra.alias] }],
      uploads: [extra.entrypoint],
    }, { ...fixedName, dependsOn });

    const primaryNode = primaryName(prefix);
    const primaryVolume = new docker.Volume(volumeName(primaryNode), {
      name: volumeName(primaryNode),
      labels: labelsFor(cfg.stack, prefix, "primary"),
    }, fixedName);
    const bootstrapInput: BootstrapInput = {
      stack: cfg.stack, namePrefix: prefix, primaryContainer: primaryNode, volumeName: volumeName(primaryNode),
      image: cfg.image, superuser: cfg.superuser, replicationUser: cfg.replicationUser,
      database: cfg.database, hasInitSql: cfg.initSql !== "",
    };
    // Needs the image and the volume, not the network: it runs while the network is being created.
    const bootstrap = new command.local.Command(bootstrapName(primaryNode), {
      create: renderBootstrapCreate(bootstrapInput),
      update: renderBootstrapUpdate(bootstrapInput),
      ...(cfg.initSql !== "" ? { stdin: cfg.initSql } : {}),
      // A new primary volume is empty and is bootstrapped again; nothing else makes a new cluster.
      triggers: [primaryVolume.name],
    }, { parent: this, dependsOn: [image, primaryVolume] });
    // Nothing that changes in the cluster's life is in a container's inputs: a change
    // there would replace the container. Passwords, settings and the standby list are
    // applied to the running nodes by the three commands below.
    this.primary = nodeContainer(primaryNode, "primary", {
      command: serverCommand(fixedPrimarySettings()),
      port: cfg.primaryPort,
      alias: PRIMARY_ALIAS,
      volume: primaryVolume,
      entrypoint: entrypointUpload(renderPrimaryEntrypoint),
    }, [bootstrap]);

    // A new primary volume is a new, empty server: every command must run again on it.
    const onNewPrimaryVolume = [primaryVolume.name];
    // A new primary container (same data) must be waited for before anything uses it: the settings command does that.
    const onNewPrimaryContainer = [primaryVolume.name, this.primary.id];
    const settings = new command.local.Command(`${prefix}-settings`, {
      create: renderSettingsApply({
        stack: cfg.stack, namePrefix: prefix, primaryContainer: primaryNode, superuser: cfg.superuser,
        settings: fileSettings(cfg),
      }),
      triggers: onNewPrimaryContainer,
    }, { parent: this, dependsOn: [this.primary] });

    const credentials = new command.local.Command(`${prefix}-credentials`, {
      create: renderCredentialsCreate({
        namePrefix: prefix, primaryContainer: primaryNode,
        superuser: cfg.superuser, replicationUser: cfg.replicationUser,
      }),
      stdin: pulumi.secret(pulumi.all([superuserPassword, replicationPassword]).apply(([su, repl]) => credentialsStdin(su, repl))),
      triggers: onNewPrimaryVolume,
    }, {
      parent: this,
      // After the settings command, which may restart nodes: a restart would break off the
      // password change, and a standby restarted before its stored password is written
      // could not connect.
      dependsOn: [this.primary, settings],
    });

    this.replicas = [];
    const replicaOutputs: ReplicaOutput[] = [];
    const host = clientHost(cfg.bindAddress);
    for (let n = 1; n <= cfg.replicas; n++) {
      const node = replicaName(prefix, n);
      const volume = new docker.Volume(volumeName(node), {
        name: volumeName(node),
        labels: labelsFor(cfg.stack, prefix, "replica"),
      }, fixedName);
      const backup: BaseBackupInput = {
        stack: cfg.stack, namePrefix: prefix, primaryContainer: primaryNode, standbyContainer: node,
        slot: slotName(n), superuser: cfg.superuser, replicationUser: cfg.replicationUser,
        volumeName: volumeName(node), image: cfg.image,
      };
      const seed = new command.local.Command(`${node}-basebackup`, {
        create: renderBaseBackupCreate(backup),
        delete: renderBaseBackupDelete(backup),
        stdin: replicationPassword,
        update: renderBaseBackupUpdate(backup),
        // Only new data needs a new base backup: this standby's volume, or the primary's.
        // A new primary container on the same volume is the same server; its standbys follow it.
        triggers: [volume.name, primaryVolume.name],
      }, {
        parent: this,
        // The base backup copies the settings file and needs the replication password set.
        dependsOn: [this.primary, volume, credentials, settings],
        // The old command's delete drops the slot: on replacement it must run before the new base backup, not after.
        deleteBeforeReplace: true,
      });
      this.replicas.push(nodeContainer(node, "replica", {
        command: serverCommand(fixedStandbySettings(n)),
        port: cfg.firstReplicaPort + n - 1,
        alias: replicaAlias(n),
        volume,
        entrypoint: entrypointUpload(renderStandbyEntrypoint),
        // A new base backup means a new standby container: the label ties the two.
        labels: [{ label: "pg-replication.basebackup", value: seed.id }],
      }, [seed]));
      replicaOutputs.push({
        index: n, containerName: node, host, port: cfg.firstReplicaPort + n - 1,
        slot: slotName(n), applicationName: slotName(n),
      });
    }

    new command.local.Command(`${prefix}-sync`, {
      create: renderSyncApply({ namePrefix: prefix, primaryContainer: primaryNode, superuser: cfg.superuser, standbyNames: primarySyncStandbyNames(cfg) }),
      // Runs again for every new standby container, and waits until each accepts connections.
      triggers: [primaryVolume.name, ...this.replicas.map((r) => r.id)],
    }, { parent: this, dependsOn: [this.primary, ...this.replicas, settings] });

    const shownPrimarySettings = primarySettings(cfg);
    // cluster_name is the one standby setting that differs per standby.
    const { cluster_name: _perStandby, ...shownStandbySettings } = standbySettings(cfg, 1);
    const created = pulumi.all([this.primary.id, pulumi.all(this.replicas.map((r) => r.id))]);
    this.info = created.apply((): ClusterInfo => ({
      stack: cfg.stack,
      namePrefix: prefix,
      networkName: networkName(prefix),
      image: cfg.image,
      expectedMajorVersion: majorVersionFromImage(cfg.image),
      primaryHost: host,
      primaryPort: cfg.primaryPort,
      primaryContainerName: primaryNode,
      replicas: replicaOutputs,
      database: cfg.database,
      superuser: cfg.superuser,
      replicationUser: cfg.replicationUser,
      sync: {
        mode: cfg.syncMode,
        count: cfg.syncMode === "off" ? 0 : cfg.syncCount,
        synchronousCommit: cfg.synchronousCommit,
        standbyNames: shownPrimarySettings.synchronous_standby_names ?? "",
      },
      settings: { primary: shownPrimarySettings, standby: shownStandbySettings },
    }));
    this.primaryConnectionString = pulumi.secret(pulumi.all([superuserPassword, created]).apply(([password]) =>
      connectionString(cfg.superuser, password, host, cfg.primaryPort, cfg.database)));
    this.replicaConnectionStrings = pulumi.secret(pulumi.all([superuserPassword, created]).apply(([password]) =>
      replicaOutputs.map((r) => connectionString(cfg.superuser, password, host, r.port, cfg.database))));

    this.registerOutputs({
      info: this.info,
      primaryConnectionString: this.primaryConnectionString,
      replicaConnectionStrings: this.replicaConnectionStrings,
    });
  }
}
