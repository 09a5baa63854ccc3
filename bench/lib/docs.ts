/** docs/BENCHMARKS.md, rewritten by every full run from its results. Pure. */
import { MB } from "./catchup";
import type { BenchResult } from "./result";
import { median } from "./stats";
import { formatValue } from "./table";

const GB = 1024 * MB;

function machineTable(r: BenchResult): string {
  const m = r.machine;
  const rows: [string, string][] = [
    ["CPU", `${m.cpuModel}, ${m.cores} cores`],
    ["memory", `${(m.memoryBytes / GB).toFixed(1)} GB`],
    ["kernel", `${m.kernel} (${m.os})`],
    ["Docker", `${m.docker}, storage driver ${m.dockerStorageDriver}`],
    ["PostgreSQL", m.postgres],
    ["image", `${m.image} (${m.imageId.slice(0, 19)})`],
    ["Node.js", m.node],
    ["Pulumi", `${m.pulumi ?? "unknown"} (CLI and engine built from Go modules); provider plugins: ${m.providers ?? "unknown"}`],
    ["load average (1/5/15 min)", `${m.loadAverageAtStart.join(" / ")} at the start, ${r.loadAverageAtEnd.join(" / ")} at the end; ${m.otherContainersAtStart} other containers running at the start`],
  ];
  return ["| | |", "|---|---|", ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, "\\|")} |`)].join("\n");
}

/** The few figures a reader looks for first, in words. */
function highlights(r: BenchResult): string[] {
  const get = (section: string, name: string): { value: number; ratio: number; unit: "s" | "ms" | "tps" | "MB/s" } => {
    const f = r.figures.find((x) => x.section === section && x.name === name);
    if (f === undefined) throw new Error(`figure ${section}/${name} missing`);
    return f;
  };
  const r1 = get("ready", "1 standby");
  const ups = r.deployments.filter((d) => d.replicas === 1 && d.mode === "async").map((d) => d.upMs / 1000);
  const upOnly = ups.length > 0 ? median(ups) : undefined;
  const r3 = get("ready", "3 standbys");
  const a99 = get("visibility", "async p99");
  const s99 = get("visibility", "remote_apply p99");
  const rw = get("throughput", "remote_write");
  const ra = get("throughput", "remote_apply");
  const rate = get("catchUp", "catch-up rate");
  return [
    `- A cluster with 1 standby is verified ready in ${formatValue(r1.value, "s")}, ${r1.ratio.toFixed(1)}x the plain-docker floor` +
      `${upOnly === undefined ? "" : ` (\`pulumi up\` alone: ${formatValue(upOnly, "s")})`}; with 3 standbys ${formatValue(r3.value, "s")} (${r3.ratio.toFixed(1)}x).`,
    `- 99% of async commits are visible on the standby within ${formatValue(a99.value, "ms")} of being acknowledged (${a99.ratio.toFixed(1)}x one round trip); with \`remote_apply\` within ${formatValue(s99.value, "ms")} (${s99.ratio.toFixed(1)}x).`,
    `- Synchronous replication keeps ${(rw.ratio * 100).toFixed(0)}% of async throughput with \`remote_write\` and ${(ra.ratio * 100).toFixed(0)}% with \`remote_apply\` (pgbench).`,
    `- A standby that was down catches up on its backlog at ${formatValue(rate.value, "MB/s")} counted from its start (restart included), ${rate.ratio.toFixed(2)}x the rate the primary wrote it.`,
  ];
}

export function renderBenchmarksDoc(r: BenchResult, table: string, resultsFile: string, chartFile: string): string {
  const how = r.plan.switchMethod === "redeploy"
    ? "Each replication mode is its own deployment of the program, on its own stack (config `syncMode=first`, `synchronousCommit=remote_write|remote_apply`; async is the default `syncMode=off`), so the figures are those of the real configuration."
    : "The modes were switched per session (`SET synchronous_commit`) on one synchronous deployment, a shortcut of the quick run.";
  return `# Benchmarks

How fast a cluster comes up, how closely a standby follows, and what
synchronous replication costs, each measured by \`npm run bench\` as a ratio
to a baseline measured in the same run on the same machine. This page is
rewritten by every full run (\`npm run bench\`); \`npm run bench -- --quick\`
is a smoke test and never touches it.

Latest full run: ${r.startedAt}, ${r.durationS.toFixed(0)} s, results in
\`${resultsFile}\`.

## Results

${highlights(r).join("\n")}

\`\`\`text
${table}
\`\`\`

![Visibility latency by percentile: floor, async, remote_apply](${chartFile})

Machine:

${machineTable(r)}

## What is measured, and against what

**Time to ready.** From starting \`pulumi up --yes --skip-preview\` on a
fresh stack (\`bench-*\`, its config set beforehand with \`pulumi config
set-all\`) until \`npm run verify -- --stack <stack>\` first passes (every
check, including a probe row seen on every standby). The CLI, the engine and
the Node.js language host are the real ones (built from Go modules by
\`scripts/setup-test-env.sh\`, state in a local file backend); the docker,
random and command provider plugins it loads are the stand-ins in
\`tests/providers/\`, which implement the resources the program uses with
the \`docker\` CLI and \`/bin/sh -c\` (the real docker provider talks to the
Docker API itself), so the figure is not that of the real providers. Both
commands run as separate processes as a user runs them, so the start-up of
the CLI, the language host, Node.js and TypeScript, and verify's \`pulumi
stack output\`, are part of the figure. Each stack is removed afterwards
with \`pulumi destroy\` and \`pulumi stack rm\`.
The floor is the least plain \`docker\` work to the same point: create a
network, start a container that runs initdb and PostgreSQL, run one
\`pg_basebackup -R -X stream -c fast\` with a slot and start the standby on
it, insert a row on the primary and see it on the standby. Floor and
deployments are interleaved, ${r.timeToReady.standbys1Ms.length} of each; the table shows medians.

**Visibility latency.** One process writes single-row INSERTs on the primary
at a fixed rate (${r.plan.latency.rateHz}/s for ${r.plan.latency.durationMs / 1000} s, over ${r.plan.latency.writers} connections) and, on
each acknowledgement, wakes a reader that asks the standby for every
acknowledged row not yet seen, back to back until it has them all. A row's
latency is from its acknowledgement to the reply of the first query sent
after it that returned the row. Writer and reader share one monotonic clock
(\`process.hrtime\`), so no clocks are compared. The floor is a round trip to
the standby's published port measured the same way, under the same load:
the same writer committing at the same rate on the same deployment, with a
reader whose query answers every id at once (\`SELECT id FROM unnest($1)\`),
so nothing waits for replication. (A floor taken on an idle system is not
fair: a server woken from idle answers slower than one busy applying WAL.)
Plain back-to-back \`SELECT 1\` round trips are in the results file for
reference (p50 ${formatValue(r.latency.selectOneMs.p50, "ms")}, p99 ${formatValue(r.latency.selectOneMs.p99, "ms")}).
With \`remote_apply\` a commit returns only once the standby has applied it,
so the reader should find the row on its first query, and its ratio should
stay near 1; what \`remote_apply\` costs shows in the commit latency, given
beside it.

**Throughput.** pgbench's built-in TPC-B-like script against the primary,
run inside the primary's container (\`docker exec -u postgres\`, peer
authentication over the local socket: no password anywhere). ${how}

**Catch-up.** A standby is stopped (\`docker stop\`, a fast shutdown), the
primary writes ${r.plan.catchUpMb} MB of WAL (its slot keeps it), the standby is started,
and the time until \`pg_last_wal_replay_lsn()\` on the standby reaches the
primary's position is measured. Baselines: the same stop and start with no
backlog (what a restart costs by itself), and the rate at which the primary
wrote the WAL.

## Caveats

- One host: "network" round trips are over the Docker bridge and loopback,
  and the writer, both servers and the reader share ${r.machine.cores} cores. Figures on
  real hosts differ; the ratios travel better than the absolute values.
- A max is one sample (the slowest of thousands), so it is noisy and its
  ratio can fall below 1x; read p95 and p99 for the shape of the distribution.
- Time to ready depends on the engine's state (image cache, other work);
  the load at the start of the run is recorded above.
- The WAL backlog is written by a single session with large inserts; the
  replay rate of many small transactions is lower.

## Running it

\`\`\`sh
eval "$(bash scripts/setup-test-env.sh --print-path)"   # the Pulumi CLI and the stand-in providers
npm run bench               # full run, about ${Math.ceil(r.durationS / 60)} minutes; rewrites this page and ${chartFile}
npm run bench -- --quick    # a small version of every measurement (smoke test)
npm run bench -- --help
\`\`\`

Each run writes \`bench/results/<timestamp>.json\` (or into \`--out DIR\`)
with the machine's description, every figure and the run's parameters. It
uses stacks named \`bench-*\` in the tests' file backend
(\`$TMPDIR/pg-replication-it/backend\`), host ports 28400-28403 (28420-28423 with \`--quick\`) on 127.0.0.1,
and removes everything it created (\`pulumi destroy\`, \`pulumi stack rm\`, then anything
still labelled with its stacks) when it ends, fails or is interrupted.
`;
}
