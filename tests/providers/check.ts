/**
 * Check, as a bridged provider does it: the schema's Default values are filled
 * in for absent inputs (pulumi-terraform-bridge applies them in Check, so they
 * are what the engine records as the resource's inputs), and, unlike the real
 * provider, any input the stand-in does not implement is refused with its
 * path named.
 */
import { assertImplemented, plainObject, type InputSpec, type Plain } from "./inputs";
import type { CheckOutcome } from "./server";
import { withDefaults, type PropertyMap } from "./values";

export interface InputSchema {
  readonly type: string;
  /** The implemented inputs (after defaults); any other is refused. */
  readonly spec: InputSpec;
  /**
   * The schema's Default values. An object value holds the defaults of the
   * members of a nested block (each element of a list of blocks).
   */
  readonly defaults?: PropertyMap;
  /** Inputs implemented at one value only (their default): another value is refused. */
  readonly fixed?: Readonly<Record<string, Plain>>;
}

export function checkInputs(schema: InputSchema, name: string, news: PropertyMap): CheckOutcome {
  const inputs = withDefaults(news, schema.defaults ?? {});
  try {
    const plain = plainObject(inputs);
    assertImplemented(schema.type, name, plain, schema.spec);
    for (const [key, only] of Object.entries(schema.fixed ?? {})) {
      const value = plain[key];
      if (value !== undefined && JSON.stringify(value) !== JSON.stringify(only)) {
        return { inputs, failures: [{ property: key, reason: `${key} = ${JSON.stringify(value)} is not implemented by the stand-in (only ${JSON.stringify(only)})` }] };
      }
    }
  } catch (error) {
    return { inputs, failures: [{ property: "", reason: (error as Error).message }] };
  }
  return { inputs, failures: [] };
}
