/**
 * The Mocks implementation: dispatch, strictness, first-failure capture, the
 * persisted record, and teardown order. Uses only resource types that need no
 * Docker (RandomPassword, Command) or that are refused before any docker call.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { DockerExecutor } from "../../executor/executor";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../executor/inputs";
import { STATE_FILE, readState } from "../../executor/state-file";

const root = mkdtempSync(join(tmpdir(), "executor-unit-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function executor(): { ex: DockerExecutor; dir: string } {
  const dir = join(root, `s${n++}`);
  mkdirSync(dir);
  return { ex: new DockerExecutor({ project: "pg-replication", stack: "unit", program: "index.ts", stateDir: dir, log: () => undefined }), dir };
}

const resource = (type: string, name: string, inputs: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ type, name, inputs, custom: true, ...extra });

describe("DockerExecutor.newResource", () => {
  it("refuses a resource type it does not implement, and records that as the failure", async () => {
    const { ex } = executor();
    await assert.rejects(ex.newResource(resource("aws:s3/bucket:Bucket", "b", {})), {
      message: "executor: aws:s3/bucket:Bucket 'b': resource type is not implemented",
    });
    assert.equal(ex.failure?.message, "executor: aws:s3/bucket:Bucket 'b': resource type is not implemented");
  });

  it("refuses an unimplemented input before touching Docker", async () => {
    const { ex } = executor();
    await assert.rejects(ex.newResource(resource("docker:index/container:Container", "pg-dev-primary", { name: "x", image: "i", foo: "bar" })), {
      message: "executor: docker:index/container:Container 'pg-dev-primary': input 'foo' is not implemented",
    });
  });

  it("refuses nested unimplemented inputs with their path", async () => {
    const { ex } = executor();
    await assert.rejects(ex.newResource(resource("docker:index/container:Container", "c", { name: "x", image: "i", uploads: [{ file: "/a", content: "x", owner: "1000" }] })), {
      message: "executor: docker:index/container:Container 'c': input 'uploads[0].owner' is not implemented",
    });
  });

  it("treats undefined and null inputs as absent", async () => {
    const { ex } = executor();
    const result = await ex.newResource(resource("random:index/randomPassword:RandomPassword", "p", { length: 12, special: false, minUpper: undefined, overrideSpecial: null }));
    assert.equal(result.id, "none");
    assert.equal((result.state["result"] as string).length, 12);
  });

  it("unwraps secret inputs before the handler sees them and records them plain", async () => {
    const { ex, dir } = executor();
    const result = await ex.newResource(resource("random:index/randomPassword:RandomPassword", "p", { length: { [SECRET_SIG_KEY]: SECRET_SIG, value: 32 }, special: false }));
    assert.match(result.state["result"] as string, /^[A-Za-z0-9]{32}$/);
    const state = await readState(dir);
    assert.deepEqual(state?.resources[0]?.inputs, { length: 32, special: false });
  });

  it("lets component resources through without recording them", async () => {
    const { ex } = executor();
    const result = await ex.newResource({ type: "pg-replication:index:Cluster", name: "pg-dev", inputs: {}, custom: false });
    assert.deepEqual(result, { id: undefined, state: {} });
    assert.equal(ex.resources.length, 0);
  });

  it("refuses reads/imports of existing resources and invokes", async () => {
    const { ex } = executor();
    await assert.rejects(ex.newResource(resource("docker:index/network:Network", "n", {}, { id: "abc" })), /reading or importing an existing resource is not implemented/);
    const { ex: ex2 } = executor();
    assert.throws(() => ex2.call({ token: "docker:index/getNetwork:getNetwork", inputs: {} }), { message: "executor: invoke 'docker:index/getNetwork:getNetwork' is not implemented" });
    assert.match(ex2.failure?.message ?? "", /getNetwork/);
  });

  it("keeps the FIRST failure when later resources are refused", async () => {
    const { ex } = executor();
    await assert.rejects(ex.newResource(resource("command:local:Command", "first", { create: "exit 4" })));
    await assert.rejects(ex.newResource(resource("command:local:Command", "second", { create: "true" })), /earlier resource failed/);
    assert.match(ex.failure?.message ?? "", /^executor: command:local:Command 'first': exit status 4/);
    assert.equal(ex.resources.length, 0);
  });

  it("persists every record, private, under concurrent creates", async () => {
    const { ex, dir } = executor();
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      ex.newResource(resource("random:index/randomPassword:RandomPassword", `p${i}`, { length: 8 }))));
    const state = JSON.parse(readFileSync(join(dir, STATE_FILE), "utf8")) as { resources: { name: string }[]; stack: string };
    assert.equal(state.stack, "unit");
    assert.deepEqual(state.resources.map((r) => r.name).sort(), Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600);
  });
});

describe("DockerExecutor.destroy", () => {
  it("deletes newest first, running each Command's delete, and empties the state file", async () => {
    const { ex, dir } = executor();
    const log = join(dir, "order");
    for (const name of ["a", "b", "c"]) {
      await ex.newResource(resource("command:local:Command", name, { create: `echo ${name}`, delete: `echo "$PULUMI_COMMAND_STDOUT" >> '${log}'` }));
    }
    const failures = await ex.destroy();
    assert.deepEqual(failures, []);
    assert.equal(readFileSync(log, "utf8"), "c\nb\na\n");
    assert.deepEqual((await readState(dir))?.resources, []);
  });

  it("keeps going past a failed delete and reports it, leaving that record in the state", async () => {
    const { ex, dir } = executor();
    const log = join(dir, "order");
    await ex.newResource(resource("command:local:Command", "a", { create: "true", delete: `echo a >> '${log}'` }));
    await ex.newResource(resource("command:local:Command", "b", { create: "true", delete: "echo cannot; exit 1" }));
    const failures = await ex.destroy();
    assert.deepEqual(failures.map((f) => f.record.name), ["b"]);
    assert.match(failures[0]?.error.message ?? "", /exit status 1: running "echo cannot; exit 1":\ncannot/);
    assert.equal(readFileSync(log, "utf8"), "a\n");
    assert.deepEqual((await readState(dir))?.resources.map((r) => r.name), ["b"]);
  });
});
