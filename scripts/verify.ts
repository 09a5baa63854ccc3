/**
 * `npm run verify`: proves the deployed cluster replicates. Reads the stack
 * outputs, checks every node (reachable, role, version, settings), the
 * replication between them (senders, receivers, slots, sync state, lag), and
 * writes a probe row on the primary to time its arrival on every standby.
 *
 * Exit 0: every check passed. 1: a check failed. 2: could not run.
 */
import { byNode, summarise, type Check } from "./lib/check";
import { COMMON_OPTIONS, flag, integerOption, secondsOption, stringOption, type ToolSpec, type Values } from "./lib/cli";
import { declaredSettings, REPLICATION_SETTINGS } from "./lib/checks-node";
import { evaluate } from "./lib/checks";
import { closeAll, openSessions, type NodeSession } from "./lib/connect";
import { FatalError } from "./lib/errors";
import { runTool } from "./lib/main";
import { clusterNodes } from "./lib/nodes";
import { renderReport } from "./lib/render";
import { roundTrip, writeRefusalCheck } from "./lib/roundtrip";
import { snapshotCluster } from "./lib/snapshot";
import { loadOutputs } from "./lib/source";
import { topologyOf } from "./lib/topology";

const spec: ToolSpec = {
  name: "verify",
  summary: "Checks that the cluster in the stack outputs really replicates: roles, versions, settings, senders, receivers, slots, sync state, lag, and a timed round trip of a probe row (deleted afterwards).",
  options: {
    ...COMMON_OPTIONS,
    "round-trip-timeout": { type: "string", value: "SECONDS", description: "how long a probe row may take to appear on every standby (default 5)" },
    "max-lag-bytes": { type: "string", value: "BYTES", description: "replay lag in bytes above which the lag check fails (default 16777216, one WAL segment)" },
    "max-lag-seconds": { type: "string", value: "SECONDS", description: "replay lag in time above which the lag check fails (default 30)" },
  },
  epilogue: "Exit status: 0 all checks passed, 1 a check failed, 2 verify could not run (outputs unreadable, primary unreachable, wrong password).",
};

const DEFAULT_MAX_LAG_BYTES = 16 * 1024 * 1024;

/** Ctrl-C during the round trip must still delete the probe row. */
function interruptible(): { register: (c: (() => Promise<void>) | null) => void; dispose: () => void } {
  let pending: (() => Promise<void>) | null = null;
  const onSigint = (): void => {
    process.stderr.write("verify: interrupted\n");
    const c = pending;
    pending = null;
    void (c === null ? Promise.resolve() : c().catch(() => undefined)).finally(() => process.exit(130));
  };
  process.on("SIGINT", onSigint);
  return {
    register: (c) => {
      pending = c;
    },
    dispose: () => process.off("SIGINT", onSigint),
  };
}

/** The active probes: a timed round trip from `writer` to every reader, then a write refused by each reader. */
async function probe(writer: NodeSession, readers: readonly NodeSession[], boundMs: number): Promise<Check[]> {
  const interrupt = interruptible();
  try {
    const checks = (await roundTrip(writer, readers, boundMs, interrupt.register)).checks;
    for (const s of readers) checks.push(await writeRefusalCheck(s));
    return checks;
  } finally {
    interrupt.dispose();
  }
}

async function main(values: Values): Promise<number> {
  const timeoutMs = secondsOption(values, "timeout", 5);
  const roundTripMs = secondsOption(values, "round-trip-timeout", 5);
  const limits = {
    maxBytes: integerOption(values, "max-lag-bytes", 0, Number.MAX_SAFE_INTEGER) ?? DEFAULT_MAX_LAG_BYTES,
    maxMs: secondsOption(values, "max-lag-seconds", 30, 86_400),
  };
  const file = stringOption(values, "outputs");
  const loaded = await loadOutputs({ file, stack: stringOption(values, "stack") });
  const { outputs } = loaded;
  const nodes = clusterNodes(loaded);
  const sessions = openSessions(nodes, { tool: "verify", timeoutMs });
  try {
    const snapshot = await snapshotCluster(sessions, (n) => [...new Set([...REPLICATION_SETTINGS, ...Object.keys(declaredSettings(outputs, n))])]);
    const topology = topologyOf(snapshot);
    const primary = snapshot.nodes[0];
    // Could not run: nothing to judge. A promoted standby, though, is a
    // cluster to report on (exit 1), not a reason to give up.
    if (!primary.ok && (primary.kind === "auth" || topology.writable.length === 0)) {
      throw new FatalError(`primary: ${primary.error}`);
    }
    const checks = evaluate(outputs, snapshot, limits);
    const writer = sessions.find((s) => s.node === topology.source?.node);
    if (writer !== undefined) {
      // Every reachable server in recovery must see the row and refuse writes.
      const inRecovery = new Set(snapshot.nodes.flatMap((s) => (s.ok && s.state.inRecovery ? [s.node] : [])));
      checks.push(...(await probe(writer, sessions.filter((s) => inRecovery.has(s.node)), roundTripMs)));
    }
    const ordered = byNode(checks, nodes.map((n) => n.name));
    const summary = summarise(ordered);
    const exitCode = summary.failed > 0 ? 1 : 0;
    if (flag(values, "json")) {
      const report = {
        tool: "verify",
        stack: outputs.stack,
        ok: exitCode === 0,
        verdict: exitCode === 0 ? "pass" : "fail",
        exitCode,
        summary,
        topology: { declaredPrimary: nodes[0].name, writable: topology.writable.map((w) => w.node.name) },
        checks: ordered.map((c) => ({ node: c.node, name: c.name, ok: c.status !== "fail", status: c.status, detail: c.detail, hint: c.hint ?? null, figures: c.figures ?? {} })),
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const from = file !== undefined ? file : "pulumi stack output";
      const title = `pg-replication verify: stack ${outputs.stack}, primary ${nodes[0].endpoint}, ${outputs.replicas.length} standby${outputs.replicas.length === 1 ? "" : "s"} (outputs from ${from})`;
      process.stdout.write(`${renderReport(title, ordered, summary)}\n`);
    }
    return exitCode;
  } finally {
    await closeAll(sessions);
  }
}

runTool(spec, main);
