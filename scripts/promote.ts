/**
 * `npm run promote -- --replica N`: turns standby N into a writable primary
 * with pg_promote(). Refuses while another node still accepts writes (two
 * writable primaries split the cluster: writes to one never reach the other)
 * unless --force. Afterwards reports who is writable and what to do next.
 *
 * Exit 0: promoted. 1: refused or failed (nothing changed). 2: could not run.
 */
import { COMMON_OPTIONS, flag, secondsOption, stringOption, type ToolSpec, type Values } from "./lib/cli";
import { closeAll, NodeSession, openSessions } from "./lib/connect";
import { describeError, FatalError, UsageError } from "./lib/errors";
import { runTool } from "./lib/main";
import { clusterNodes } from "./lib/nodes";
import type { ClusterOutputs } from "../components/outputs";
import { snapshotCluster } from "./lib/snapshot";
import { nextStepsAfterPromotion } from "./lib/rebuild";
import { loadOutputs } from "./lib/source";
import { clusterStatus, renderStatus, type ClusterStatus } from "./lib/status-view";
import { topologyOf } from "./lib/topology";

const spec: ToolSpec = {
  name: "promote",
  summary: "Promotes standby N to a writable primary (SELECT pg_promote(wait => true, wait_seconds => 60)).",
  options: {
    replica: { type: "string", value: "N", description: "the standby to promote, 1-based as in the outputs (replica-N)" },
    force: { type: "boolean", description: "promote even though another node still accepts writes (two writable primaries)" },
    ...COMMON_OPTIONS,
  },
  epilogue: "Exit status: 0 promoted, 1 refused or failed (nothing was promoted), 2 promote could not run (usage, outputs).",
};

/** pg_promote's own wait; the statement gets a little more so the server, not the client, decides. */
const PROMOTE_WAIT_SECONDS = 60;

/** Refused or failed: one line, exit 1, nothing changed. */
class Refused extends Error {}

async function promote(values: Values): Promise<{ status: ClusterStatus; promoted: string; container: string; endpoint: string; others: string[]; outputs: ClusterOutputs }> {
  const timeoutMs = secondsOption(values, "timeout", 5);
  const raw = stringOption(values, "replica");
  if (raw === undefined) throw new UsageError("--replica N is required: which standby to promote");
  if (!/^\s*\d+\s*$/.test(raw)) throw new UsageError(`--replica must be a standby number (1, 2, ...), got "${raw}"`);
  const n = Number(raw);
  const loaded = await loadOutputs({ file: stringOption(values, "outputs"), stack: stringOption(values, "stack") });
  const { outputs } = loaded;
  const count = outputs.replicas.length;
  if (n < 1 || n > count) {
    throw new FatalError(`--replica ${n} is out of range: the stack has ${count === 0 ? "no standbys" : `standbys 1..${count}`}`);
  }
  const nodes = clusterNodes(loaded);
  const target = nodes[n];
  const sessions = openSessions(nodes, { tool: "promote", timeoutMs });
  try {
    const before = await snapshotCluster(sessions);
    const t = before.nodes[n];
    if (!t.ok) throw new Refused(`cannot promote ${target.name}: ${t.error}`);
    if (!t.state.inRecovery) throw new Refused(`${target.name} is already promoted: it is not in recovery and accepts writes; nothing to do`);
    const writable = topologyOf(before).writable.filter((w) => w.node !== target);
    if (writable.length > 0 && !flag(values, "force")) {
      const w = writable.map((x) => `${x.node.name} (${x.node.endpoint})`).join(", ");
      const containers = writable.map((x) => x.node.replica?.containerName ?? outputs.primaryContainerName).join(" ");
      throw new Refused(
        `refusing to promote ${target.name}: ${w} is reachable and accepts writes, and two writable primaries split the cluster; stop it first (docker stop ${containers}) or pass --force`,
      );
    }
    // A dedicated connection: pg_promote may wait far longer than the usual statement timeout.
    const promoter = new NodeSession(target, { tool: "promote", timeoutMs, statementTimeoutMs: (PROMOTE_WAIT_SECONDS + 10) * 1000 });
    try {
      const client = await promoter.connect();
      const r = await client.query<{ promoted: boolean }>(`SELECT pg_promote(wait => true, wait_seconds => ${PROMOTE_WAIT_SECONDS}) AS promoted`);
      if (r.rows[0]?.promoted !== true) {
        throw new Refused(`${target.name} did not finish promotion within ${PROMOTE_WAIT_SECONDS} s: see \`docker logs ${target.replica?.containerName ?? target.name}\``);
      }
    } catch (err) {
      if (err instanceof Refused) throw err;
      throw new Refused(`promoting ${target.name} failed: ${describeError(err, target.endpoint, timeoutMs, target.conn.user).message}`);
    } finally {
      await promoter.close();
    }
    const after = clusterStatus(outputs, await snapshotCluster(sessions));
    const others = nodes.filter((x) => x.declaredRole === "standby" && x !== target).map((x) => x.name);
    const container = target.replica?.containerName ?? target.name;
    return { status: after, promoted: target.name, container, endpoint: target.endpoint, others, outputs };
  } finally {
    await closeAll(sessions);
  }
}

async function main(values: Values): Promise<number> {
  const json = flag(values, "json");
  let result: Awaited<ReturnType<typeof promote>>;
  try {
    result = await promote(values);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    process.stderr.write(`promote: ${err.message}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ tool: "promote", ok: false, exitCode: 1, error: err.message })}\n`);
    return 1;
  }
  const { status, promoted, container, endpoint, others, outputs } = result;
  const steps = nextStepsAfterPromotion(outputs, { name: promoted, containerName: container, endpoint }, others);
  if (json) {
    process.stdout.write(`${JSON.stringify({ tool: "promote", ok: true, exitCode: 0, promoted, endpoint, writable: status.writable, nextSteps: steps, status }, null, 2)}\n`);
  } else {
    const lines = [
      `promoted ${promoted} (${endpoint}): it accepts writes now`,
      "",
      renderStatus(status),
      "",
      "Next:",
      ...steps.map((s) => `  - ${s}`),
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return 0;
}

runTool(spec, main);
