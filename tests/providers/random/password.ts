/**
 * random.RandomPassword (terraform-provider-random, as bridged by
 * @pulumi/random): `length` characters drawn with a CSPRNG from the enabled
 * sets — upper, lower, numeric (default on) and special (default on, the
 * provider's default set `!@#$%&*()-_=+[]{}<>:?`). Its id is "none".
 * The SDK marks `result` secret itself (additionalSecretOutputs).
 */
import { randomInt } from "node:crypto";

import { InputReader, assertImplemented, type PlainObject } from "../inputs";
import type { CreateResult, ResourceHandler } from "../handler";

const TYPE = "random:index/randomPassword:RandomPassword";

export const CHARSETS = {
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  lower: "abcdefghijklmnopqrstuvwxyz",
  numeric: "0123456789",
  special: "!@#$%&*()-_=+[]{}<>:?",
} as const;

export function generatePassword(length: number, sets: { upper: boolean; lower: boolean; numeric: boolean; special: boolean }): string {
  const alphabet = (Object.keys(CHARSETS) as (keyof typeof CHARSETS)[])
    .filter((set) => sets[set])
    .map((set) => CHARSETS[set])
    .join("");
  if (alphabet === "") throw new Error("at least one character set must be enabled");
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export const randomPasswordHandler: ResourceHandler = {
  type: TYPE,
  spec: { length: "any", special: "any", upper: "any", lower: "any", numeric: "any" },

  async create(name: string, inputs: PlainObject): Promise<CreateResult> {
    assertImplemented(TYPE, name, inputs, this.spec);
    const read = new InputReader(TYPE, name);
    const length = read.integer(inputs["length"], "length");
    if (length === undefined) throw read.fail("input 'length' is required");
    if (length < 1) throw read.fail("input 'length' must be at least 1");
    const sets = {
      upper: read.boolean(inputs["upper"], "upper") ?? true,
      lower: read.boolean(inputs["lower"], "lower") ?? true,
      numeric: read.boolean(inputs["numeric"], "numeric") ?? true,
      special: read.boolean(inputs["special"], "special") ?? true,
    };
    return { id: "none", outputs: { ...inputs, ...sets, result: generatePassword(length, sets) } };
  },

  async destroy(): Promise<void> {
    // Nothing exists outside the state.
  },
};
