/**
 * Command-line parsing shared by the tools: `node:util` parseArgs in strict
 * mode, a generated `--help`, and one-line errors (exit 2) for anything it
 * does not understand. Values are validated here so the tools get numbers.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";

export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** Shown after the flag in the help, e.g. `SECONDS`. */
  readonly value?: string;
  readonly description: string;
}

export interface ToolSpec {
  /** `verify`, `status`, `promote`: the npm script name. */
  readonly name: string;
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Extra help text after the options (exit codes, examples). */
  readonly epilogue?: string;
}

/** Options every tool has. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  outputs: { type: "string", value: "FILE", description: "read the stack outputs from FILE (as `pulumi stack output --json --show-secrets > FILE` writes them) instead of running `pulumi stack output`" },
  stack: { type: "string", value: "NAME", description: "Pulumi stack to read the outputs of (default: the selected stack)" },
  timeout: { type: "string", value: "SECONDS", description: "connect and statement timeout per server (default 5)" },
  json: { type: "boolean", description: "print a machine-readable JSON object instead of the report" },
  help: { type: "boolean", description: "show this help" },
};

export type Values = Readonly<Record<string, string | boolean | undefined>>;

export function usage(spec: ToolSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => [`--${name}${o.value !== undefined ? ` ${o.value}` : ""}`, o.description]);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  const lines = [
    `Usage: npm run ${spec.name} -- [options]`,
    "",
    spec.summary,
    "",
    "Options:",
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
  ];
  if (spec.epilogue !== undefined) lines.push("", spec.epilogue);
  return lines.join("\n");
}

function quoted(message: string): string {
  return /'([^']+)'/.exec(message)?.[1] ?? "";
}

/** Rewrites parseArgs' errors (multi-line, Node-specific) as one line about the user's input. */
function usageMessage(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted(message)}`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${quoted(message)}`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const flag = quoted(message).split(" ")[0];
      return /does not take an argument/.test(message) ? `option ${flag} does not take a value` : `option ${flag} needs a value`;
    }
    default:
      return message.split("\n", 1)[0];
  }
}

/**
 * Parses argv against the spec. Returns null when `--help` was given (the
 * caller prints the usage and exits 0); throws UsageError otherwise.
 */
export function parseCli(spec: ToolSpec, argv: readonly string[]): Values | null {
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, o] of Object.entries(spec.options)) options[name] = { type: o.type };
  let values: Values;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(usageMessage(err));
  }
  return values.help === true ? null : values;
}

export function stringOption(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function flag(values: Values, name: string): boolean {
  return values[name] === true;
}

/** A positive number of seconds, returned in milliseconds. */
export function secondsOption(values: Values, name: string, defaultSeconds: number, maxSeconds = 3600): number {
  const raw = stringOption(values, name);
  if (raw === undefined) return defaultSeconds * 1000;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n <= 0 || n > maxSeconds) {
    throw new UsageError(`--${name} must be a number of seconds above 0 and at most ${maxSeconds}, got "${raw}"`);
  }
  return Math.round(n * 1000);
}

/** A whole number within bounds. */
export function integerOption(values: Values, name: string, min: number, max: number): number | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\s*-?\d+\s*$/.test(raw) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number between ${min} and ${max}, got "${raw}"`);
  }
  return n;
}
