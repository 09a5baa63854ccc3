/**
 * The command:local:Command handler runs /bin/sh locally (no Docker), so its
 * provider semantics are checked here directly.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { commandErrorMessage, commandHandler, runShell, trimOneNewline } from "../../providers/command/command";
import type { ResourceRecord } from "../../providers/handler";

const ctx = { log: (): void => undefined };
const dir = mkdtempSync(join(tmpdir(), "executor-command-"));
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
    await assert.rejects(runShell({ command: "sleep 5", environment: {}, timeoutMs: 200 }), /signal: killed \(the executor's 0 s timeout\)/);
  });
});

describe("commandHandler", () => {
  it("echoes every input and adds stdout/stderr; the id is the name plus 8 hex digits", async () => {
    const inputs = { create: "echo made; echo warn >&2", delete: "true", triggers: ["a", 1], environment: { X: "1" } };
    const result = await commandHandler.create("seed", inputs, ctx);
    assert.match(result.id, /^seed[0-9a-f]{8}$/);
    assert.deepEqual(result.outputs, { ...inputs, stdout: "made", stderr: "warn" });
  });

  it("does not set PULUMI_COMMAND_STDOUT on create", async () => {
    const result = await commandHandler.create("c", { create: "echo \"[${PULUMI_COMMAND_STDOUT-unset}]\"" }, ctx);
    assert.equal(result.outputs["stdout"], "[unset]");
  });

  it("fails create with the provider's message, prefixed with the resource", async () => {
    await assert.rejects(commandHandler.create("boom", { create: "echo out; exit 2" }, ctx), {
      message: "executor: command:local:Command 'boom': exit status 2: running \"echo out; exit 2\":\nout\n",
    });
  });

  it("runs delete with create's environment and stdin, plus PULUMI_COMMAND_STDOUT/STDERR from create", async () => {
    const seen = join(dir, "delete-seen");
    const inputs = {
      create: "cat >/dev/null; echo created; echo warned >&2",
      delete: `printf '%s|%s|%s|%s' "$PULUMI_COMMAND_STDOUT" "$PULUMI_COMMAND_STDERR" "$MARK" "$(cat)" > '${seen}'`,
      stdin: "the-password",
      environment: { MARK: "env-ok" },
    };
    const created = await commandHandler.create("c", inputs, ctx);
    const record: ResourceRecord = { type: "command:local:Command", name: "c", id: created.id, inputs, outputs: created.outputs, createdAt: "" };
    await commandHandler.destroy(record, ctx);
    assert.equal(readFileSync(seen, "utf8"), "created|warned|env-ok|the-password");
  });

  it("leaves PULUMI_COMMAND_STDOUT unset on delete when create printed nothing", async () => {
    const seen = join(dir, "delete-empty");
    writeFileSync(seen, "");
    const inputs = { create: "true", delete: `echo "[\${PULUMI_COMMAND_STDOUT-unset}]" > '${seen}'` };
    const created = await commandHandler.create("c", inputs, ctx);
    await commandHandler.destroy({ type: "command:local:Command", name: "c", id: created.id, inputs, outputs: created.outputs, createdAt: "" }, ctx);
    assert.equal(readFileSync(seen, "utf8"), "[unset]\n");
  });
});
