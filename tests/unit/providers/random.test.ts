/** The random stand-in's RandomPassword: defaults, replace-on-every-input, generation, a secret result. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CHARSETS, generatePassword, randomPasswordType, type PasswordParams } from "../../providers/random/password";
import { isSecret } from "../../providers/values";

const base: PasswordParams = {
  length: 32, upper: true, lower: true, numeric: true, special: false,
  minUpper: 0, minLower: 0, minNumeric: 0, minSpecial: 0, overrideSpecial: "",
};

describe("RandomPassword: check and diff", () => {
  it("defaults special/upper/lower/numeric/number to true and the minimums to 0", () => {
    const outcome = randomPasswordType.check("p", {}, { length: 32, special: false });
    assert.deepEqual(outcome, {
      inputs: { length: 32, special: false, upper: true, lower: true, numeric: true, number: true, minLower: 0, minUpper: 0, minNumeric: 0, minSpecial: 0 },
      failures: [],
    });
  });

  it("mirrors number and numeric, and refuses the two set differently", () => {
    const inputs = randomPasswordType.check("p", {}, { length: 8, number: false });
    assert.equal(inputs.inputs["numeric"], false);
    assert.equal(randomPasswordType.check("p", {}, { length: 8, number: false, numeric: true }).failures[0]?.reason,
      "Number and numeric are both configured with different values");
  });

  it("replaces on a change of any input, create-before-delete, and never diffs the result", async () => {
    const inputs = randomPasswordType.check("p", {}, { length: 32, special: false }).inputs;
    const { outputs } = await randomPasswordType.create("p", inputs, 0);
    assert.deepEqual(randomPasswordType.diff(inputs, outputs, inputs).changes, []);
    assert.deepEqual(randomPasswordType.diff(inputs, outputs, { ...inputs, length: 16 }), { changes: [{ path: "length", kind: "update-replace" }], deleteBeforeReplace: false });
    assert.deepEqual(randomPasswordType.diff(inputs, outputs, { ...inputs, special: true }).changes, [{ path: "special", kind: "update-replace" }]);
  });
});

describe("RandomPassword: create", () => {
  it("has id \"none\" and returns the result wrapped as a secret; update keeps it", async () => {
    const inputs = randomPasswordType.check("p", {}, { length: 32, special: false }).inputs;
    const created = await randomPasswordType.create("p", inputs, 0);
    assert.equal(created.id, "none");
    const result = created.outputs["result"];
    assert.ok(isSecret(result));
    assert.match(String(result["value"]), /^[A-Za-z0-9]{32}$/);
    const updated = await randomPasswordType.update("none", "p", created.outputs, { ...inputs, keepers: { a: "b" } }, inputs);
    assert.deepEqual(updated["result"], result);
  });

  it("draws from the enabled sets only, and honours the minimums (even of a disabled set, as the provider does)", () => {
    assert.match(generatePassword({ ...base, upper: false, numeric: false }), /^[a-z]{32}$/);
    const quirk = generatePassword({ ...base, length: 10, upper: false, numeric: false, minUpper: 4 });
    assert.equal([...quirk].filter((c) => CHARSETS.upper.includes(c)).length, 4);
    const special = generatePassword({ ...base, length: 40, special: true, overrideSpecial: "#", minSpecial: 5 });
    assert.ok([...special].filter((c) => c === "#").length >= 5);
    assert.throws(() => generatePassword({ ...base, upper: false, lower: false, numeric: false }), /the character set specified is empty/);
  });
});
