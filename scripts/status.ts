/**
 * `npm run status`: one aligned table of the cluster as the servers see it:
 * each node's actual role and state, WAL positions, lag, slot and sync state.
 * `--watch` redraws it until Ctrl-C; `--json` prints it once for machines.
 *
 * Exit 0: every node answered. 1: a node is unreachable (still shown). 2: could not run.
 */
import { COMMON_OPTIONS, flag, secondsOption, stringOption, type ToolSpec, type Values } from "./lib/cli";
import { closeAll, openSessions, type NodeSession } from "./lib/connect";
import { UsageError } from "./lib/errors";
import { runTool } from "./lib/main";
import { clusterNodes } from "./lib/nodes";
import type { LoadedOutputs } from "./lib/outputs";
import { snapshotCluster } from "./lib/snapshot";
import { loadOutputs } from "./lib/source";
import { clusterStatus, renderStatus, type ClusterStatus } from "./lib/status-view";

const spec: ToolSpec = {
  name: "status",
  summary: "Shows every node of the cluster: actual role, replication state, LSNs, lag in bytes and time, slot, retained WAL and sync state.",
  options: {
    ...COMMON_OPTIONS,
    watch: { type: "boolean", description: "redraw every --interval seconds until Ctrl-C" },
    interval: { type: "string", value: "SECONDS", description: "refresh interval for --watch (default 2)" },
  },
  epilogue: "Exit status: 0 every node answered, 1 a node is unreachable (it is still shown), 2 status could not run.",
};

const CLEAR = "\x1b[H\x1b[2J";

async function take(loaded: LoadedOutputs, sessions: readonly NodeSession[]): Promise<ClusterStatus> {
  return clusterStatus(loaded.outputs, await snapshotCluster(sessions));
}

function header(status: ClusterStatus): string {
  return `pg-replication status: stack ${status.stack} at ${status.takenAt}`;
}

/** Redraws until SIGINT/SIGTERM, then closes the connections and exits 0. */
async function watch(loaded: LoadedOutputs, sessions: readonly NodeSession[], intervalMs: number): Promise<number> {
  let stop = false;
  let wake: (() => void) | null = null;
  const onSignal = (): void => {
    stop = true;
    wake?.();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    while (!stop) {
      const status = await take(loaded, sessions);
      if (stop) break;
      const footer = `every ${intervalMs / 1000} s; Ctrl-C to stop`;
      process.stdout.write(`${CLEAR}${header(status)} (${footer})\n\n${renderStatus(status)}\n`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

async function main(values: Values): Promise<number> {
  const timeoutMs = secondsOption(values, "timeout", 5);
  const intervalMs = secondsOption(values, "interval", 2, 86_400);
  const json = flag(values, "json");
  const watching = flag(values, "watch");
  if (json && watching) throw new UsageError("--watch and --json cannot be combined (--json prints once)");
  if (!watching && values.interval !== undefined) throw new UsageError("--interval only applies with --watch");
  const loaded = await loadOutputs({ file: stringOption(values, "outputs"), stack: stringOption(values, "stack") });
  const sessions = openSessions(clusterNodes(loaded), { tool: "status", timeoutMs });
  try {
    if (watching) return await watch(loaded, sessions, intervalMs);
    const status = await take(loaded, sessions);
    process.stdout.write(json ? `${JSON.stringify(status, null, 2)}\n` : `${header(status)}\n\n${renderStatus(status)}\n`);
    return status.nodes.some((n) => n.role === "unreachable") ? 1 : 0;
  } finally {
    await closeAll(sessions);
  }
}

runTool(spec, main);
