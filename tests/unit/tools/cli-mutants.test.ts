import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMMON_OPTIONS, flag, integerOption, secondsOption, usage, type ToolSpec } from "../../../scripts/lib/cli";
import { UsageError } from "../../../scripts/lib/errors";

function message(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof UsageError, "a UsageError: exit 2");
    return err.message;
  }
  assert.fail("expected a usage error");
}

describe("--help layout (mutation-testing follow-up)", () => {
  it("prints a usage line, the summary, aligned options with their value names, and the epilogue", () => {
    const spec: ToolSpec = {
      name: "status",
      summary: "Shows the cluster.",
      options: {
        watch: { type: "boolean", description: "repeat" },
        interval: { type: "string", value: "SECONDS", description: "between repeats" },
      },
      epilogue: "Exit codes: 0 ok.",
    };
    assert.equal(
      usage(spec),
      ["Usage: npm run status -- [options]", "", "Shows the cluster.", "", "Options:", "  --watch             repeat", "  --interval SECONDS  between repeats", "", "Exit codes: 0 ok."].join("\n"),
    );
  });

  it("ends after the options when there is no epilogue", () => {
    const text = usage({ name: "x", summary: "S.", options: { json: { type: "boolean", description: "d" } } });
    assert.equal(text, "Usage: npm run x -- [options]\n\nS.\n\nOptions:\n  --json  d");
  });

  it("names the value each common option takes and describes every one", () => {
    const text = usage({ name: "verify", summary: "S.", options: COMMON_OPTIONS });
    for (const f of ["--outputs FILE ", "--stack NAME ", "--timeout SECONDS ", "--json ", "--help "]) assert.ok(text.includes(`  ${f}`), f);
    for (const [name, o] of Object.entries(COMMON_OPTIONS)) assert.ok(o.description.length > 10, name);
  });
});

describe("boolean flags", () => {
  it("is set only by an explicit true", () => {
    assert.equal(flag({ json: true }, "json"), true);
    assert.equal(flag({}, "json"), false);
    assert.equal(flag({ json: false }, "json"), false);
    assert.equal(flag({ json: "true" }, "json"), false);
  });
});

describe("numeric options at their bounds", () => {
  it("accepts the maximum number of seconds", () => {
    assert.equal(secondsOption({ timeout: "3600" }, "timeout", 5), 3_600_000);
    assert.equal(message(() => secondsOption({ timeout: "3601" }, "timeout", 5)), '--timeout must be a number of seconds above 0 and at most 3600, got "3601"');
  });

  it("accepts whole numbers of several digits, and both bounds", () => {
    assert.equal(integerOption({ "max-lag-bytes": "1048576" }, "max-lag-bytes", 0, Number.MAX_SAFE_INTEGER), 1048576);
    assert.equal(integerOption({ n: "0" }, "n", 0, 5), 0);
    assert.equal(integerOption({ n: "5" }, "n", 0, 5), 5);
  });

  it("rejects whole numbers outside the bounds, with the bounds in the message", () => {
    assert.equal(message(() => integerOption({ n: "-1" }, "n", 0, 5)), '--n must be a whole number between 0 and 5, got "-1"');
    assert.equal(message(() => integerOption({ n: "6" }, "n", 0, 5)), '--n must be a whole number between 0 and 5, got "6"');
  });
});
