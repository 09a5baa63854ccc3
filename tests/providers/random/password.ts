/**
 * random.RandomPassword: hashicorp/terraform-provider-random v3.9.0
 * `random_password` (internal/provider/resource_password.go, generation in
 * internal/random/string.go) as bridged by @pulumi/random 4.21.2.
 *
 * - Defaults: special, upper, lower, numeric (and the deprecated number,
 *   which mirrors numeric) true; minNumeric/minUpper/minLower/minSpecial 0.
 *   The Plugin Framework applies them in its plan; the stand-in applies them
 *   in Check, so they are diffed and stored the same way.
 * - Every input RequiresReplace; id "none"; Read, Update (plan copied to
 *   state) and Delete touch nothing outside the state.
 * - `result` is Sensitive, so the bridge returns it secret (and the SDK lists
 *   it in additionalSecretOutputs too).
 * - `bcryptHash` (bcrypt of the result, cost 10) is left out: Node has no
 *   bcrypt built in, and the program never reads it.
 */
import { randomInt } from "node:crypto";

import { checkInputs, type InputSchema } from "../check";
import { diffState, type DiffTable, type PropertyRule } from "../diff";
import { InputReader, plainObject } from "../inputs";
import type { CheckOutcome, ResourceType } from "../server";
import { secret, type PropertyMap } from "../values";

const TYPE = "random:index/randomPassword:RandomPassword";

export const CHARSETS = {
  numeric: "0123456789",
  lower: "abcdefghijklmnopqrstuvwxyz",
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  special: "!@#$%&*()-_=+[]{}<>:?",
} as const;

export interface PasswordParams {
  readonly length: number;
  readonly upper: boolean;
  readonly lower: boolean;
  readonly numeric: boolean;
  readonly special: boolean;
  readonly minUpper: number;
  readonly minLower: number;
  readonly minNumeric: number;
  readonly minSpecial: number;
  readonly overrideSpecial: string;
}

/**
 * internal/random/string.go CreateString: the min_X characters of each set
 * first (even of a disabled set: the provider does the same), the rest from
 * the pool of the enabled sets, then shuffled; crypto-random throughout.
 */
export function generatePassword(p: PasswordParams): string {
  const special = p.overrideSpecial !== "" ? p.overrideSpecial : CHARSETS.special;
  const pool = (p.upper ? CHARSETS.upper : "") + (p.lower ? CHARSETS.lower : "") + (p.numeric ? CHARSETS.numeric : "") + (p.special ? special : "");
  if (pool === "") throw new Error("the character set specified is empty");
  const draw = (set: string, count: number): string[] => Array.from({ length: Math.max(0, count) }, () => set[randomInt(set.length)] as string);
  const chars = [
    ...draw(CHARSETS.numeric, p.minNumeric), ...draw(CHARSETS.lower, p.minLower),
    ...draw(CHARSETS.upper, p.minUpper), ...draw(special, p.minSpecial),
  ];
  chars.push(...draw(pool, p.length - chars.length));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

const R: PropertyRule = { effect: "replace" };
const PASSWORD_TABLE: DiffTable = {
  length: R, special: R, upper: R, lower: R, numeric: R, number: R, minLower: R, minUpper: R, minNumeric: R, minSpecial: R,
  // RequiresReplaceIf, except a change from "" to null.
  overrideSpecial: { effect: "replace", suppress: (old, news) => old === "" && news === undefined },
  keepers: R,
  result: { effect: "output" }, bcryptHash: { effect: "output" },
};

const SCHEMA: InputSchema = {
  type: TYPE,
  spec: {
    length: "any", special: "any", upper: "any", lower: "any", numeric: "any", number: "any",
    minLower: "any", minUpper: "any", minNumeric: "any", minSpecial: "any", overrideSpecial: "any", keepers: "any",
  },
  defaults: { special: true, upper: true, lower: true, minLower: 0, minUpper: 0, minNumeric: 0, minSpecial: 0 },
};

/** NumberNumericAttributePlanModifier: `number` and `numeric` mirror each other, default true. */
export function checkPassword(name: string, news: PropertyMap): CheckOutcome {
  const number = news["number"];
  const numeric = news["numeric"];
  if (typeof number === "boolean" && typeof numeric === "boolean" && number !== numeric) {
    return { inputs: news, failures: [{ property: "numeric", reason: "Number and numeric are both configured with different values" }] };
  }
  const mirrored = numeric ?? number ?? true;
  return checkInputs(SCHEMA, name, { ...news, numeric: mirrored, number: mirrored });
}

function params(name: string, inputs: PropertyMap): PasswordParams {
  const read = new InputReader(TYPE, name);
  const plain = plainObject(inputs);
  const int = (key: string): number => read.integer(plain[key], key) ?? 0;
  const bool = (key: string): boolean => read.boolean(plain[key], key) ?? true;
  const p: PasswordParams = {
    length: int("length"), upper: bool("upper"), lower: bool("lower"), numeric: bool("numeric"), special: bool("special"),
    minUpper: int("minUpper"), minLower: int("minLower"), minNumeric: int("minNumeric"), minSpecial: int("minSpecial"),
    overrideSpecial: read.string(plain["overrideSpecial"], "overrideSpecial") ?? "",
  };
  const mins = p.minUpper + p.minLower + p.minNumeric + p.minSpecial;
  if (p.length < 1 || p.length < mins) throw read.fail(`input 'length' must be at least 1 and at least the sum of the min_* values (${mins}), got ${p.length}`);
  return p;
}

export const randomPasswordType: ResourceType = {
  token: TYPE,
  check: (name, _olds, news) => checkPassword(name, news),
  diff: (_oldInputs, oldOutputs, news) => diffState(PASSWORD_TABLE, oldOutputs, news, false),
  async create(name, inputs) {
    return { id: "none", outputs: { ...inputs, result: secret(generatePassword(params(name, inputs))) } };
  },
  async read(id, outputs, inputs) {
    return { id, outputs, inputs };
  },
  async update(_id, _name, olds, news) {
    return { ...olds, ...news };
  },
  async delete() {
    // Nothing exists outside the state.
  },
};
