/**
 * Comparing declared server settings with what a server reports, pure.
 *
 * The outputs declare settings the way they are passed to `postgres -c`
 * ("1GB", "on"), while the server may print the same value differently:
 * `pg_settings.setting` holds `max_slot_wal_keep_size` as "1024" in unit
 * "MB", booleans accept on/true/yes/1. So values are compared after
 * normalising both sides with the setting's type and unit from `pg_settings`.
 */

/** One row of `pg_settings`, as the tools read it. */
export interface ServerSetting {
  readonly name: string;
  /** `pg_settings.setting`: the value in `unit`. */
  readonly setting: string;
  /** `pg_settings.unit`: "MB", "8kB", "ms", "s", "min"... or null. */
  readonly unit: string | null;
  /** `pg_settings.vartype`: bool, enum, integer, real, string. */
  readonly vartype: string;
  /** `current_setting(name)`: what `SHOW` prints, for display. */
  readonly shown: string;
}

const MEMORY: Readonly<Record<string, number>> = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };
const TIME: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Size of one `pg_settings.unit` in bytes or milliseconds ("8kB" -> 8192). */
function unitSize(unit: string): { size: number; table: Readonly<Record<string, number>> } | null {
  const m = /^(\d*)\s*([a-zA-Z]+)$/.exec(unit);
  if (m === null) return null;
  const factor = m[1] === "" ? 1 : Number(m[1]);
  if (m[2] in MEMORY) return { size: factor * MEMORY[m[2]], table: MEMORY };
  if (m[2] in TIME) return { size: factor * TIME[m[2]], table: TIME };
  return null;
}

/**
 * A numeric value as a count of the setting's unit, as PostgreSQL would store
 * it: "1GB" for unit "MB" -> 1024; a bare number is already in the unit.
 * Units are case-sensitive in PostgreSQL ("1gb" is rejected), and so here.
 */
function numberInUnit(value: string, unit: string | null): number | null {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  if (m === null) return null;
  const n = Number(m[1]);
  if (m[2] === "") return n;
  if (unit === null) return null;
  const u = unitSize(unit);
  if (u === null || !(m[2] in u.table)) return null;
  // PostgreSQL rounds a value given in another unit to the nearest whole unit.
  return Math.round((n * u.table[m[2]]) / u.size);
}

const TRUE = new Set(["on", "true", "yes", "1", "t", "y"]);
const FALSE = new Set(["off", "false", "no", "0", "f", "n"]);

function normaliseBool(value: string): string | null {
  const v = value.trim().toLowerCase();
  if (TRUE.has(v)) return "on";
  if (FALSE.has(v)) return "off";
  return null;
}

/** True when the declared value means what the server has. */
export function settingMatches(declared: string, actual: ServerSetting): boolean {
  if (actual.name === "synchronous_standby_names") return sameSyncStandbyNames(declared, actual.setting);
  switch (actual.vartype) {
    case "bool": {
      const d = normaliseBool(declared);
      return d !== null && d === normaliseBool(actual.setting);
    }
    case "integer":
    case "real": {
      const d = numberInUnit(declared, actual.unit);
      return d !== null && d === Number(actual.setting);
    }
    case "enum":
      return declared.trim().toLowerCase() === actual.setting.trim().toLowerCase();
    default:
      return declared === actual.setting;
  }
}

/** A parsed `synchronous_standby_names`. */
export interface SyncStandbyNames {
  readonly method: "none" | "first" | "any";
  readonly num: number;
  /** Standby names, lower-cased: PostgreSQL matches them case-insensitively. */
  readonly names: readonly string[];
}

/** Splits `a, "b c", d` on commas outside double quotes; `""` inside quotes is a quote. */
function splitNames(list: string): string[] | null {
  const names: string[] = [];
  let i = 0;
  while (i <= list.length) {
    while (i < list.length && /\s/.test(list[i])) i += 1;
    let name = "";
    if (list[i] === '"') {
      i += 1;
      for (;;) {
        if (i >= list.length) return null;
        if (list[i] === '"') {
          if (list[i + 1] === '"') {
            name += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        name += list[i];
        i += 1;
      }
      while (i < list.length && /\s/.test(list[i])) i += 1;
    } else {
      const end = list.indexOf(",", i);
      name = (end === -1 ? list.slice(i) : list.slice(i, end)).trim();
      i = end === -1 ? list.length : end;
    }
    if (name === "") return null;
    names.push(name.toLowerCase());
    if (i >= list.length) break;
    if (list[i] !== ",") return null;
    i += 1;
  }
  return names;
}

/**
 * Parses the three forms PostgreSQL accepts: `FIRST k (names)`, `ANY k (names)`,
 * `k (names)` (same as FIRST) and a bare list (same as FIRST 1). Empty means
 * no synchronous standbys. Null when the text is none of these.
 */
export function parseSyncStandbyNames(text: string): SyncStandbyNames | null {
  const t = text.trim();
  if (t === "") return { method: "none", num: 0, names: [] };
  const m = /^(?:(first|any)\s+)?(\d+)\s*\((.*)\)$/is.exec(t);
  if (m !== null) {
    const names = splitNames(m[3]);
    if (names === null) return null;
    return { method: m[1]?.toLowerCase() === "any" ? "any" : "first", num: Number(m[2]), names };
  }
  const names = splitNames(t);
  return names === null ? null : { method: "first", num: 1, names };
}

function sameSyncStandbyNames(a: string, b: string): boolean {
  const pa = parseSyncStandbyNames(a);
  const pb = parseSyncStandbyNames(b);
  if (pa === null || pb === null) return a.trim() === b.trim();
  return pa.method === pb.method && pa.num === pb.num && pa.names.length === pb.names.length && pa.names.every((n, i) => n === pb.names[i]);
}
