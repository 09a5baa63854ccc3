import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import { FatalError } from "../../../scripts/lib/errors";
import { jsonErrorWhere, loadOutputs, type SourceOptions } from "../../../scripts/lib/source";
import { outputsJson } from "./fixtures";

/** The one-line message loadOutputs fails with (a FatalError: exit 2). */
async function failure(options: SourceOptions): Promise<string> {
  try {
    await loadOutputs(options);
  } catch (err) {
    assert.ok(err instanceof FatalError, `a FatalError (exit 2), got ${String(err)}`);
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail("expected loadOutputs to fail");
}

describe("where JSON.parse stopped (mutation-testing follow-up)", () => {
  it("keeps every digit of a multi-digit line and column", () => {
    assert.equal(jsonErrorWhere("Expected ',' or '}' after property value in JSON at position 1234 (line 56 column 789)"), " (line 56, column 789)");
  });

  it("keeps every digit of a multi-digit position", () => {
    assert.equal(jsonErrorWhere("Unexpected token 'x', \"...\" is not valid JSON at position 1234"), " (at character 1234)");
  });

  it("a truncated text is named as such; a message without a place gives nothing", () => {
    assert.equal(jsonErrorWhere("Unexpected end of JSON input"), " (it ends too early: truncated?)");
    assert.equal(jsonErrorWhere("something else"), "");
  });
});

describe("reading the outputs file (mutation-testing follow-up)", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tools-source-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a missing file is reported as no such file", async () => {
    const file = join(dir, "missing.json");
    assert.equal(await failure({ file }), `cannot read outputs file ${file}: no such file`);
  });

  it("a directory given as the file is reported as a directory", async () => {
    assert.equal(await failure({ file: dir }), `cannot read outputs file ${dir}: is a directory`);
  });

  it("an unreadable file is reported as permission denied", async (t) => {
    if (process.getuid?.() === 0) {
      t.skip("root reads any file");
      return;
    }
    const file = join(dir, "secret.json");
    await writeFile(file, "{}");
    await chmod(file, 0o000);
    assert.equal(await failure({ file }), `cannot read outputs file ${file}: permission denied`);
  });

  it("a parse error deep in a file names its line and column, every digit", async () => {
    const file = join(dir, "trailing-comma.json");
    await writeFile(file, `${"\n".repeat(20)}{\n${" ".repeat(30)}"a": 1,${" ".repeat(20)}}`);
    assert.equal(await failure({ file }), `${file} is not valid JSON (line 22, column 58)`);
  });
});

describe("the outputs from the Pulumi CLI (a fake `pulumi` on PATH) (mutation-testing follow-up)", () => {
  let dir = "";
  let bin = "";
  const savedPath = process.env.PATH;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tools-pulumi-"));
    bin = join(dir, "bin");
    await mkdir(bin);
    await writeFile(join(dir, "outputs.json"), JSON.stringify(outputsJson()));
  });
  after(async () => {
    process.env.PATH = savedPath;
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  /** Installs a `pulumi` that records its arguments (one a line) in dir/args, then runs `body`. */
  async function fakePulumi(body: string, mode = 0o755): Promise<void> {
    const file = join(bin, "pulumi");
    await rm(file, { force: true });
    await writeFile(file, `#!/bin/sh\nprintf '%s\\n' "$@" > '${join(dir, "args")}'\n${body}\n`, { mode });
    await chmod(file, mode);
    process.env.PATH = `${bin}:${savedPath ?? "/usr/bin:/bin"}`;
  }

  const args = async (): Promise<string[]> => (await readFile(join(dir, "args"), "utf8")).split("\n").filter((l) => l !== "");

  it("asks `pulumi stack output --json --show-secrets` and loads what it prints", async () => {
    await fakePulumi(`cat '${join(dir, "outputs.json")}'`);
    const l = await loadOutputs({});
    assert.equal(l.outputs.stack, "t");
    assert.equal(l.outputs.replicas.length, 2);
    assert.deepEqual(await args(), ["stack", "output", "--json", "--show-secrets"]);
  });

  it("passes --stack NAME on when given", async () => {
    await fakePulumi(`cat '${join(dir, "outputs.json")}'`);
    await loadOutputs({ stack: "dev" });
    assert.deepEqual(await args(), ["stack", "output", "--json", "--show-secrets", "--stack", "dev"]);
  });

  it("no `pulumi` on PATH: says so, and to pass --outputs FILE", async () => {
    process.env.PATH = join(dir, "empty-path");
    const message = await failure({});
    assert.equal(
      message,
      "the Pulumi CLI is not installed (no `pulumi` on PATH): pass --outputs FILE instead, a file with the stack outputs as `pulumi stack output --json --show-secrets` prints them",
    );
  });

  it("a failing `pulumi` is reported with the first non-blank line of its stderr", async () => {
    await fakePulumi(`printf '\\n   \\n  error: no stack named dev found  \\nmore detail\\n' >&2\nexit 255`);
    assert.equal(await failure({ stack: "dev" }), "`pulumi stack output` failed: error: no stack named dev found");
  });

  it("a failing `pulumi` with a silent stderr is reported with its exit code", async () => {
    await fakePulumi("exit 3");
    assert.equal(await failure({}), "`pulumi stack output` failed: exit 3");
  });

  it("a `pulumi` killed by a signal is reported with the signal", async () => {
    await fakePulumi("kill -TERM $$");
    assert.equal(await failure({}), "`pulumi stack output` failed: exit SIGTERM");
  });

  it("a `pulumi` that cannot be started for another reason than ENOENT is reported as a failure to run it", async () => {
    await fakePulumi("exit 0", 0o644);
    // Only the fake's directory: a real `pulumi` further down PATH would be run instead.
    process.env.PATH = bin;
    const message = await failure({});
    assert.match(message, /^`pulumi stack output` failed: pulumi stack output: spawn pulumi EACCES$/);
  });

  it("what `pulumi` prints must be JSON, and is never quoted", async () => {
    await fakePulumi(`echo '{"stack": "secret-value",}'`);
    const message = await failure({});
    assert.equal(message, "`pulumi stack output --json` is not valid JSON (line 1, column 26)");
    assert.ok(!message.includes("secret-value"), message);
  });

  it("what `pulumi` prints must be the stack's outputs", async () => {
    await fakePulumi("echo '{}'");
    assert.match(await failure({}), /^`pulumi stack output --json` does not match the stack outputs: /);
  });

  it("a file given with --outputs wins: `pulumi` is not run", async () => {
    await fakePulumi("exit 7");
    await rm(join(dir, "args"), { force: true });
    const l = await loadOutputs({ file: join(dir, "outputs.json"), stack: "dev" });
    assert.equal(l.outputs.stack, "t");
    await assert.rejects(readFile(join(dir, "args")), { code: "ENOENT" });
  });
});
