import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { renderHba, renderIdent } from "../../../components/hba";

/** The rules of a pg_hba file, comments and blank lines dropped, fields split. */
function rules(hba: string): string[][] {
  return hba.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => l.trim().split(/\s+/));
}

function ipv4(address: string): number {
  return address.split(".").reduce((n, part) => n * 256 + Number(part), 0);
}

function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
}

describe("pg_hba", () => {
  const hba = renderHba({ replicationUser: "replicator", superuser: "postgres", subnet: "172.20.0.0/16", gateway: "172.20.0.1" });
  const lines = rules(hba);
  /**
   * The rule PostgreSQL would pick for a TCP connection: the first whose type,
   * database, user and address all match. As in PostgreSQL, `all` in the
   * database column does not match a replication connection.
   */
  const firstMatch = (type: string, db: string, user: string, address: string) =>
    lines.find((r) => r[0] === type
      && (r[1] === db || (r[1] === "all" && db !== "replication"))
      && (r[2] === user || r[2] === "all")
      && (r[3] === "all" || inCidr(address, r[3])));

  it("has no trust rule anywhere", () => {
    assert.ok(lines.every((r) => !r.includes("trust")));
  });

  it("allows replication only for the replication role, from the cluster subnet, with scram-sha-256", () => {
    const allowed = lines.filter((r) => r[1] === "replication" && r[r.length - 1] !== "reject");
    assert.deepEqual(allowed, [["host", "replication", "replicator", "172.20.0.0/16", "scram-sha-256"]]);
  });

  it("rejects replication from the gateway, where host clients come in through published ports", () => {
    const gatewayRule = lines.findIndex((r) => r[1] === "replication" && r[3] === "172.20.0.1/32");
    const subnetRule = lines.findIndex((r) => r[1] === "replication" && r[3] === "172.20.0.0/16");
    assert.ok(gatewayRule >= 0 && gatewayRule < subnetRule, "gateway reject comes first");
    assert.equal(lines[gatewayRule][4], "reject");
  });

  it("lets a standby on the cluster network stream as the replication role, with a password", () => {
    assert.deepEqual(firstMatch("host", "replication", "replicator", "172.20.0.5")?.slice(-1), ["scram-sha-256"]);
  });

  it("rejects replication through the gateway, from outside the network, and for any other role", () => {
    assert.deepEqual(firstMatch("host", "replication", "replicator", "172.20.0.1")?.slice(-1), ["reject"]);
    assert.deepEqual(firstMatch("host", "replication", "replicator", "10.1.2.3")?.slice(-1), ["reject"]);
    assert.deepEqual(firstMatch("host", "replication", "postgres", "172.20.0.5")?.slice(-1), ["reject"]);
  });

  it("refuses the replication role on normal databases, from anywhere", () => {
    assert.deepEqual(firstMatch("host", "postgres", "replicator", "172.20.0.5")?.slice(-1), ["reject"]);
    assert.deepEqual(firstMatch("host", "postgres", "replicator", "172.20.0.1")?.slice(-1), ["reject"]);
  });

  it("asks everyone else for a scram-sha-256 password over TCP", () => {
    assert.deepEqual(firstMatch("host", "app", "postgres", "172.20.0.1"), ["host", "all", "all", "all", "scram-sha-256"]);
  });

  it("holds nothing but rules PostgreSQL can parse and comments, and ends with a newline", () => {
    assert.ok(hba.endsWith("scram-sha-256\n"), JSON.stringify(hba.slice(-40)));
    for (const rule of lines) {
      // local: database, user, method, option; host: database, user, address, method.
      assert.ok(["local", "host"].includes(rule[0]) && rule.length === 5, rule.join(" "));
    }
  });

  it("uses peer authentication through the ident map for local sockets", () => {
    assert.deepEqual(lines[0], ["local", "all", "all", "peer", "map=local"]);
    assert.match(renderIdent("admin"), /^local\s+postgres\s+admin$/m);
    assert.match(renderIdent("admin"), /^local\s+root\s+admin$/m);
  });
});
