/**
 * Two bits of Go behaviour the providers expose to users, reproduced so the
 * stand-ins' errors and validations read exactly like the real ones.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;
const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  "\u0007": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u000b": "\\v",
  "\\": "\\\\", "\"": "\\\"",
};

/**
 * Go's `%q` / strconv.Quote: the command provider formats a failed command as
 * `exit status N: running %q:\n<output>`, so a multi-line script appears on
 * one line with `\n` escapes.
 */
export function goQuote(text: string): string {
  let out = "\"";
  for (const ch of text) {
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    if (ch === " " || PRINTABLE.test(ch)) {
      out += ch;
      continue;
    }
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) out += `\\x${code.toString(16).padStart(2, "0")}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += `\\U${code.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

const UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9,
};

/**
 * Go's time.ParseDuration ("1s", "1m30s", "500ms", "0"), in nanoseconds.
 * The docker provider passes healthcheck durations through it.
 */
export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${goQuote(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest.startsWith("-")) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const match = part.exec(rest);
    if (match === null) {
      if (/^(\d+\.?\d*|\.\d+)/.test(rest) && !/[a-zµμ]/i.test(rest)) {
        throw new Error(`time: missing unit in duration ${goQuote(text)}`);
      }
      throw invalid();
    }
    const [whole, number, unit] = match;
    total += Number(number) * (UNIT_NS[unit as string] as number);
    rest = rest.slice((whole as string).length);
  }
  return sign * total;
}

/** Writes `v` with `prec` fractional digits, trailing zeros (and a bare '.') dropped: Go's fmtFrac. */
function fraction(v: bigint, prec: number): { rest: bigint; text: string } {
  let text = "";
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10n;
    print = print || digit !== 0n;
    if (print) text = `${digit}${text}`;
    rest /= 10n;
  }
  return { rest, text: print ? `.${text}` : "" };
}

/**
 * Go's time.Duration.String() for a duration in nanoseconds: "2m0s", "1s",
 * "500ms", "1h0m0s", "0s". The docker provider's Read writes healthcheck
 * durations back in this form (resource_docker_container_funcs.go:
 * `container.Config.Healthcheck.StartPeriod.String()`).
 */
export function formatGoDuration(nanoseconds: number | bigint): string {
  let u = BigInt(nanoseconds);
  const negative = u < 0n;
  if (negative) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    if (u < 1_000n) {
      out = `${u}ns`;
    } else if (u < 1_000_000n) {
      const { rest, text } = fraction(u, 3);
      out = `${rest}${text}µs`;
    } else {
      const { rest, text } = fraction(u, 6);
      out = `${rest}${text}ms`;
    }
  } else {
    const { rest, text } = fraction(u, 9);
    let seconds = rest;
    out = `${seconds % 60n}${text}s`;
    seconds /= 60n;
    if (seconds > 0n) {
      out = `${seconds % 60n}m${out}`;
      const hours = seconds / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return negative ? `-${out}` : out;
}
