/**
 * Errors as one line a user can act on. The tools never print a stack trace:
 * a failure either becomes a failed check (exit 1) or a `FatalError` (exit 2,
 * "could not run"), and both carry a message built here.
 */

/** The tool could not run at all: bad usage, bad outputs, unreachable primary. Exit code 2. */
export class FatalError extends Error {
  readonly exitCode = 2;
}

/** Bad command line. The entry point prints the message, then the usage. */
export class UsageError extends FatalError {}

/** What went wrong with a connection, coarse enough to decide between exit 1 and exit 2. */
export type FailureKind = "unreachable" | "auth" | "timeout" | "query";

export interface Described {
  readonly kind: FailureKind;
  readonly message: string;
}

interface ErrorFields {
  readonly code?: unknown;
  readonly message?: unknown;
}

function fields(err: unknown): { code: string | undefined; message: string } {
  if (typeof err === "object" && err !== null) {
    const f = err as ErrorFields;
    const code = typeof f.code === "string" ? f.code : undefined;
    const message = typeof f.message === "string" ? f.message : String(err);
    return { code, message };
  }
  return { code: undefined, message: String(err) };
}

/** The first line of a message: server messages may carry DETAIL lines. */
function firstLine(s: string): string {
  return s.split("\n", 1)[0].trim();
}

/**
 * Maps an error from `pg` or the socket layer to one line that names the
 * endpoint and says what to do. `endpoint` is `host:port` (never a DSN: it
 * would carry the password). `user` is only used in the authentication message.
 */
export function describeError(err: unknown, endpoint: string, timeoutMs: number, user?: string): Described {
  const { code, message } = fields(err);
  const seconds = formatSeconds(timeoutMs);
  switch (code) {
    case "ECONNREFUSED":
      return { kind: "unreachable", message: `cannot connect to ${endpoint} (connection refused): is the container running?` };
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return { kind: "unreachable", message: `cannot connect to ${endpoint} (host name does not resolve): check the host in the outputs` };
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return { kind: "unreachable", message: `cannot connect to ${endpoint} (no route to host): check the host in the outputs` };
    case "ECONNRESET":
    case "EPIPE":
      return { kind: "unreachable", message: `connection to ${endpoint} was reset: is PostgreSQL running in the container?` };
    case "ETIMEDOUT":
      return { kind: "timeout", message: `cannot connect to ${endpoint} (no answer within ${seconds}): is the container running and the port published?` };
    case "28P01":
      return {
        kind: "auth",
        message: `password authentication failed for user "${user ?? "?"}" at ${endpoint}: the password in the outputs does not match the server's (re-read \`pulumi stack output --show-secrets\`)`,
      };
    case "28000":
      return { kind: "auth", message: `${endpoint} rejected the connection (${firstLine(message)}): check pg_hba and the user in the outputs` };
    case "3D000":
      return { kind: "auth", message: `${endpoint}: ${firstLine(message)}: check \`database\` in the outputs` };
    case "57P03":
      return { kind: "unreachable", message: `${endpoint} is not accepting connections yet (${firstLine(message)}): retry in a few seconds` };
    case "57014":
      return { kind: "timeout", message: `${endpoint}: a query was cancelled after ${seconds} (statement timeout): the server is overloaded or blocked` };
    case "53300":
      return { kind: "unreachable", message: `${endpoint}: too many connections: ${firstLine(message)}` };
    default:
      break;
  }
  // pg's own messages for failures that carry no code.
  if (message === "timeout expired" || /connection timeout/i.test(message)) {
    return { kind: "timeout", message: `cannot connect to ${endpoint} (no answer within ${seconds}): is the container running and the port published?` };
  }
  if (/Query read timeout/i.test(message)) {
    return { kind: "timeout", message: `${endpoint} did not answer a query within ${seconds}: is the server paused or overloaded?` };
  }
  if (/Connection terminated unexpectedly|Connection terminated$/i.test(message)) {
    // Docker's port proxy accepts the TCP connection and then closes it when
    // nothing listens inside the container: running container, no server.
    return { kind: "unreachable", message: `connection to ${endpoint} closed before the server answered: is PostgreSQL running in the container?` };
  }
  const suffix = code !== undefined ? ` (${code})` : "";
  return { kind: "query", message: `${endpoint}: ${firstLine(message)}${suffix}` };
}

/** `5000` -> `5 s`, `1500` -> `1.5 s`. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** SQLSTATE of a server error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  return fields(err).code;
}

/** A one-line message for anything thrown, for the last-resort handler. */
export function oneLine(err: unknown): string {
  return firstLine(fields(err).message);
}
