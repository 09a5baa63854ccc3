/**
 * The stack outputs of the program, as `pulumi stack output --json --show-secrets`
 * prints them. The operator tools (`scripts/`) read exactly this shape.
 */

export type SyncMode = "off" | "first" | "any";
export type SynchronousCommit = "on" | "remote_write" | "remote_apply";

/** One hot standby, in standby order (index 1..replicas). */
export interface ReplicaOutput {
  /** 1-based standby number. */
  readonly index: number;
  /** Container name, `<prefix>-replica-<index>`. */
  readonly containerName: string;
  /** Host address the standby's port is published on (for clients on this host). */
  readonly host: string;
  readonly port: number;
  /** Physical replication slot on the primary, `replica_<index>`. */
  readonly slot: string;
  /** `cluster_name` of the standby: its `application_name` in `pg_stat_replication`. */
  readonly applicationName: string;
}

export interface ClusterOutputs {
  readonly stack: string;
  readonly namePrefix: string;
  readonly networkName: string;
  readonly image: string;
  /** PostgreSQL major version read from the image tag (17 for `postgres:17`), null when the tag does not say. */
  readonly expectedMajorVersion: number | null;
  readonly primaryHost: string;
  readonly primaryPort: number;
  readonly primaryContainerName: string;
  readonly replicas: readonly ReplicaOutput[];
  readonly database: string;
  readonly superuser: string;
  readonly replicationUser: string;
  readonly sync: {
    readonly mode: SyncMode;
    readonly count: number;
    readonly synchronousCommit: SynchronousCommit;
    /** The rendered `synchronous_standby_names` ("" when mode is off). */
    readonly standbyNames: string;
  };
  /** Server settings passed as `-c key=value`, as PostgreSQL will report them in `SHOW`. */
  readonly settings: {
    readonly primary: Readonly<Record<string, string>>;
    readonly standby: Readonly<Record<string, string>>;
  };
  /** Secret: `postgresql://<superuser>:<password>@<host>:<port>/<database>`. */
  readonly primaryConnectionString: string;
  /** Secret: one per standby, in the order of `replicas`. */
  readonly replicaConnectionStrings: readonly string[];
}
