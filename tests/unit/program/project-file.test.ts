/**
 * Pulumi.yaml's config schema as the Pulumi CLI reads it: a declared key with
 * a type and no default is REQUIRED (pulumi/pulumi pkg/workspace/config.go:
 * "Stack '<stack>' is missing configuration values ..."), and declared
 * defaults are injected into what the program reads. So every declared key
 * needs a default, and the default must be one the program accepts.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

import { CONFIG_KEYS, SECRET_KEYS, parseConfig } from "../../../components/config";

interface Declared {
  readonly type?: string;
  readonly default?: string;
  readonly secret?: string;
}

/** The `config:` block of Pulumi.yaml: two-space keys, four-space properties (scalars only). */
function declaredConfig(): Map<string, Declared> {
  const lines = readFileSync(join(__dirname, "../../../Pulumi.yaml"), "utf8").split("\n");
  const start = lines.indexOf("config:");
  assert.ok(start >= 0, "Pulumi.yaml has a config block");
  const keys = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const key = /^ {2}([A-Za-z]+):\s*$/.exec(line);
    const prop = /^ {4}([a-z]+):\s*(.*)$/.exec(line);
    if (key !== null) keys.set(key[1], (current = {}));
    else if (prop !== null && current !== undefined) current[prop[1]] = prop[2].replace(/^"(.*)"$/, "$1");
    else break;
  }
  return keys;
}

describe("Pulumi.yaml config schema", () => {
  const declared = declaredConfig();

  it("declares only keys the program knows", () => {
    assert.ok(declared.size > 0);
    for (const key of declared.keys()) assert.ok((CONFIG_KEYS as readonly string[]).includes(key), `${key} is declared but unknown to the program`);
  });

  it("gives every declared key a default, so the CLI requires none", () => {
    const required = [...declared].filter(([, d]) => d.default === undefined).map(([k]) => k);
    assert.deepEqual(required, []);
  });

  it("declares no secret (a secret cannot have a default)", () => {
    for (const key of SECRET_KEYS) assert.equal(declared.has(key), false, `${key} must stay undeclared`);
  });

  it("leaves undeclared the keys whose default depends on other values", () => {
    for (const key of ["namePrefix", "firstReplicaPort", "syncCount"]) assert.equal(declared.has(key), false, key);
  });

  it("has defaults the program accepts, equal to its own", () => {
    const injected: Record<string, string> = {};
    for (const [key, d] of declared) if (d.default !== undefined) injected[key] = d.default;
    assert.deepEqual(parseConfig(injected, "dev"), parseConfig({}, "dev"));
  });
});
