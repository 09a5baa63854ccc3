/** docs/BENCHMARKS.md, rewritten by every full run from its results. Pure. */
import { breakdownTable, destroyBreakdown, readyBreakdown } from "./breakdown";
import { MB } from "./catchup";
import { comparisons, type BenchResult, type Figure } from "./result";
import { formatRange, formatValue } from "./table";

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

function find(r: BenchResult, section: string, name: string): Figure {
  const f = r.figures.find((x) => x.section === section && x.name === name);
  if (f === undefined) throw new Error(`figure ${section}/${name} missing`);
  return f;
}

const spread = (f: Figure): string => formatRange(f.valueRange, f.unit);

/** The few figures a reader looks for first, in words. */
function highlights(r: BenchResult): string[] {
  const r1 = find(r, "ready", "1 standby");
  const r3 = find(r, "ready", "3 standbys");
  const scale = find(r, "scale", "3 standbys");
  const floorScale = find(r, "scale", "floor");
  const d1 = find(r, "destroy", "1 standby");
  const a99 = find(r, "visibility", "async p99");
  const s99 = find(r, "visibility", "remote_apply p99");
  const rw = find(r, "throughput", "remote_write");
  const ra = find(r, "throughput", "remote_apply");
  const rate = find(r, "catchUp", "catch-up rate");
  const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
  return [
    `- A cluster with 1 standby is verified ready in ${formatValue(r1.value, "s")} (${spread(r1)}), ${r1.ratio.toFixed(2)}x its floor of ${formatValue(r1.baseline, "s")} (the engine alone plus plain docker); with 3 standbys ${formatValue(r3.value, "s")} (${spread(r3)}), ${r3.ratio.toFixed(2)}x its floor of ${formatValue(r3.baseline, "s")} and ${scale.ratio.toFixed(2)}x one standby (${formatRatioRange(scale)}), where the floor itself takes ${floorScale.ratio.toFixed(2)}x (${formatRatioRange(floorScale)}) as long for 3 standbys as for 1.`,
    `- \`pulumi destroy\` takes ${formatValue(d1.value, "s")} (${spread(d1)}), ${d1.ratio.toFixed(2)}x its floor of ${formatValue(d1.baseline, "s")}.`,
    `- 99% of async commits are visible on the standby within ${formatValue(a99.value, "ms")} of being acknowledged (${a99.ratio.toFixed(1)}x one round trip); with \`remote_apply\` within ${formatValue(s99.value, "ms")} (${s99.ratio.toFixed(1)}x).`,
    `- Synchronous replication keeps ${pct(rw.ratio)} (${pct(rw.ratioRange[0])}-${pct(rw.ratioRange[1])}) of async throughput with \`remote_write\` and ${pct(ra.ratio)} (${pct(ra.ratioRange[0])}-${pct(ra.ratioRange[1])}) with \`remote_apply\` (pgbench).`,
    `- A standby that was down catches up on its backlog at ${formatValue(rate.value, "MB/s")} (${spread(rate)}) counted from its start (restart included), ${rate.ratio.toFixed(2)}x the rate the primary wrote it.`,
  ];
}

/** Which differences of this run are inside its noise: spreads that overlap. */
function noise(r: BenchResult): string[] {
  const lines: string[] = [];
  const inside = r.figures.filter((f) => f.withinNoise);
  lines.push(inside.length === 0
    ? "- Every figure's spread is apart from its baseline's: each ratio above is a difference this run can tell."
    : `- Figures whose spread overlaps their baseline's, so their ratio is inside the noise: ${inside.map((f) => `${f.section} ${f.name} (${formatRatioRange(f)})`).join("; ")}. Every other figure's spread is apart from its baseline's.`);
  for (const c of comparisons(r.figures)) {
    const a = `${c.a.name} ${formatValue(c.a.value, c.unit)} (${formatRange(c.a.range, c.unit)})`;
    const b = `${c.b.name} ${formatValue(c.b.value, c.unit)} (${formatRange(c.b.range, c.unit)})`;
    lines.push(`- ${c.what}: ${a} against ${b}: ${c.withinNoise ? "the spreads overlap; this run cannot tell them apart" : "the spreads are apart"}.`);
  }
  return lines;
}

const formatRatioRange = (f: Figure): string => `${f.ratioRange[0].toFixed(2)}x-${f.ratioRange[1].toFixed(2)}x`;

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** Where the time to ready goes beyond its floor, and what grows from 1 standby to 3, in words, from the medians of the phases. */
function remaining(r: BenchResult): string[] {
  const [floor1, one, floor3, three] = readyBreakdown(r.timeToReady.rounds);
  const top = [...one.phases].sort((a, b) => b.ms - a.ms).slice(0, 3);
  const growth = three.phases
    .map((p) => ({ name: p.name, ms: p.ms - (one.phases.find((q) => q.name === p.name)?.ms ?? 0) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3);
  return [
    `With 1 standby, ${secs(one.totalMs - floor1.totalMs)} more than the floor; the largest phases are ${top.map((p) => `${p.name} (${secs(p.ms)})`).join(", ")}.`,
    `With 3 standbys, ${secs(three.totalMs - one.totalMs)} more than with 1, where the floor needs ${secs(floor3.totalMs - floor1.totalMs)} more; the phases that grow most are ${growth.map((p) => `${p.name} (+${secs(p.ms)})`).join(", ")}.`,
  ];
}

export function renderBenchmarksDoc(r: BenchResult, table: string, resultsFile: string, chartFile: string, phaseChartFile: string): string {
  const how = r.plan.switchMethod === "redeploy"
    ? "Each replication mode is its own deployment of the program, on its own stack (config `syncMode=first`, `synchronousCommit=remote_write|remote_apply`; async is the default `syncMode=off`), so the figures are those of the real configuration."
    : "The modes were switched per session (`SET synchronous_commit`) on one synchronous deployment, a shortcut of the quick run.";
  return `# Benchmarks

How fast a cluster comes up and goes, how closely a standby follows, and
what synchronous replication costs, each measured by \`npm run bench\` as a
ratio to a baseline measured in the same run on the same machine. Every
figure is the median of ${r.plan.repeats} rounds, interleaved across the things
compared, with the smallest and largest round beside it. This page is
rewritten by every full run (\`npm run bench\`); \`npm run bench -- --quick\`
is a smoke test and never touches it.

Latest full run: ${r.startedAt}, ${r.durationS.toFixed(0)} s, results in
\`${resultsFile}\`.

## Results

${highlights(r).join("\n")}

\`\`\`text
${table}
\`\`\`

In the table each figure is followed by its spread (smallest and largest
round); a ratio's spread is the smallest and largest of one round's value
over the same round's baseline.

### Inside the noise?

${noise(r).join("\n")}

### Where the time goes

![Time to ready and destroy by phase, beside the floor](${phaseChartFile})

Time to ready, phase by phase (each phase's median over the rounds; the
total is the median of the totals):

${breakdownTable(readyBreakdown(r.timeToReady.rounds))}

\`pulumi destroy\`:

${breakdownTable(destroyBreakdown(r.timeToReady.rounds))}

${remaining(r).join("\n\n")}

What the phases hold beyond the floor's work, by how the program is built
(from the code and the providers' sources, not measured one by one):

- **Image, volumes, bootstrap, network.** The docker provider sleeps 2 s
  before it reads a network back after creating it (its StateChangeConf
  \`Delay\`; the stand-in does the same), so the network alone takes at least
  2 s. The primary's bootstrap (\`initdb\`, the roles and database on a
  temporary server started directly and polled every 20 ms, in a one-off
  container) needs only the image and the volume and runs beside it; the
  primary container needs both. The floor runs \`initdb\` too, but on a
  network it makes in milliseconds.
- **Engine and program start, engine finish.** The language host, the
  TypeScript program and the three provider plugins start, as in the engine
  floor; the cluster's program also builds its resource graph. The command
  provider's plugin starts only when the bootstrap registers, once the image
  and the volume are there.
- **Primary container, settings and credentials.** The provider creates the
  container, uploads one file (the entrypoint, which writes pg_hba.conf and
  pg_ident.conf itself), starts it. The settings command writes and checks
  the settings file while the server starts, waits for the server (polling
  \`pg_isready\` inside it every 50 ms), installs and reloads the file with
  \`docker exec\`; the credentials command then sets the passwords (after
  the settings, which may restart a node).
- **Base backups, standby start.** Each base backup is a one-off container
  running \`pg_basebackup\`, as in the floor, in the primary container's
  network namespace (no endpoint on the cluster network to set up and tear
  down); with 3 standbys the three copies and the three standby containers
  run at once and share the machine's cores and disk, as they do in the
  floor with 3 standbys.
- **Destroy.** The provider sleeps 2 s before deleting each volume and the
  network (StateChangeConf \`Delay\`, in parallel), which the floor's plain
  \`docker volume rm\` does not.

Measured step by step (2026-12-03, the engine's \`--json\` events of 1
standby on an idle machine, six interleaved runs): the three provider
plugins start one after the other on the engine's step loop (about 1 s in
all), then the bootstrap takes 1.5-1.7 s, 1.2 s of it \`initdb\`, and ends
within 0.1 s of the network's 2-s wait. So neither holds the primary back
alone: with the network made by a command instead (no wait), and with the
roles made in single-user mode instead of on a temporary server, time to
ready did not move in three interleaved pairs each. What the program adds
to the floor comes after: a second container on each path (the bootstrap,
then the primary container; the base backup, then the standby container),
0.4-0.5 s each; the credentials and sync commands, about 0.2 s each; and
verify's \`pulumi stack output --show-secrets\`, 0.3 s of it the
passphrase's key derivation.

### Visibility latency

![Visibility latency by percentile: floor, async, remote_apply](${chartFile})

Machine:

${machineTable(r)}

## What is measured, and against what

**Time to ready.** From starting \`pulumi up --yes --skip-preview\` on a
fresh stack (\`bench-*\`, its config set beforehand with \`pulumi config
set-all\`) until \`verify\` first passes (every check, including a probe
row seen on every standby), run as \`npm run verify\` runs it (\`node
--import tsx scripts/verify.ts --stack <stack>\`; npm's own start-up, about
0.2 s, is left out). The CLI, the engine and
the Node.js language host are the real ones (built from Go modules by
\`scripts/setup-test-env.sh\`, state in a local file backend); the docker,
random and command provider plugins it loads are the stand-ins in
\`tests/providers/\`, which implement the resources the program uses with
the \`docker\` CLI and \`/bin/sh -c\` (the real docker provider talks to the
Docker API itself), so the figure is not that of the real providers. Both
commands run as separate processes as a user runs them, so the start-up of
the CLI, the language host, Node.js and TypeScript, and verify's \`pulumi
stack output\`, are part of the figure. Each stack is removed afterwards
with \`pulumi destroy\` (timed: the destroy figure) and \`pulumi stack rm\`.
The floor has two parts, both measured in every round. The engine's: \`pulumi
up\` (and \`pulumi destroy\`) of \`bench/engine-floor\`, a program in the
same runtime (Node.js, TypeScript) that makes the engine start the same three
provider plugins and creates nothing on Docker (an image that is already
there, a command without scripts, a random password), with the same CLI,
backend and flags. Plain Docker's: the least \`docker\` work to the same
point, with as many standbys as the deployment it is the floor of: create a
network, start a container that runs initdb and PostgreSQL, then for every
standby at once run one \`pg_basebackup -R -X stream -c fast\` with a slot
of its own (made before the copies, as the program makes it) and start the standby on it, insert a row on the primary and see
it on every standby; for destroy, \`docker stop\` of every container
(SIGINT: PostgreSQL's fast shutdown with its checkpoint, as the program's
containers stop), \`docker rm\`, the volumes and the network removed. The
floor with 3 standbys against the floor with 1 shows what three parallel
seeds cost on the machine itself, beside what they cost the program. A
round is: docker floor with 1 standby, docker floor with 3, engine floor, 1
standby, 3 standbys. Before the first round a \`pulumi preview\` of the program and
one engine floor run unmeasured, so the first round starts as warm as the
others (the language host's TypeScript cache above all: a program's first
run after a change compiles and type-checks it, several seconds). The phases come from the engine's own events (\`pulumi up
--json\` streams one per step; the bench stamps each as it arrives): engine
and program start until the cluster component registers; the image,
volumes, passwords, the primary's bootstrap and, beside it, the network,
until the primary container's step starts; the primary container (created
and started; nothing waits for it there); the settings command (it waits
for the primary to accept connections), then the credentials command, until
the first base backup starts; the base backups; the standby containers; the standby list
and the engine's end; then \`verify\`.

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

**Visibility latency**, **throughput** and **catch-up** run in rounds too:
each round measures async and remote_apply latency, then pgbench on async,
remote_write and remote_apply, then a catch-up, so drift during the run
touches every mode alike. The latency chart shows, at each percentile, the
median over the rounds.

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
(\`$TMPDIR/pg-replication-it/backend\`), host ports ${r.plan.primaryPort}-${r.plan.primaryPort + 33} (28450-28483 with \`--quick\`) on 127.0.0.1,
and removes everything it created (\`pulumi destroy\`, \`pulumi stack rm\`, then anything
still labelled with its stacks) when it ends, fails or is interrupted.
`;
}
