/**
 * The unit verify reports: one named check on one node, with a verdict, a
 * human detail, a hint when it failed, and the figures behind it for --json.
 */

export type CheckStatus = "pass" | "fail" | "warn" | "skip";

export type Figure = number | string | boolean | null;

export interface Check {
  /** "cluster", "primary" or "replica-<n>". */
  readonly node: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about a failure or warning. */
  readonly hint?: string;
  readonly figures?: Readonly<Record<string, Figure>>;
}

export function pass(node: string, name: string, detail: string, figures?: Record<string, Figure>): Check {
  return { node, name, status: "pass", detail, figures };
}

export function fail(node: string, name: string, detail: string, hint: string, figures?: Record<string, Figure>): Check {
  return { node, name, status: "fail", detail, hint, figures };
}

export function warn(node: string, name: string, detail: string, hint: string, figures?: Record<string, Figure>): Check {
  return { node, name, status: "warn", detail, hint, figures };
}

export function skip(node: string, name: string, detail: string, figures?: Record<string, Figure>): Check {
  return { node, name, status: "skip", detail, figures };
}

export interface Summary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly warnings: number;
  readonly skipped: number;
}

export function summarise(checks: readonly Check[]): Summary {
  const count = (s: CheckStatus): number => checks.filter((c) => c.status === s).length;
  return { total: checks.length, passed: count("pass"), failed: count("fail"), warnings: count("warn"), skipped: count("skip") };
}

/** Orders checks by node (cluster, then the nodes in declared order), keeping each node's own order. */
export function byNode(checks: readonly Check[], nodeOrder: readonly string[]): Check[] {
  const rank = (n: string): number => (n === "cluster" ? -1 : nodeOrder.indexOf(n) === -1 ? nodeOrder.length : nodeOrder.indexOf(n));
  return checks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c.node) - rank(b.c.node) || a.i - b.i)
    .map((x) => x.c);
}
