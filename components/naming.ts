/** Names and labels of everything the cluster creates. Pure. */

export const DATA_DIR = "/var/lib/postgresql/data";
export const CONFIG_DIR = "/etc/pg-replication";
/** The port PostgreSQL listens on inside every container. */
export const SERVER_PORT = 5432;
/** Network alias of the primary: standbys and base backups reach it by this name. */
export const PRIMARY_ALIAS = "primary";

export const LABEL_STACK = "pg-replication.stack";
export const LABEL_CLUSTER = "pg-replication.cluster";
export const LABEL_ROLE = "pg-replication.role";

export const primaryName = (prefix: string): string => `${prefix}-primary`;
export const replicaName = (prefix: string, n: number): string => `${prefix}-replica-${n}`;
export const replicaAlias = (n: number): string => `replica-${n}`;
export const slotName = (n: number): string => `replica_${n}`;
export const networkName = (prefix: string): string => `${prefix}-net`;
export const volumeName = (node: string): string => `${node}-data`;

export interface Label {
  readonly label: string;
  readonly value: string;
}

/** Labels put on every container, volume and network, so leftovers can be found by stack. */
export function labelsFor(stack: string, prefix: string, role: string): Label[] {
  return [
    { label: LABEL_STACK, value: stack },
    { label: LABEL_CLUSTER, value: prefix },
    { label: LABEL_ROLE, value: role },
  ];
}
