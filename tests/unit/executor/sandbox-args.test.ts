import assert from "node:assert/strict";
import { resolve } from "node:path";
import { describe, it } from "node:test";

import { DEFAULT_PROGRAM } from "../../executor/deploy";
import { UsageError, parseSandboxArgs, upSummary } from "../../executor/sandbox";

describe("parseSandboxArgs", () => {
  it("defaults to stack sandbox, state dir .sandbox and the real program", () => {
    const args = parseSandboxArgs(["up"]);
    assert.equal(args.command, "up");
    assert.equal(args.stack, "sandbox");
    assert.equal(args.stackGiven, false);
    assert.equal(args.stateDir, resolve(".sandbox"));
    assert.equal(args.program, resolve(DEFAULT_PROGRAM));
    assert.deepEqual(args.config, {});
  });

  it("takes --set key=value pairs as config, with or without the project prefix, values may hold '='", () => {
    const args = parseSandboxArgs(["up", "--stack", "demo", "--set", "replicas=2", "--set", "pg-replication:initSql=SELECT 1=1"]);
    assert.deepEqual(args.config, { replicas: "2", initSql: "SELECT 1=1" });
    assert.equal(args.stack, "demo");
    assert.equal(args.stackGiven, true);
  });

  it("returns help for --help and -h", () => {
    assert.equal(parseSandboxArgs(["--help"]).command, "help");
    assert.equal(parseSandboxArgs(["-h"]).command, "help");
  });

  it("refuses unknown flags, commands and malformed --set as usage errors with one-line messages", () => {
    const refuse = (argv: string[], message: RegExp): void => {
      assert.throws(() => parseSandboxArgs(argv), (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes("\n"));
        return true;
      });
    };
    refuse(["up", "--bogus"], /Unknown option '--bogus'$/);
    refuse([], /missing command/);
    refuse(["deploy"], /unknown command 'deploy'/);
    refuse(["up", "down"], /one command expected/);
    refuse(["up", "--set", "novalue"], /--set expects key=value/);
    refuse(["up", "--set", "aws:region=x"], /another project/);
    refuse(["down", "--set", "a=b"], /only for up/);
    refuse(["up", "--stack", "bad name"], /invalid --stack/);
  });
});

describe("upSummary", () => {
  const outputs = {
    primaryHost: "127.0.0.1",
    primaryPort: 15432,
    replicas: [{ host: "127.0.0.1", port: 15433 }, { host: "127.0.0.1", port: 15434 }],
    primaryConnectionString: "postgresql://postgres:hunter2@127.0.0.1:15432/app",
  };

  it("names the stack, the primary and standby addresses and the elapsed time on one line", () => {
    assert.equal(upSummary("dev", outputs, 9, 12.34, "/x/outputs.json"),
      "sandbox stack 'dev' is up in 12.3 s: primary 127.0.0.1:15432, standbys 127.0.0.1:15433, 127.0.0.1:15434; outputs in /x/outputs.json");
  });

  it("never shows a secret output", () => {
    assert.ok(!upSummary("dev", outputs, 9, 1, "/x").includes("hunter2"));
  });

  it("falls back to a resource count for programs without cluster outputs", () => {
    assert.equal(upSummary("it", { a: 1 }, 5, 2, "/o"), "sandbox stack 'it' is up in 2.0 s: 5 resources; outputs in /o");
  });
});
