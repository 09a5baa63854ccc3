import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeError } from "../../../scripts/lib/errors";

const at = "127.0.0.1:25431";
const err = (fields: { code?: string; message: string }): Error => Object.assign(new Error(fields.message), fields.code !== undefined ? { code: fields.code } : {});

describe("mapping connection errors to one line", () => {
  it("connection refused: the container is probably not running", () => {
    assert.deepEqual(describeError(err({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:25431" }), at, 5000), {
      kind: "unreachable",
      message: "cannot connect to 127.0.0.1:25431 (connection refused): is the container running?",
    });
  });

  it("wrong password names the user and where to get the right one", () => {
    const d = describeError(err({ code: "28P01", message: 'password authentication failed for user "postgres"' }), at, 5000, "postgres");
    assert.equal(d.kind, "auth");
    assert.match(d.message, /^password authentication failed for user "postgres" at 127\.0\.0\.1:25431: the password in the outputs does not match/);
  });

  it("pg's connect timeout names the timeout", () => {
    const d = describeError(err({ message: "timeout expired" }), at, 5000);
    assert.equal(d.kind, "timeout");
    assert.equal(d.message, "cannot connect to 127.0.0.1:25431 (no answer within 5 s): is the container running and the port published?");
  });

  it("a client-side read timeout and a statement timeout are timeouts", () => {
    assert.equal(describeError(err({ message: "Query read timeout" }), at, 1500).kind, "timeout");
    assert.match(describeError(err({ code: "57014", message: "canceling statement due to statement timeout" }), at, 1500).message, /cancelled after 1\.5 s/);
  });

  it("a host name that does not resolve", () => {
    assert.match(describeError(err({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND db" }), "db:5432", 5000).message, /^cannot connect to db:5432 \(host name does not resolve\)/);
  });

  it("a port that accepts and hangs up: Docker's proxy with no server behind it", () => {
    const d = describeError(err({ message: "Connection terminated unexpectedly" }), at, 5000);
    assert.equal(d.kind, "unreachable");
    assert.match(d.message, /closed before the server answered: is PostgreSQL running in the container\?/);
  });

  it("a server still starting up", () => {
    assert.match(describeError(err({ code: "57P03", message: "the database system is starting up" }), at, 5000).message, /not accepting connections yet/);
  });

  it("anything else keeps the first line of the message and the SQLSTATE", () => {
    assert.deepEqual(describeError(err({ code: "XX000", message: "boom\nDETAIL: more" }), at, 5000), { kind: "query", message: "127.0.0.1:25431: boom (XX000)" });
    assert.equal(describeError("plain string", at, 5000).message, "127.0.0.1:25431: plain string");
  });
});
