/** pg_hba.conf and pg_ident.conf for every node. Pure. */

export interface HbaInput {
  readonly replicationUser: string;
  readonly superuser: string;
  /** CIDR of the cluster network, e.g. 172.20.0.0/16. */
  readonly subnet: string;
  /** The network's gateway: clients on the Docker host arrive from it through published ports. */
  readonly gateway: string;
}

/**
 * Rules are matched top to bottom and the first match decides, so the rejects
 * come before the rule they narrow. No rule is `trust`: local connections use
 * `peer` mapped through pg_ident, everything over TCP uses scram-sha-256.
 */
export function renderHba(input: HbaInput): string {
  const { replicationUser, subnet, gateway } = input;
  const gatewayCidr = gateway.includes(":") ? `${gateway}/128` : `${gateway}/32`;
  return [
    "# Written by pg-replication. Changes here are replaced on the next deploy.",
    "# TYPE  DATABASE     USER                ADDRESS             METHOD",
    "local   all          all                                     peer map=local",
    "# Replication is for standbys on the cluster network. The host reaches the",
    "# published port through the gateway, which sits inside that subnet.",
    `host    replication  all                 ${gatewayCidr.padEnd(19)} reject`,
    `host    replication  ${replicationUser.padEnd(19)} ${subnet.padEnd(19)} scram-sha-256`,
    "host    replication  all                 all                 reject",
    "# The replication role streams WAL and does nothing else.",
    `host    all          ${replicationUser.padEnd(19)} all                 reject`,
    "host    all          all                 all                 scram-sha-256",
    "",
  ].join("\n");
}

/**
 * Maps the container's OS users to the superuser role for local socket access
 * (`docker exec`, the healthcheck). Whoever is root or postgres inside the
 * container owns the data files anyway.
 */
export function renderIdent(superuser: string): string {
  return [
    "# Written by pg-replication.",
    "# MAPNAME  SYSTEM-USERNAME  PG-USERNAME",
    `local      postgres         ${superuser}`,
    `local      root             ${superuser}`,
    "",
  ].join("\n");
}
