import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMON_OPTIONS, integerOption, parseCli, secondsOption, usage, type ToolSpec } from "../../../scripts/lib/cli";
import { UsageError } from "../../../scripts/lib/errors";

const spec: ToolSpec = {
  name: "verify",
  summary: "Checks the cluster.",
  options: { ...COMMON_OPTIONS, "round-trip-timeout": { type: "string", value: "SECONDS", description: "bound for the round trip" } },
};

function usageError(argv: string[]): string {
  try {
    parseCli(spec, argv);
  } catch (err) {
    assert.ok(err instanceof UsageError);
    return err.message;
  }
  assert.fail("expected a usage error");
}

describe("command-line parsing", () => {
  it("returns the values of known options", () => {
    assert.deepEqual({ ...parseCli(spec, ["--outputs", "o.json", "--json", "--round-trip-timeout=2"]) }, { outputs: "o.json", json: true, "round-trip-timeout": "2" });
  });

  it("returns null for --help, whatever else is given", () => {
    assert.equal(parseCli(spec, ["--json", "--help"]), null);
  });

  it("rejects an unknown option in one line", () => {
    assert.equal(usageError(["--outptus", "x"]), "unknown option --outptus");
  });

  it("rejects an option without its value, a value for a flag, and positionals", () => {
    assert.equal(usageError(["--outputs"]), "option --outputs needs a value");
    assert.equal(usageError(["--json=yes"]), "option --json does not take a value");
    assert.equal(usageError(["up"]), "unexpected argument up");
  });

  it("prints every option in the usage", () => {
    const text = usage(spec);
    assert.match(text, /^Usage: npm run verify -- \[options\]/);
    for (const name of Object.keys(spec.options)) assert.match(text, new RegExp(`--${name}`));
  });
});

describe("numeric options", () => {
  it("reads seconds as milliseconds, with a default", () => {
    assert.equal(secondsOption({}, "timeout", 5), 5000);
    assert.equal(secondsOption({ timeout: "0.5" }, "timeout", 5), 500);
  });

  it("rejects seconds that are not a positive number", () => {
    for (const bad of ["", "abc", "0", "-1", "1e9"]) {
      assert.throws(() => secondsOption({ timeout: bad }, "timeout", 5), (e: unknown) => e instanceof UsageError && /^--timeout must be a number of seconds/.test(e.message), bad);
    }
  });

  it("reads whole numbers within bounds", () => {
    assert.equal(integerOption({ n: "3" }, "n", 1, 5), 3);
    assert.equal(integerOption({}, "n", 1, 5), undefined);
    assert.throws(() => integerOption({ n: "2.5" }, "n", 1, 5), UsageError);
    assert.throws(() => integerOption({ n: "9" }, "n", 1, 5), UsageError);
  });
});
