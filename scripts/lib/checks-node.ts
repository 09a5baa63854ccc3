/**
 * Checks about each server on its own (reachable, role, settings) and about
 * the servers together (who is writable, versions). Pure.
 */
import type { ClusterOutputs } from "../../components/outputs";
import { fail, pass, skip, type Check } from "./check";
import type { NodeRef } from "./nodes";
import { REBUILD_HINT, reapplyCommand } from "./rebuild";
import { settingMatches, type ServerSetting } from "./settings";
import type { ClusterSnapshot, NodeSnapshot } from "./snapshot";
import { describeWritable, type ReachableNode, type Topology } from "./topology";

/** The settings streaming replication depends on: each gets its own check line. */
export const REPLICATION_SETTINGS = ["wal_level", "hot_standby", "hot_standby_feedback", "max_slot_wal_keep_size", "synchronous_standby_names"] as const;

/** Declared settings for a node's role; sync.standbyNames is the truth for synchronous_standby_names. */
export function declaredSettings(outputs: ClusterOutputs, node: NodeRef): Record<string, string> {
  if (node.declaredRole === "standby") return { ...outputs.settings.standby };
  return { ...outputs.settings.primary, synchronous_standby_names: outputs.sync.standbyNames };
}

export function containerOf(outputs: ClusterOutputs, node: NodeRef): string {
  return node.replica?.containerName ?? outputs.primaryContainerName;
}

export function reachableCheck(outputs: ClusterOutputs, s: NodeSnapshot): Check {
  if (s.ok) {
    return pass(s.node.name, "reachable", `${s.node.endpoint}, PostgreSQL ${s.state.serverVersion.split(" ")[0]}, ${s.state.elapsedMs} ms`, {
      endpoint: s.node.endpoint,
      serverVersion: s.state.serverVersion,
      elapsedMs: s.state.elapsedMs,
    });
  }
  const container = containerOf(outputs, s.node);
  const hint =
    s.kind === "auth"
      ? "the outputs and the server disagree on credentials: read fresh outputs (`pulumi stack output --json --show-secrets`)"
      : `is it running? \`docker ps -a --filter name=${container}\`; start it with \`docker start ${container}\` (\`docker logs ${container}\` says why it stopped)`;
  return fail(s.node.name, "reachable", s.error, hint, { endpoint: s.node.endpoint, failure: s.kind });
}

export function roleCheck(r: ReachableNode): Check {
  const { node, state } = r;
  if (node.declaredRole === "primary") {
    return state.inRecovery
      ? fail(node.name, "role", "in recovery: the declared primary is a standby now", `the cluster no longer matches the stack: ${REBUILD_HINT}`, { inRecovery: true })
      : pass(node.name, "role", "primary, accepts writes (not in recovery)", { inRecovery: false });
  }
  return state.inRecovery
    ? pass(node.name, "role", "standby (in recovery)", { inRecovery: true })
    : fail(node.name, "role", "not in recovery: promoted, accepts writes", `${node.name} was promoted, so the cluster no longer matches the stack: ${REBUILD_HINT}`, {
        inRecovery: false,
      });
}

/** Settings whose values may carry a password are never printed. */
function printable(name: string, value: string): string {
  if (/conninfo/i.test(name) || /password/i.test(value)) return "<redacted>";
  return value === "" ? '""' : value;
}

function settingsHint(outputs: ClusterOutputs, name: string): string {
  const which = name === "synchronous_standby_names" ? "sync" : "settings";
  return `the server does not run with the settings the stack declares: apply them again with \`${reapplyCommand(outputs, which)}\` (it reloads, and restarts only what needs it; a plain \`pulumi up\` sees no change)`;
}

export function settingChecks(outputs: ClusterOutputs, r: ReachableNode): Check[] {
  const declared = declaredSettings(outputs, r.node);
  const actual = new Map<string, ServerSetting>(r.state.settings.map((s) => [s.name, s]));
  const checks: Check[] = [];
  const judge = (name: string): string | null => {
    const a = actual.get(name);
    if (a === undefined) return `${name}: not a setting this server knows`;
    return settingMatches(declared[name], a) ? null : `${name} is ${printable(name, a.shown)}, declared ${printable(name, declared[name])}`;
  };
  for (const name of REPLICATION_SETTINGS) {
    if (!(name in declared)) continue;
    const problem = judge(name);
    const shown = actual.get(name)?.shown ?? "";
    checks.push(
      problem === null
        ? pass(r.node.name, name, `${printable(name, shown)}, as declared`, { value: shown })
        : fail(r.node.name, name, problem, settingsHint(outputs, name), { value: actual.get(name)?.shown ?? null, declared: declared[name] }),
    );
  }
  if (r.node.declaredRole === "primary" && !("wal_level" in declared)) {
    // Undeclared, but physical replication cannot work without it.
    const w = actual.get("wal_level")?.setting ?? "";
    checks.push(w === "minimal" ? fail(r.node.name, "wal_level", "minimal: no WAL for standbys", "set wal_level=replica") : pass(r.node.name, "wal_level", `${w} (enough for standbys)`));
  }
  const others = Object.keys(declared).filter((n) => !(REPLICATION_SETTINGS as readonly string[]).includes(n));
  if (others.length > 0) {
    const problems = others.map(judge).filter((p): p is string => p !== null);
    checks.push(
      problems.length === 0
        ? pass(r.node.name, "other settings", `${others.length} declared settings match (${others.join(", ")})`, { compared: others.length })
        : fail(r.node.name, "other settings", problems.join("; "), settingsHint(outputs, "other"), { compared: others.length, mismatched: problems.length }),
    );
  }
  return checks;
}

/** Exactly one writable node, and it is the declared primary. */
export function writableCheck(t: Topology): Check {
  const figures = { writable: t.writable.map((w) => w.node.name).join(",") };
  if (t.asDeclared) {
    return pass("cluster", "writable primary", "only the declared primary accepts writes", figures);
  }
  const primaryState = t.declaredPrimary.ok ? (t.declaredPrimary.state.inRecovery ? "is in recovery" : "accepts writes") : "is unreachable";
  if (t.writable.length > 1) {
    return fail(
      "cluster",
      "writable primary",
      `${t.writable.length} nodes accept writes: ${describeWritable(t)}: split brain, writes to one are invisible to the other`,
      `stop writing to the promoted node(s) and ${REBUILD_HINT}`,
      figures,
    );
  }
  return fail(
    "cluster",
    "writable primary",
    `writable now: ${describeWritable(t)}; the declared primary ${primaryState}`,
    t.writable.length === 0 ? "no node accepts writes: start the primary, or promote a standby with `npm run promote -- --replica N`" : `the cluster no longer matches the stack: ${REBUILD_HINT}`,
    figures,
  );
}

/** One major version everywhere (physical replication cannot cross majors), and the one the image declares. */
export function versionChecks(outputs: ClusterOutputs, snapshot: ClusterSnapshot): Check[] {
  const seen = snapshot.nodes.flatMap((s) => (s.ok ? [{ name: s.node.name, major: Math.floor(s.state.versionNum / 10000), full: s.state.serverVersion }] : []));
  if (seen.length === 0) return [skip("cluster", "same major version", "no node reachable")];
  const majors = [...new Set(seen.map((v) => v.major))];
  const fulls = [...new Set(seen.map((v) => v.full.split(" ")[0]))].join(", ");
  const where = `on ${seen.length === snapshot.nodes.length ? "all" : "the reachable"} ${seen.length} nodes (${fulls})`;
  if (majors.length > 1) {
    const list = seen.map((v) => `${v.name} ${v.major}`).join(", ");
    return [fail("cluster", "same major version", `servers run different major versions: ${list}`, "physical replication needs one major version everywhere: rebuild the odd node from the stack's image", { majors: majors.join(",") })];
  }
  const major = majors[0];
  const same = pass("cluster", "same major version", `${major} ${where}`, { major });
  const expected = outputs.expectedMajorVersion;
  if (expected === null) {
    return [same, skip("cluster", "expected major version", `not checked: the image tag of ${outputs.image} names no version`, { expected: null })];
  }
  if (major !== expected) {
    return [same, fail("cluster", "expected major version", `servers run ${major}, but the image ${outputs.image} declares ${expected}`, `the image's tag names another major version than the PostgreSQL inside it: set \`image\` to a PostgreSQL ${expected} image (\`pulumi config set image ...\`), then \`pulumi up\` replaces the containers`, { major, expected })];
  }
  return [same, pass("cluster", "expected major version", `${expected}, as the image ${outputs.image} declares`, { major, expected })];
}
