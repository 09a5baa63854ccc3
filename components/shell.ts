/** Shell quoting for the scripts the program renders. Pure. */

/** Quotes a value as one POSIX shell word: `it's` becomes `'it'\''s'`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A SQL string literal (standard_conforming_strings is on by default). */
export function sqlLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
