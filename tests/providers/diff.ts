/**
 * The replace-or-update decision of the stand-ins. Pure.
 *
 * Bridged providers (docker, random) diff the NEW INPUTS against the OLD STATE
 * (the outputs), as pulumi-terraform-bridge plans a Terraform resource: the
 * prior state against the config. So a value the provider's Read normalised
 * (a healthcheck "120s" read back as "2m0s") diffs on the next preview, and an
 * Optional+Computed property absent from the inputs keeps its state value and
 * does not diff. A table per type copies the real schema (`diffState`).
 *
 * The command provider (pulumi-go-provider infer) diffs the OLD INPUTS against
 * the new ones instead (`diffInputs`).
 */
import { toPlain, type Plain } from "./inputs";
import { containsUnknown, UNKNOWN, type PropertyMap } from "./values";

export interface PropertyRule {
  /**
   * "replace": ForceNew in the real schema; "update": changed in place (or
   * only in state) by its Update; "output": Computed only, never an input,
   * never diffed.
   */
  readonly effect: "replace" | "update" | "output";
  /** Optional+Computed: when absent from the new inputs, the state's value stands. */
  readonly computed?: boolean;
  /** A TypeSet: element order does not matter. */
  readonly set?: boolean;
  /** The schema's DiffSuppressFunc for the whole property: true = no change. */
  readonly suppress?: (old: Plain | undefined, news: Plain | undefined) => boolean;
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

function isRecord(value: Plain | undefined): value is { [key: string]: Plain } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Terraform SDKv2 keeps no difference between an absent attribute and its
 * zero value (null, "", 0, false, empty list or map): both read back the same.
 */
export function isZero(value: Plain | undefined): boolean {
  if (value === undefined || value === null || value === "" || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isRecord(value)) return Object.keys(value).length === 0;
  return false;
}

/** Secrets unwrapped, zero-valued object members dropped, set elements sorted: two values diff iff these differ. */
function normalize(value: Plain | undefined, set: boolean): Plain | undefined {
  const plain = value === undefined ? undefined : toPlain(value);
  const strip = (v: Plain): Plain => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isRecord(v)) return v;
    const out: { [key: string]: Plain } = {};
    for (const key of Object.keys(v).sort()) {
      const item = strip(v[key] as Plain);
      if (!isZero(item)) out[key] = item;
    }
    return out;
  };
  if (plain === undefined || isZero(plain)) return undefined;
  const stripped = strip(plain);
  if (set && Array.isArray(stripped)) return stripped.map((item) => JSON.stringify(item)).sort();
  return stripped;
}

function same(a: Plain | undefined, b: Plain | undefined, set: boolean): boolean {
  return JSON.stringify(normalize(a, set) ?? null) === JSON.stringify(normalize(b, set) ?? null);
}

/** Absent (or an empty list/map) before: add; absent after: delete; else update. */
function kindOf(before: Plain | undefined, after: Plain | undefined, replace: boolean): PropertyChange["kind"] {
  const absent = (v: Plain | undefined): boolean => v === undefined || v === null || (typeof v === "object" && isZero(v));
  const base = absent(before) ? "add" : absent(after) ? "delete" : "update";
  return replace ? `${base}-replace` : base;
}

/**
 * The bridge's diff: new inputs against the old state, property by property.
 * A property missing from the table is an error (the stand-in would otherwise
 * guess). A value unknown during a preview counts as changed. A nested object
 * (a MaxItems:1 block such as `healthcheck`) is reported per member.
 */
export function diffState(table: DiffTable, state: PropertyMap, news: PropertyMap, deleteBeforeReplace: boolean): DiffOutcome {
  const changes: PropertyChange[] = [];
  const keys = [...new Set([...Object.keys(state), ...Object.keys(news)])].sort();
  for (const key of keys) {
    const rule = table[key];
    if (rule === undefined) throw new Error(`property '${key}' has no entry in the stand-in's diff table`);
    if (rule.effect === "output") continue;
    const before = state[key];
    const after = news[key];
    if (after === undefined && (rule.computed === true || isZero(before))) continue;
    const replace = rule.effect === "replace";
    if (containsUnknown(after)) {
      changes.push({ path: key, kind: kindOf(before, after, replace) });
      continue;
    }
    if (rule.suppress?.(before === undefined ? undefined : toPlain(before), after === undefined ? undefined : toPlain(after))) continue;
    if (same(before, after, rule.set === true)) continue;
    const plainBefore = before === undefined ? undefined : toPlain(before);
    const plainAfter = after === undefined ? undefined : toPlain(after);
    if (rule.set !== true && isRecord(plainBefore) && isRecord(plainAfter)) {
      for (const member of [...new Set([...Object.keys(plainBefore), ...Object.keys(plainAfter)])].sort()) {
        if (same(plainBefore[member], plainAfter[member], false)) continue;
        changes.push({ path: `${key}.${member}`, kind: kindOf(plainBefore[member], plainAfter[member], replace) });
      }
      continue;
    }
    changes.push({ path: key, kind: kindOf(before, after, replace) });
  }
  return { changes, deleteBeforeReplace: deleteBeforeReplace && changes.some((c) => c.kind.endsWith("replace")) };
}

/** Deep difference of two input values as detailed-diff paths (`environment.FOO`, `triggers[1]`). */
function deepPaths(path: string, before: Plain | undefined, after: Plain | undefined, out: PropertyChange[]): void {
  if (after === UNKNOWN) {
    out.push({ path, kind: before === undefined ? "add" : "update" });
    return;
  }
  const a = before === undefined ? undefined : toPlain(before);
  const b = after === undefined ? undefined : toPlain(after);
  if (JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) return;
  if (a === undefined) return void out.push({ path, kind: "add" });
  if (b === undefined) return void out.push({ path, kind: "delete" });
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) deepPaths(`${path}[${i}]`, a[i], b[i], out);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) deepPaths(`${path}.${key}`, a[key], b[key], out);
    return;
  }
  out.push({ path, kind: "update" });
}

/**
 * pulumi-go-provider infer's default Diff (infer/resource.go): old inputs
 * against new inputs, `version` and `__*` keys dropped, reported at nested
 * paths; only a top-level key marked replaceOnChanges in the provider's
 * schema replaces (added, removed or changed as a whole). Element changes
 * below it come back as updates: the engine turns them into a replace when
 * the SDK registered `replaceOnChanges` for them.
 */
export function diffInputs(oldInputs: PropertyMap, news: PropertyMap, replaceOnChanges: readonly string[]): DiffOutcome {
  const changes: PropertyChange[] = [];
  const keys = [...new Set([...Object.keys(oldInputs), ...Object.keys(news)])]
    .filter((key) => key !== "version" && !key.startsWith("__"))
    .sort();
  for (const key of keys) {
    const found: PropertyChange[] = [];
    deepPaths(key, oldInputs[key], news[key], found);
    const wholeKey = found.length === 1 && found[0]?.path === key;
    for (const change of found) {
      const replace = wholeKey && replaceOnChanges.includes(key);
      changes.push(replace ? { path: change.path, kind: `${change.kind}-replace` as PropertyChange["kind"] } : change);
    }
  }
  return { changes, deleteBeforeReplace: false };
}
