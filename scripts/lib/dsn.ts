/**
 * Connection strings from the stack outputs. They are secrets: nothing here
 * ever puts one, or its password, into an error message.
 */

export interface ConnParams {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** Parses `postgresql://user:password@host:port/database`; throws an Error naming `field` and what is wrong. */
export function parseDsn(dsn: string, field: string): ConnParams {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new Error(`${field} is not a URL (expected postgresql://user:password@host:port/database)`);
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new Error(`${field} has scheme "${url.protocol.replace(/:$/, "")}", expected postgresql`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error(`${field} has no host`);
  if (url.username === "") throw new Error(`${field} has no user`);
  if (url.password === "") throw new Error(`${field} has no password`);
  // A non-numeric port makes `new URL` throw above; an absent one means 5432, as libpq.
  const port = url.port === "" ? 5432 : Number(url.port);
  const database = decodeComponent(url.pathname.replace(/^\//, ""), field, "database");
  if (database === "") throw new Error(`${field} has no database (expected .../database after the port)`);
  return {
    host,
    port,
    user: decodeComponent(url.username, field, "user"),
    password: decodeComponent(url.password, field, "password"),
    database,
  };
}

function decodeComponent(s: string, field: string, part: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new Error(`${field} has a badly percent-encoded ${part}`);
  }
}

/** `host:port`, with IPv6 addresses bracketed: what the tools print instead of a DSN. */
export function endpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The DSN with its password replaced, for the rare place a whole DSN must be shown. */
export function maskDsn(dsn: string): string {
  try {
    const url = new URL(dsn);
    if (url.password !== "") url.password = "****";
    return url.toString();
  } catch {
    return "<unparseable connection string>";
  }
}
