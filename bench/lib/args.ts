/** The bench's command line (node:util parseArgs, strict). Pure. */
import { parseArgs } from "node:util";

export const USAGE = `Usage: npm run bench -- [--quick] [--out DIR] [--image IMAGE]

Measures the program against floors measured in the same run on this
machine, each measurement repeated in interleaved rounds (medians and
spreads): time to ready (pulumi up -> verify passes, 1 and 3 standbys) and
pulumi destroy, phase by phase, against the engine's own cost (the same
plugins, nothing created) plus plain docker; commit-to-visible latency on
the standby (async, remote_apply) against one round trip; pgbench throughput
(async, remote_write, remote_apply); catch-up of a stopped standby. Prints a
table and writes bench/results/<timestamp>.json. A full run (3 rounds, about
10 minutes) also rewrites docs/BENCHMARKS.md, docs/bench-latency.svg and
docs/bench-phases.svg.

It deploys with the real Pulumi CLI on the tests' file backend and their
stand-in docker/random/command providers: put them on PATH first with
  eval "$(bash scripts/setup-test-env.sh --print-path)"

Options:
  --quick         one small round of every measurement (about two minutes), for
                  smoke tests; never touches docs/
  --out DIR       write the results (and, with --quick, the chart) into DIR
                  instead of bench/results
  --image IMAGE   PostgreSQL image for the program and the floor (default:
                  postgres:17 if present, else pg-replication/postgres:17)
  -h, --help      show this help

Exit status: 0 done, 1 a measurement failed, 2 bad arguments, 130/143 interrupted.`;

export interface BenchArgs {
  readonly help: boolean;
  readonly quick: boolean;
  readonly out: string | undefined;
  readonly image: string | undefined;
}

export class UsageError extends Error {}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: "boolean" },
        out: { type: "string" },
        image: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    // parseArgs' messages run over several lines; the first one names the problem.
    throw new UsageError((error as Error).message.split("\n")[0]);
  }
  if (values.out !== undefined && values.out.trim() === "") throw new UsageError("--out needs a directory");
  if (values.image !== undefined && !/^[a-z0-9][a-z0-9._\-/:@]*$/i.test(values.image)) throw new UsageError(`--image ${JSON.stringify(values.image)} is not an image reference`);
  return { help: values.help === true, quick: values.quick === true, out: values.out, image: values.image };
}
