/**
 * The entry-point wrapper every tool uses: parse the command line, run, and
 * turn every way of failing into an exit code and one line on stderr (plus
 * a JSON object on stdout under --json). Stack traces only with
 * PG_REPLICATION_DEBUG=1.
 */
import { parseCli, usage, type ToolSpec, type Values } from "./cli";
import { FatalError, oneLine, UsageError } from "./errors";

/** After the result is printed, do not let a half-closed socket keep the process alive. */
const EXIT_GRACE_MS = 2000;

function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}

export function runTool(spec: ToolSpec, run: (values: Values) => Promise<number>): void {
  let values: Values | null;
  try {
    values = parseCli(spec, process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${spec.name}: ${oneLine(err)}\n\n${usage(spec)}\n`);
    finish(2);
    return;
  }
  if (values === null) {
    process.stdout.write(`${usage(spec)}\n`);
    finish(0);
    return;
  }
  const json = values.json === true;
  run(values).then(finish, (err: unknown) => {
    if (process.env.PG_REPLICATION_DEBUG === "1") console.error(err);
    const message = err instanceof FatalError ? oneLine(err) : `internal error: ${oneLine(err)}`;
    process.stderr.write(`${spec.name}: ${message}\n`);
    if (err instanceof UsageError) process.stderr.write(`Run \`npm run ${spec.name} -- --help\` for the options.\n`);
    if (json) process.stdout.write(`${JSON.stringify({ tool: spec.name, ok: false, exitCode: 2, error: message })}\n`);
    finish(2);
  });
}
