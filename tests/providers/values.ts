/**
 * Property values as the engine sends them to a provider (a protobuf Struct
 * turned into JavaScript): secrets wrapped in Pulumi's signature envelope, and
 * values not known during a preview as the unknown sentinel string.
 */
import { SECRET_SIG, SECRET_SIG_KEY, type Plain } from "./inputs";

export type PropertyMap = { [key: string]: Plain };

/** pulumi/sdk/go/common/resource/plugin/rpc.go: UnknownStringValue. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isSecret(value: Plain | undefined): value is { [key: string]: Plain } {
  return typeof value === "object" && value !== null && !Array.isArray(value) && value[SECRET_SIG_KEY] === SECRET_SIG;
}

export function secret(value: Plain): Plain {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** True when the value is, or contains, a value that is unknown until apply. */
export function containsUnknown(value: Plain | undefined): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value as Record<string, Plain>).some(containsUnknown);
  return false;
}

/** True when the value is, or contains, a secret. */
export function containsSecret(value: Plain | undefined): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value as Record<string, Plain>).some(containsSecret);
  return false;
}

/**
 * Outputs that echo an input keep its secrecy: each top-level output whose
 * input held a secret is returned wrapped, so the state never holds it in
 * plain text.
 */
export function keepSecrecy(inputs: PropertyMap, outputs: PropertyMap): PropertyMap {
  const out: PropertyMap = {};
  for (const [key, value] of Object.entries(outputs)) {
    out[key] = containsSecret(inputs[key]) && !isSecret(value) ? secret(value) : value;
  }
  return out;
}

/** Applies `fn` to the value inside a secret envelope (re-wrapping it), or to the value itself. */
export function underSecret(value: Plain, fn: (inner: Plain) => Plain): Plain {
  return isSecret(value) ? secret(underSecret(value["value"] as Plain, fn)) : fn(value);
}

function isPlainObject(value: Plain | undefined): value is { [key: string]: Plain } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Fills absent members of `inputs` from `defaults` (a schema's Default
 * values), recursing into nested objects and into every element of a list
 * of objects; secret envelopes are kept and unknown values left alone.
 */
export function withDefaults(inputs: PropertyMap, defaults: PropertyMap): PropertyMap {
  const out: PropertyMap = { ...inputs };
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = out[key];
    if (value === undefined || value === null) {
      if (!isPlainObject(fallback)) out[key] = fallback;
      continue;
    }
    if (!isPlainObject(fallback)) continue;
    out[key] = underSecret(value, (inner) => {
      if (Array.isArray(inner)) return inner.map((item) => underSecret(item, (el) => (isPlainObject(el) && !isSecret(el) ? withDefaults(el, fallback) : el)));
      return isPlainObject(inner) ? withDefaults(inner, fallback) : inner;
    });
  }
  return out;
}
