import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { maskDsn, parseDsn } from "../../../scripts/lib/dsn";
import { FatalError } from "../../../scripts/lib/errors";
import { validateOutputs } from "../../../scripts/lib/outputs";
import { jsonErrorWhere, loadOutputs } from "../../../scripts/lib/source";
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

describe("validating the stack outputs", () => {
  it("accepts what the program writes, with the connection strings parsed", () => {
    const l = validateOutputs(outputsJson());
    assert.equal(l.outputs.replicas.length, 2);
    assert.deepEqual(l.primaryConn, { host: "127.0.0.1", port: 25430, user: "postgres", password: PASSWORD, database: "postgres" });
    assert.equal(l.replicaConns[1].port, 25432);
  });

  it("names a missing field", () => {
    assert.equal(problem(edit((o) => delete o.primaryPort)), "primaryPort is missing");
  });

  it("names a field of the wrong type, with its path", () => {
    assert.match(problem(edit((o) => ((o.replicas as Record<string, unknown>[])[1].port = "25432"))), /^replicas\[1\]\.port must be an integer, got "25432"$/);
    assert.match(problem(edit((o) => (o.replicas = {}))), /^replicas must be an array/);
    assert.match(problem(edit((o) => (o.expectedMajorVersion = "17"))), /^expectedMajorVersion must be a major version number or null/);
    assert.match(problem(edit((o) => ((o.settings as { standby: Record<string, unknown> }).standby.hot_standby = true))), /^settings\.standby\.hot_standby must be a string/);
  });

  it("rejects a root that is not an object", () => {
    assert.match(problem([]), /^outputs must be an object, got an array/);
    assert.match(problem(null), /^outputs must be an object, got null/);
  });

  it("rejects an unknown sync mode and a port out of range", () => {
    assert.match(problem(edit((o) => ((o.sync as Record<string, unknown>).mode = "sometimes"))), /^sync\.mode must be one of off, first, any/);
    assert.match(problem(edit((o) => (o.primaryPort = 70000))), /^primaryPort must be between 1 and 65535, got 70000/);
  });

  it("requires the standbys in order", () => {
    assert.match(problem(edit((o) => ((o.replicas as Record<string, unknown>[])[0].index = 2))), /^replicas\[0\]\.index must be 1/);
  });

  it("requires one connection string per standby", () => {
    assert.match(problem(edit((o) => (o.replicaConnectionStrings = [(o.replicaConnectionStrings as string[])[0]]))), /has 1 entries but there are 2 replicas/);
  });

  it("names a bad DSN and what is wrong with it, never its password", () => {
    const cases: [string, RegExp][] = [
      ["not a url", /^primaryConnectionString is not a URL/],
      [`mysql://postgres:${PASSWORD}@127.0.0.1:25430/postgres`, /has scheme "mysql", expected postgresql/],
      ["postgresql://postgres@127.0.0.1:25430/postgres", /has no password/],
      ["postgresql://postgres:x@127.0.0.1:25430", /has no database/],
      ["postgresql://postgres:x@127.0.0.1:99999/postgres", /is not a URL/],
      ["postgresql://postgres:x@127.0.0.1:25439/postgres", /points at 127\.0\.0\.1:25439, but the outputs declare that node at 127\.0\.0\.1:25430/],
      ["postgresql://admin:x@127.0.0.1:25430/postgres", /connects as "admin", but superuser is "postgres"/],
    ];
    for (const [dsn, expected] of cases) {
      const message = problem(edit((o) => (o.primaryConnectionString = dsn)));
      assert.match(message, expected, dsn);
      assert.ok(!message.includes(PASSWORD) && !message.includes(encodeURIComponent(PASSWORD)), message);
    }
  });
});

describe("connection strings", () => {
  it("decodes percent-encoded user, password and database", () => {
    assert.deepEqual(parseDsn("postgresql://us%40er:p%3Aw%2Fd@[::1]:5433/my%20db", "x"), { host: "::1", port: 5433, user: "us@er", password: "p:w/d", database: "my db" });
  });

  it("defaults the port to 5432, as libpq does", () => {
    assert.equal(parseDsn("postgres://u:p@h/db", "x").port, 5432);
  });

  it("masks the password when a DSN must be shown", () => {
    assert.equal(maskDsn("postgresql://postgres:secret@127.0.0.1:5432/postgres"), "postgresql://postgres:****@127.0.0.1:5432/postgres");
    assert.equal(maskDsn("::"), "<unparseable connection string>");
  });
});

describe("loading the outputs from a file", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tools-outputs-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function loadText(text: string): Promise<string> {
    const file = join(dir, "outputs.json");
    await writeFile(file, text);
    try {
      await loadOutputs({ file });
    } catch (err) {
      assert.ok(err instanceof FatalError, "a FatalError: exit 2");
      return err.message;
    }
    assert.fail("expected a failure");
  }

  it("loads a valid file", async () => {
    const file = join(dir, "ok.json");
    await writeFile(file, JSON.stringify(outputsJson()));
    assert.equal((await loadOutputs({ file })).outputs.stack, "t");
  });

  it("reports a missing file in one line", async () => {
    await assert.rejects(loadOutputs({ file: join(dir, "nope.json") }), { message: `cannot read outputs file ${join(dir, "nope.json")}: no such file` });
  });

  it("reports malformed JSON with its position but without quoting the file (it holds passwords)", async () => {
    const text = JSON.stringify(outputsJson(), null, 1).replace('"stack": "t"', '"stack": t');
    const message = await loadText(text);
    assert.match(message, /outputs\.json is not valid JSON/);
    assert.ok(!message.includes(PASSWORD) && !message.includes(encodeURIComponent(PASSWORD)), message);
    assert.equal(message.includes("\n"), false);
  });

  it("reports a truncated file as such", async () => {
    assert.match(await loadText(JSON.stringify(outputsJson()).slice(0, 40)), /not valid JSON/);
    assert.match(await loadText(""), /ends too early/);
  });

  it("reports a file of the wrong shape with the field", async () => {
    assert.match(await loadText("{}"), /does not match the stack outputs: expectedMajorVersion is missing/);
  });

  it("extracts only a position from V8's message", () => {
    assert.equal(jsonErrorWhere(`Unexpected token 'p', "...secret"... is not valid JSON`), "");
    assert.equal(jsonErrorWhere("Expected ',' or '}' after property value in JSON at position 28 (line 1 column 29)"), " (line 1, column 29)");
  });
});
