import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatGoDuration, goQuote, parseGoDuration } from "../../providers/go-format";
import {
  InputReader, SECRET_SIG, SECRET_SIG_KEY, assertImplemented, labelList, plainObject, toPlain,
} from "../../providers/inputs";

const secret = (value: unknown): Record<string, unknown> => ({ [SECRET_SIG_KEY]: SECRET_SIG, value });

describe("toPlain: secret unwrapping and absent inputs", () => {
  it("unwraps secrets at any depth: top level, in objects, in lists, and secrets of secrets", () => {
    const inputs = {
      stdin: secret("pw"),
      uploads: [{ file: "/a", content: secret("inner") }],
      envs: [secret("A=1"), "B=2"],
      nested: secret({ deep: secret(["x", secret("y")]) }),
    };
    assert.deepEqual(toPlain(inputs), {
      stdin: "pw",
      uploads: [{ file: "/a", content: "inner" }],
      envs: ["A=1", "B=2"],
      nested: { deep: ["x", "y"] },
    });
  });

  it("drops undefined and null object members, which count as absent", () => {
    assert.deepEqual(plainObject({ a: undefined, b: null, c: 0, d: "", e: false, f: { g: null } }), { c: 0, d: "", e: false, f: {} });
  });

  it("keeps list positions (a null element stays null)", () => {
    assert.deepEqual(toPlain(["a", null, undefined]), ["a", null, null]);
  });

  it("refuses assets, archives and resource references (other signatures)", () => {
    assert.throws(() => toPlain({ x: { [SECRET_SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", path: "/f" } }), /inputs\.x is a Pulumi asset/);
  });
});

describe("assertImplemented: strict inputs", () => {
  const spec = { name: "any", labels: { label: "any", value: "any" }, environment: "any" } as const;

  it("accepts implemented inputs, including free-form maps under 'any'", () => {
    assert.doesNotThrow(() => assertImplemented("t:x:Y", "n", { name: "a", labels: [{ label: "k", value: "v" }], environment: { ANY_KEY: "1" } }, spec));
  });

  it("names the type, resource and unimplemented top-level input", () => {
    assert.throws(() => assertImplemented("docker:index/container:Container", "pg-dev-primary", { name: "a", foo: 1 }, spec),
      { message: "stand-in: docker:index/container:Container 'pg-dev-primary': input 'foo' is not implemented" });
  });

  it("names the path of an unimplemented nested input inside a list", () => {
    assert.throws(() => assertImplemented("t:x:Y", "n", { labels: [{ label: "k", value: "v" }, { label: "k", owner: "root" }] }, spec),
      { message: "stand-in: t:x:Y 'n': input 'labels[1].owner' is not implemented" });
  });
});

describe("InputReader", () => {
  const read = new InputReader("t:x:Y", "n");

  it("turns a label list into a map", () => {
    assert.deepEqual(read.labels([{ label: "a", value: "1" }, { label: "b", value: "2" }], "labels"), { a: "1", b: "2" });
  });

  it("fails with the input path on a wrong type", () => {
    assert.throws(() => read.string(5, "name"), { message: "stand-in: t:x:Y 'n': input 'name' must be a string" });
    assert.throws(() => read.integer(1.5, "stopTimeout"), /input 'stopTimeout' must be an integer/);
    assert.throws(() => read.strings(["a", 1], "command"), /input 'command\[1\]' must be a string/);
  });

  it("reads labels back sorted, in the provider's list form", () => {
    assert.deepEqual(labelList({ b: "2", a: "1" }), [{ label: "a", value: "1" }, { label: "b", value: "2" }]);
    assert.deepEqual(labelList(null), []);
  });
});

describe("goQuote: Go's %q", () => {
  it("escapes quotes, backslashes and control characters the way strconv.Quote does", () => {
    assert.equal(goQuote("set -eu\necho \"hi\"\t\\"), "\"set -eu\\necho \\\"hi\\\"\\t\\\\\"");
    assert.equal(goQuote("\u0001\u007f"), "\"\\x01\\x7f\"");
    assert.equal(goQuote("\u0007\b\f\r\u000b"), "\"\\a\\b\\f\\r\\v\"");
  });

  it("keeps printable Unicode and escapes non-printable spaces", () => {
    assert.equal(goQuote("café → ok"), "\"café → ok\"");
    assert.equal(goQuote("a\u00a0b"), "\"a\\u00a0b\"");
  });
});

describe("parseGoDuration: Go's time.ParseDuration", () => {
  it("parses units and compound durations to nanoseconds", () => {
    assert.equal(parseGoDuration("1s"), 1e9);
    assert.equal(parseGoDuration("500ms"), 5e8);
    assert.equal(parseGoDuration("1m30s"), 90e9);
    assert.equal(parseGoDuration("1.5h"), 5400e9);
    assert.equal(parseGoDuration("0"), 0);
    assert.equal(parseGoDuration("0s"), 0);
    assert.equal(parseGoDuration("-1s"), -1e9);
  });

  it("rejects what Go rejects, with Go's message", () => {
    assert.throws(() => parseGoDuration("5"), { message: "time: missing unit in duration \"5\"" });
    assert.throws(() => parseGoDuration("1 second"), { message: "time: invalid duration \"1 second\"" });
    assert.throws(() => parseGoDuration(""), { message: "time: invalid duration \"\"" });
  });
});

describe("formatGoDuration: Go's time.Duration.String(), the docker provider's healthcheck read-back", () => {
  it("writes what the program's durations read back as", () => {
    const back = (text: string): string => formatGoDuration(parseGoDuration(text));
    assert.equal(back("120s"), "2m0s");
    assert.equal(back("2m0s"), "2m0s");
    assert.equal(back("1s"), "1s");
    assert.equal(back("5s"), "5s");
    assert.equal(back("500ms"), "500ms");
    assert.equal(back("90s"), "1m30s");
    assert.equal(back("1h"), "1h0m0s");
    assert.equal(back("0s"), "0s");
    assert.equal(back("0"), "0s");
  });

  it("keeps fractions and sub-second units as Go prints them", () => {
    assert.equal(formatGoDuration(1_500_000_000), "1.5s");
    assert.equal(formatGoDuration(1_500_000), "1.5ms");
    assert.equal(formatGoDuration(1_500), "1.5µs");
    assert.equal(formatGoDuration(999), "999ns");
    assert.equal(formatGoDuration(3_723_000_000_000), "1h2m3s");
    assert.equal(formatGoDuration(-90_000_000_000), "-1m30s");
  });
});
