/**
 * The command:local:Command stand-in runs /bin/sh locally (no Docker), so its
 * provider semantics are checked here directly: check, diff, and the
 * environment, stdin and script each of create/update/delete runs with.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { commandErrorMessage, commandType, runShell, trimOneNewline } from "../../providers/command/command";
import { SECRET_SIG, SECRET_SIG_KEY } from "../../providers/inputs";
import { UNKNOWN, type PropertyMap } from "../../providers/values";

const dir = mkdtempSync(join(tmpdir(), "stand-in-command-"));
const secret = (value: string): PropertyMap[string] => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });
after(() => rmSync(dir, { recursive: true, force: true }));

describe("command error format", () => {
  it("is `<reason>: running <Go-quoted command>:\\n<output>`", () => {
    assert.equal(commandErrorMessage("exit status 3", "echo \"a\"\nexit 3", "a\n"), "exit status 3: running \"echo \\\"a\\\"\\nexit 3\":\na\n");
  });

  it("reports a non-zero exit with stdout and stderr both in the output", async () => {
    // Two pipes: the order across them is as racy here as in the provider (two goroutines).
    const error = await runShell({ command: "echo one; echo two >&2; echo three; exit 3", environment: {} }).then(
      () => assert.fail("should fail"), (e: Error) => e);
    const [head, ...lines] = error.message.split("\n");
    assert.equal(head, "exit status 3: running \"echo one; echo two >&2; echo three; exit 3\":");
    assert.deepEqual(lines.sort(), ["", "one", "three", "two"]);
  });

  it("reports death by signal the way Go's ExitError prints it", async () => {
    await assert.rejects(runShell({ command: "kill -TERM $$", environment: {} }), { message: /^signal: terminated: running "kill -TERM \$\$":/ });
  });
});

describe("runShell", () => {
  it("trims exactly one trailing newline from stdout and stderr", async () => {
    assert.equal(trimOneNewline("a\n\n"), "a\n");
    const result = await runShell({ command: "printf 'out\\n\\n'; printf 'err\\n' >&2", environment: {} });
    assert.deepEqual(result, { stdout: "out\n", stderr: "err" });
  });

  it("adds `environment` to the process environment, overriding it", async () => {
    process.env["EXECUTOR_TEST_VAR"] = "from-process";
    const result = await runShell({ command: "echo \"$EXECUTOR_TEST_VAR $HOME_SET\"", environment: { EXECUTOR_TEST_VAR: "from-input", HOME_SET: "yes" } });
    delete process.env["EXECUTOR_TEST_VAR"];
    assert.equal(result.stdout, "from-input yes");
  });

  it("feeds stdin, runs in dir, and gives an empty stdin when none is set", async () => {
    assert.equal((await runShell({ command: "cat", environment: {}, stdin: "secret\n" })).stdout, "secret");
    assert.equal((await runShell({ command: "pwd", environment: {}, dir })).stdout, dir);
    assert.equal((await runShell({ command: "wc -c", environment: {} })).stdout.trim(), "0");
  });

  it("kills a command that outlives its timeout", async () => {
    await assert.rejects(runShell({ command: "sleep 5", environment: {}, timeoutMs: 200 }), /signal: killed \(the stand-in's 200 ms timeout\)/);
  });
});

describe("commandType: check and diff", () => {
  it("returns the inputs unchanged (no defaults) and refuses an input it does not implement", () => {
    const news = { create: "true", stdin: secret("pw"), triggers: ["a"] };
    assert.deepEqual(commandType.check("c", {}, news), { inputs: news, failures: [] });
    const refused = commandType.check("c", {}, { create: "true", logging: "none" });
    assert.match(refused.failures[0]?.reason ?? "", /input 'logging' is not implemented/);
  });

  it("diffs old inputs against new ones: a changed trigger element is an update at its path (the SDK's replaceOnChanges makes it a replace)", () => {
    const olds = { create: "c", triggers: ["vol", "id-1"] };
    const outputsThatDiffer = { ...olds, stdout: "whatever" };
    assert.deepEqual(commandType.diff(olds, outputsThatDiffer, { create: "c", triggers: ["vol", "id-2"] }),
      { changes: [{ path: "triggers[1]", kind: "update" }], deleteBeforeReplace: false });
    assert.deepEqual(commandType.diff(olds, olds, { create: "c", triggers: ["vol", UNKNOWN] }).changes, [{ path: "triggers[1]", kind: "update" }]);
  });

  it("replaces when the whole triggers key is added or removed, and updates on any other change", () => {
    assert.deepEqual(commandType.diff({ create: "c" }, {}, { create: "c", triggers: ["x"] }).changes, [{ path: "triggers", kind: "add-replace" }]);
    assert.deepEqual(commandType.diff({ create: "c", triggers: ["x"] }, {}, { create: "c" }).changes, [{ path: "triggers", kind: "delete-replace" }]);
    assert.deepEqual(commandType.diff({ create: "a", delete: "d", stdin: secret("1") }, {}, { create: "b", delete: "e", stdin: secret("2") }).changes, [
      { path: "create", kind: "update" }, { path: "delete", kind: "update" }, { path: "stdin", kind: "update" },
    ]);
    assert.deepEqual(commandType.diff({ environment: { A: "1" } }, {}, { environment: { A: "2" } }).changes, [{ path: "environment.A", kind: "update" }]);
    assert.deepEqual(commandType.diff({ create: "a", stdin: secret("1") }, {}, { create: "a", stdin: secret("1") }).changes, []);
  });
});

describe("commandType: create, update, delete", () => {
  it("create echoes every input, adds stdout/stderr, keeps a secret input secret; the id is the name plus 8 hex digits", async () => {
    const inputs = { create: "cat; echo warn >&2", stdin: secret("pw"), triggers: ["a", 1], environment: { X: "1" } };
    const result = await commandType.create("seed", inputs, 0);
    assert.match(result.id, /^seed[0-9a-f]{8}$/);
    assert.deepEqual(result.outputs, { ...inputs, stdout: "pw", stderr: "warn" });
  });

  it("create does not set PULUMI_COMMAND_STDOUT and fails with the provider's own message", async () => {
    const result = await commandType.create("c", { create: "echo \"[${PULUMI_COMMAND_STDOUT-unset}]\"" }, 0);
    assert.equal(result.outputs["stdout"], "[unset]");
    await assert.rejects(commandType.create("boom", { create: "echo out; exit 2" }, 0), {
      message: "exit status 2: running \"echo out; exit 2\":\nout\n",
    });
  });

  it("update runs `update` (else `create`) with the NEW stdin and environment and the OLD stdout/stderr", async () => {
    const created = await commandType.create("c", { create: "echo first; echo first-err >&2" }, 0);
    const script = "printf '%s|%s|%s|%s' \"$PULUMI_COMMAND_STDOUT\" \"$PULUMI_COMMAND_STDERR\" \"$MARK\" \"$(cat)\"";
    const viaCreate = await commandType.update(created.id, "c", created.outputs, { create: script, stdin: "new-in", environment: { MARK: "new-env" } }, {});
    assert.equal(viaCreate["stdout"], "first|first-err|new-env|new-in");
    const viaUpdate = await commandType.update(created.id, "c", created.outputs, { create: "echo not-me", update: script, stdin: "s" }, {});
    assert.equal(viaUpdate["stdout"], "first|first-err||s");
    assert.equal(viaUpdate["create"], "echo not-me");
  });

  it("update with neither update nor create keeps the old output; a failing update rejects (the engine keeps the old state)", async () => {
    const kept = await commandType.update("id", "c", { create: "x", stdout: "old", stderr: "" }, { delete: "true" }, {});
    assert.deepEqual(kept, { delete: "true", stdout: "old", stderr: "" });
    await assert.rejects(commandType.update("id", "c", { stdout: "old" }, { create: "exit 4" }, {}), { message: /^exit status 4: running "exit 4":/ });
  });

  it("delete runs the state's delete with the state's stdin and environment plus its stdout/stderr", async () => {
    const seen = join(dir, "delete-seen");
    const inputs = {
      create: "cat >/dev/null; echo created; echo warned >&2",
      delete: `printf '%s|%s|%s|%s' "$PULUMI_COMMAND_STDOUT" "$PULUMI_COMMAND_STDERR" "$MARK" "$(cat)" > '${seen}'`,
      stdin: secret("the-password"),
      environment: { MARK: "env-ok" },
    };
    const created = await commandType.create("c", inputs, 0);
    // The engine's old inputs are not used: the state echoes them.
    await commandType.delete(created.id, created.outputs, {});
    assert.equal(readFileSync(seen, "utf8"), "created|warned|env-ok|the-password");
  });

  it("delete leaves PULUMI_COMMAND_STDOUT unset when the last run printed nothing, or when addPreviousOutputInEnv is false", async () => {
    const seen = join(dir, "delete-empty");
    writeFileSync(seen, "");
    const script = `echo "[\${PULUMI_COMMAND_STDOUT-unset}]" >> '${seen}'`;
    const quiet = await commandType.create("c", { create: "true", delete: script }, 0);
    await commandType.delete(quiet.id, quiet.outputs, {});
    const optedOut = await commandType.create("c", { create: "echo out", delete: script, addPreviousOutputInEnv: false }, 0);
    await commandType.delete(optedOut.id, optedOut.outputs, {});
    assert.equal(readFileSync(seen, "utf8"), "[unset]\n[unset]\n");
  });

  it("read returns the state unchanged", async () => {
    const outputs = { create: "x", stdout: "o", stderr: "" };
    assert.deepEqual(await commandType.read("id", outputs, { create: "x" }), { id: "id", outputs, inputs: { create: "x" } });
  });
});
