import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeError, oneLine, type Described } from "../../../scripts/lib/errors";

const at = "127.0.0.1:25431";
const err = (code: string, message: string): Error => Object.assign(new Error(message), { code });

describe("every mapped error code: kind (exit code) and hint (mutation-testing follow-up)", () => {
  const cases: [string, string, Described][] = [
    ["EAI_AGAIN", "getaddrinfo EAI_AGAIN db", { kind: "unreachable", message: `cannot connect to ${at} (host name does not resolve): check the host in the outputs` }],
    ["EHOSTUNREACH", "connect EHOSTUNREACH", { kind: "unreachable", message: `cannot connect to ${at} (no route to host): check the host in the outputs` }],
    ["ENETUNREACH", "connect ENETUNREACH", { kind: "unreachable", message: `cannot connect to ${at} (no route to host): check the host in the outputs` }],
    ["ECONNRESET", "read ECONNRESET", { kind: "unreachable", message: `connection to ${at} was reset: is PostgreSQL running in the container?` }],
    ["EPIPE", "write EPIPE", { kind: "unreachable", message: `connection to ${at} was reset: is PostgreSQL running in the container?` }],
    ["ETIMEDOUT", "connect ETIMEDOUT", { kind: "timeout", message: `cannot connect to ${at} (no answer within 2.5 s): is the container running and the port published?` }],
    [
      "28000",
      'no pg_hba.conf entry for host "172.17.0.1", user "postgres"\nDETAIL: x',
      { kind: "auth", message: `${at} rejected the connection (no pg_hba.conf entry for host "172.17.0.1", user "postgres"): check pg_hba and the user in the outputs` },
    ],
    ["3D000", 'database "app" does not exist', { kind: "auth", message: `${at}: database "app" does not exist: check \`database\` in the outputs` }],
    ["53300", "sorry, too many clients already", { kind: "unreachable", message: `${at}: too many connections: sorry, too many clients already` }],
  ];
  for (const [code, message, expected] of cases) {
    it(code, () => {
      assert.deepEqual(describeError(err(code, message), at, 2500), expected);
    });
  }

  it("a wrong password without a known user says so with a placeholder", () => {
    assert.match(describeError(err("28P01", "password authentication failed"), at, 5000).message, /^password authentication failed for user "\?" at /);
  });

  it("a client-side query read timeout names the endpoint and the bound", () => {
    assert.deepEqual(describeError(new Error("Query read timeout"), at, 1500), {
      kind: "timeout",
      message: `${at} did not answer a query within 1.5 s: is the server paused or overloaded?`,
    });
  });
});

describe("anything thrown becomes one line", () => {
  it("null and undefined are described, not a TypeError", () => {
    assert.deepEqual(describeError(null, at, 5000), { kind: "query", message: `${at}: null` });
    assert.deepEqual(describeError(undefined, at, 5000), { kind: "query", message: `${at}: undefined` });
    assert.equal(oneLine(null), "null");
  });

  it("the first line is trimmed", () => {
    assert.equal(oneLine(new Error("  boom  \nDETAIL: more")), "boom");
  });
});
