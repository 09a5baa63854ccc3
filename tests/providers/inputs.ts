/**
 * Turning the property values the engine sends a stand-in into plain values,
 * and refusing any input the stand-in does not implement.
 *
 * Secret values arrive wrapped in Pulumi's secret envelope and unset inputs
 * may arrive as null; each stand-in applies its provider's defaults in Check
 * (check.ts).
 */

/** Pulumi's signature key and value marking a secret in serialized properties (sdk/nodejs/runtime/rpc.ts). */
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
export type PlainObject = { [key: string]: Plain };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/**
 * Removes secret envelopes at any depth, drops undefined/null object members
 * (they count as absent) and rejects anything that is not JSON-like data
 * (assets, archives, resource references: the stand-ins implement none).
 */
export function toPlain(value: unknown, path = "inputs"): Plain | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`${path} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => toPlain(item, `${path}[${i}]`) ?? null);
  }
  if (isRecord(value)) {
    if (value[SECRET_SIG_KEY] === SECRET_SIG) return toPlain(value["value"], path);
    if (SECRET_SIG_KEY in value) throw new Error(`${path} is a Pulumi asset, archive or resource reference, which the stand-in does not implement`);
    const out: PlainObject = {};
    for (const [key, item] of Object.entries(value)) {
      const plain = toPlain(item, `${path}.${key}`);
      if (plain !== undefined) out[key] = plain;
    }
    return out;
  }
  throw new Error(`${path} has unsupported type ${typeof value}`);
}

export function plainObject(value: unknown): PlainObject {
  const plain = toPlain(value);
  if (plain === undefined) return {};
  if (!isRecord(plain)) throw new Error("inputs are not an object");
  return plain as PlainObject;
}

/**
 * What a handler implements. `"any"` accepts any value (scalars, lists of
 * scalars, maps with free keys); an object spec lists the implemented members
 * of a nested object, or of each element of a list of objects.
 */
export type InputSpec = "any" | { readonly [key: string]: InputSpec };

/** The error every refusal and validation failure of the stand-ins uses. */
export class StandInError extends Error {
  constructor(type: string, name: string, detail: string) {
    super(`stand-in: ${type} '${name}': ${detail}`);
    this.name = "StandInError";
  }
}

function unimplemented(value: unknown, spec: InputSpec, path: string): string | undefined {
  if (spec === "any") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unimplemented(value[i], spec, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const child = spec[key];
    const childPath = path === "" ? key : `${path}.${key}`;
    if (child === undefined) return childPath;
    const found = unimplemented(item, child, childPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Throws `stand-in: <type> '<name>': input '<path>' is not implemented` for the first unknown input. */
export function assertImplemented(type: string, name: string, inputs: PlainObject, spec: InputSpec): void {
  const path = unimplemented(inputs, spec, "");
  if (path !== undefined) throw new StandInError(type, name, `input '${path}' is not implemented`);
}

/** Typed reads of validated inputs, failing with the input's path. */
export class InputReader {
  constructor(private readonly type: string, private readonly name: string) {}

  fail(detail: string): StandInError {
    return new StandInError(this.type, this.name, detail);
  }

  string(value: Plain | undefined, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw this.fail(`input '${path}' must be a string`);
    return value;
  }

  requiredString(value: Plain | undefined, path: string): string {
    const s = this.string(value, path);
    if (s === undefined) throw this.fail(`input '${path}' is required`);
    return s;
  }

  number(value: Plain | undefined, path: string): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "number") throw this.fail(`input '${path}' must be a number`);
    return value;
  }

  integer(value: Plain | undefined, path: string): number | undefined {
    const n = this.number(value, path);
    if (n !== undefined && !Number.isInteger(n)) throw this.fail(`input '${path}' must be an integer`);
    return n;
  }

  boolean(value: Plain | undefined, path: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "boolean") throw this.fail(`input '${path}' must be a boolean`);
    return value;
  }

  strings(value: Plain | undefined, path: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw this.fail(`input '${path}' must be a list of strings`);
    return value.map((item, i) => {
      if (typeof item !== "string") throw this.fail(`input '${path}[${i}]' must be a string`);
      return item;
    });
  }

  objects(value: Plain | undefined, path: string): PlainObject[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.fail(`input '${path}' must be a list`);
    return value.map((item, i) => this.object(item, `${path}[${i}]`) ?? {});
  }

  object(value: Plain | undefined, path: string): PlainObject | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value)) throw this.fail(`input '${path}' must be an object`);
    return value as PlainObject;
  }

  stringMap(value: Plain | undefined, path: string): Record<string, string> | undefined {
    const obj = this.object(value, path);
    if (obj === undefined) return undefined;
    const out: Record<string, string> = {};
    for (const [key, item] of Object.entries(obj)) {
      if (typeof item !== "string") throw this.fail(`input '${path}.${key}' must be a string`);
      out[key] = item;
    }
    return out;
  }

  /** `[{label, value}]`, the docker provider's label list, as a map. */
  labels(value: Plain | undefined, path: string): Record<string, string> {
    const out: Record<string, string> = {};
    this.objects(value, path).forEach((item, i) => {
      const label = this.requiredString(item["label"], `${path}[${i}].label`);
      out[label] = this.requiredString(item["value"], `${path}[${i}].value`);
    });
    return out;
  }
}

/** The docker provider's read-back form of a label map. */
export function labelList(labels: Readonly<Record<string, string>> | null | undefined): PlainObject[] {
  return Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => ({ label, value }));
}
