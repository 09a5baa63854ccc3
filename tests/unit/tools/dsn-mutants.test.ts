import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { endpoint, maskDsn, parseDsn } from "../../../scripts/lib/dsn";

function dsnProblem(dsn: string): string {
  try {
    parseDsn(dsn, "primaryConnectionString");
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail(`expected ${dsn} to be rejected`);
}

describe("connection string problems, named exactly (mutation-testing follow-up)", () => {
  it("a DSN without a host says so, also when the // is missing", () => {
    assert.equal(dsnProblem("postgresql:///postgres"), "primaryConnectionString has no host");
    assert.equal(dsnProblem("postgresql:postgres:pw@127.0.0.1/postgres"), "primaryConnectionString has no host");
  });

  it("a DSN without a user says so", () => {
    assert.equal(dsnProblem("postgresql://:pw@127.0.0.1:5432/postgres"), "primaryConnectionString has no user");
  });

  it("names which part is badly percent-encoded, and never prints it", () => {
    assert.equal(dsnProblem("postgresql://postgres:se%ZZcret@127.0.0.1/postgres"), "primaryConnectionString has a badly percent-encoded password");
    assert.equal(dsnProblem("postgresql://pg%ZZ:pw@127.0.0.1/postgres"), "primaryConnectionString has a badly percent-encoded user");
    assert.equal(dsnProblem("postgresql://postgres:pw@127.0.0.1/db%ZZ"), "primaryConnectionString has a badly percent-encoded database");
  });
});

describe("endpoints and masked DSNs", () => {
  it("brackets an IPv6 address in host:port, and only then", () => {
    assert.equal(endpoint("::1", 5432), "[::1]:5432");
    assert.equal(endpoint("127.0.0.1", 25430), "127.0.0.1:25430");
  });

  it("does not invent a password for a DSN that has none", () => {
    assert.equal(maskDsn("postgresql://postgres@127.0.0.1:5432/postgres"), "postgresql://postgres@127.0.0.1:5432/postgres");
  });
});
