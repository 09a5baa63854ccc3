import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateOutputs } from "../../../scripts/lib/outputs";
import { outputsJson, PASSWORD } from "./fixtures";

/** Runs validateOutputs and returns its one-line message. */
function problem(value: unknown): string {
  try {
    validateOutputs(value);
  } catch (err) {
    return (err as Error).message;
  }
  assert.fail("expected the outputs to be rejected");
}

function edit(mutate: (o: Record<string, unknown>) => void): Record<string, unknown> {
  const o = outputsJson();
  mutate(o);
  return o;
}

const pw = encodeURIComponent(PASSWORD);
const sync = (o: Record<string, unknown>): Record<string, unknown> => o.sync as Record<string, unknown>;

describe("outputs validation messages (mutation-testing follow-up)", () => {
  it("describes the offending value by kind: object, number, boolean", () => {
    assert.equal(problem(edit((o) => (o.stack = {}))), "stack must be a string, got an object");
    assert.equal(problem(edit((o) => (o.stack = 5))), "stack must be a string, got number 5");
    assert.equal(problem(edit((o) => (o.primaryPort = true))), "primaryPort must be an integer, got boolean true");
    assert.equal(problem(edit((o) => (o.primaryPort = 1.5))), "primaryPort must be an integer, got number 1.5");
  });

  it("quotes a string value of up to 40 characters whole and cuts a longer one", () => {
    const forty = "x".repeat(40);
    assert.equal(problem(edit((o) => (sync(o).mode = forty))), `sync.mode must be one of off, first, any, got "${forty}"`);
    const fifty = `${"y".repeat(40)}${"z".repeat(10)}`;
    assert.equal(problem(edit((o) => (sync(o).mode = fifty))), `sync.mode must be one of off, first, any, got "${"y".repeat(40)}..."`);
  });

  it("rejects a root or section that is a string", () => {
    assert.equal(problem("outputs"), 'outputs must be an object, got "outputs"');
    assert.equal(problem(edit((o) => (o.sync = "off"))), 'sync must be an object, got "off"');
  });

  it("rejects empty strings where a value is required, but not for standbyNames", () => {
    assert.equal(problem(edit((o) => (o.stack = ""))), "stack must not be empty");
    assert.equal(problem(edit((o) => (o.superuser = ""))), "superuser must not be empty");
    assert.equal(validateOutputs(edit((o) => (sync(o).standbyNames = ""))).outputs.sync.standbyNames, "");
  });

  it("checks integer ranges at both ends, inclusive", () => {
    assert.equal(problem(edit((o) => (o.primaryPort = 0))), "primaryPort must be between 1 and 65535, got 0");
    assert.equal(validateOutputs(edit((o) => (sync(o).count = 1000))).outputs.sync.count, 1000);
    assert.equal(problem(edit((o) => (sync(o).count = 1001))), "sync.count must be between 0 and 1000, got 1001");
  });

  it("accepts major versions from 9 and rejects older ones", () => {
    assert.equal(validateOutputs(edit((o) => (o.expectedMajorVersion = 9))).outputs.expectedMajorVersion, 9);
    assert.equal(validateOutputs(edit((o) => (o.expectedMajorVersion = null))).outputs.expectedMajorVersion, null);
    assert.equal(problem(edit((o) => (o.expectedMajorVersion = 8))), "expectedMajorVersion must be a major version number or null, got number 8");
  });

  it("requires a count of at least 1 when synchronous replication is on", () => {
    assert.equal(problem(edit((o) => (o.sync = { mode: "first", count: 0, synchronousCommit: "on", standbyNames: "" }))), "sync.count must be at least 1 when mode is first, got 0");
    assert.equal(validateOutputs(edit((o) => (o.sync = { mode: "any", count: 1, synchronousCommit: "on", standbyNames: "" }))).outputs.sync.count, 1);
  });

  it("names the standby connection string that is wrong", () => {
    assert.equal(problem(edit((o) => ((o.replicaConnectionStrings as unknown[])[1] = 5))), "replicaConnectionStrings[1] must be a string, got number 5");
    assert.equal(problem(edit((o) => (o.replicaConnectionStrings = [(o.replicaConnectionStrings as string[])[0]]))), "replicaConnectionStrings has 1 entries but there are 2 replicas");
    assert.equal(
      problem(edit((o) => ((o.replicaConnectionStrings as string[])[1] = `postgresql://postgres:${pw}@127.0.0.1:25431/postgres`))),
      "replicaConnectionStrings[1] points at 127.0.0.1:25431, but the outputs declare that node at 127.0.0.1:25432",
    );
  });

  it("rejects a connection string whose host or database differs from the outputs", () => {
    assert.equal(
      problem(edit((o) => (o.primaryConnectionString = `postgresql://postgres:${pw}@localhost:25430/postgres`))),
      "primaryConnectionString points at localhost:25430, but the outputs declare that node at 127.0.0.1:25430",
    );
    assert.equal(
      problem(edit((o) => (o.primaryConnectionString = `postgresql://postgres:${pw}@127.0.0.1:25430/app`))),
      'primaryConnectionString connects to database "app", but database is "postgres"',
    );
  });
});
