/**
 * The replace-or-update decision of a stand-in, driven by one table per
 * resource type that copies the real provider's schema: a property marked
 * "replace" is ForceNew there, "update" is changed in place by its Update,
 * and "ignore" is not an input the provider diffs (or it suppresses the diff).
 * Pure.
 */
import { toPlain, type Plain } from "./inputs";
import { containsUnknown, type PropertyMap } from "./values";

export type ChangeEffect = "replace" | "update" | "ignore";

export interface PropertyRule {
  readonly effect: ChangeEffect;
  /** A set in the real schema: order does not matter. */
  readonly unordered?: boolean;
}

export type DiffTable = Readonly<Record<string, PropertyRule>>;

export interface PropertyChange {
  readonly path: string;
  readonly kind: "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";
}

export interface DiffOutcome {
  readonly changes: readonly PropertyChange[];
  readonly deleteBeforeReplace: boolean;
}

function canonical(value: Plain | undefined, unordered: boolean): string {
  const plain = value === undefined ? undefined : toPlain(value);
  if (unordered && Array.isArray(plain)) return JSON.stringify(plain.map((item) => JSON.stringify(item)).sort());
  return JSON.stringify(plain ?? null);
}

function isEmpty(value: Plain | undefined): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/**
 * Compares recorded inputs with new ones, property by property. A property
 * missing from the table is an error: the stand-in would otherwise guess.
 * A value unknown during a preview counts as changed, as the real providers
 * count it.
 */
export function diffProperties(table: DiffTable, olds: PropertyMap, news: PropertyMap, deleteBeforeReplace: boolean): DiffOutcome {
  const changes: PropertyChange[] = [];
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort();
  for (const key of keys) {
    const rule = table[key];
    if (rule === undefined) throw new Error(`property '${key}' has no entry in the stand-in's diff table`);
    if (rule.effect === "ignore") continue;
    const before = olds[key];
    const after = news[key];
    const changed = containsUnknown(after) || canonical(before, rule.unordered === true) !== canonical(after, rule.unordered === true);
    if (!changed) continue;
    const base = isEmpty(before) ? "add" : isEmpty(after) ? "delete" : "update";
    changes.push({ path: key, kind: rule.effect === "replace" ? `${base}-replace` : base });
  }
  return { changes, deleteBeforeReplace: deleteBeforeReplace && changes.some((c) => c.kind.endsWith("replace")) };
}
