/**
 * The `<prefix>-credentials` command: sets both roles' passwords on the
 * running primary and the stored replication password of every standby, in
 * place. A new password therefore restarts nothing and copies nothing. Pure
 * rendering; the passwords arrive on stdin, never in an argument, an
 * environment variable or the server log.
 */
import { shellQuote } from "./shell";
import { discoverStandbys, nodeFunctions, SAME_ENGINE } from "./docker-shell";
import { PRIMARY_ALIAS, SERVER_PORT } from "./naming";
import { STANDBY_PASSFILE } from "./basebackup";

export interface CredentialsInput {
  readonly namePrefix: string;
  readonly primaryContainer: string;
  readonly superuser: string;
  readonly replicationUser: string;
}

/** stdin of the command: the superuser password, then the replication password, one per line. */
export function credentialsStdin(superuserPassword: string, replicationPassword: string): string {
  return `${superuserPassword}\n${replicationPassword}\n`;
}

/**
 * Set in the session that changes the passwords. Each of these would otherwise
 * put the statement's text, and so the password, in the server log or in
 * pg_stat_statements: log_statement, log_min_error_statement (a failing
 * statement), log_min_duration_statement, log_min_duration_sample and
 * log_transaction_sample_rate (the statement with its duration), the
 * debug_print_* settings (its parse tree, with the password as a constant),
 * pg_stat_statements.track_utility (a placeholder when the module is not
 * loaded). standard_conforming_strings: a backslash in a password is itself.
 */
export const PASSWORD_SESSION_SETTINGS = [
  "SET log_statement = 'none';",
  "SET log_min_error_statement = 'panic';",
  "SET log_min_duration_statement = -1;",
  "SET log_min_duration_sample = -1;",
  "SET log_transaction_sample_rate = 0;",
  "SET debug_print_parse = off;",
  "SET debug_print_rewritten = off;",
  "SET debug_print_plan = off;",
  "SET pg_stat_statements.track_utility = off;",
  "SET standard_conforming_strings = on;",
].join("\n");

export function renderCredentialsCreate(input: CredentialsInput): string {
  const su = input.superuser;
  const repl = input.replicationUser;
  return `set -eu
${SAME_ENGINE}
${nodeFunctions(su)}
PRIMARY=${shellQuote(input.primaryContainer)}
${discoverStandbys(input.namePrefix)}
IFS= read -r su_password || true
IFS= read -r repl_password || true
if [ -z "$su_password" ] || [ -z "$repl_password" ]; then echo "pg-replication: no passwords on stdin" >&2; exit 1; fi
# SQL literals: ' doubled (the session sets standard_conforming_strings on, below).
su_sql=$(printf '%s' "$su_password" | sed "s/'/''/g")
repl_sql=$(printf '%s' "$repl_password" | sed "s/'/''/g")
await_ready "$PRIMARY"
# The statements that carry a password are kept out of the server log and pg_stat_statements,
# even when they fail, whatever postgresSettings says.
psql_in "$PRIMARY" <<SQL
${PASSWORD_SESSION_SETTINGS}
ALTER ROLE "${su}" WITH PASSWORD '$su_sql';
ALTER ROLE "${repl}" WITH PASSWORD '$repl_sql';
SQL
echo "pg-replication: passwords of ${su} and ${repl} set on $PRIMARY"
# .pgpass format: ':' and '\\' in the password are escaped with '\\'.
escaped=$(printf '%s' "$repl_password" | sed 's/[\\\\:]/\\\\&/g')
for node in $STANDBYS; do
  if ! exists "$node"; then continue; fi
  if ! running "$node"; then
    echo "pg-replication: $node is not running; its stored replication password is not updated: start it and run pulumi up again" >&2
    exit 1
  fi
  printf '%s:%s:*:%s:%s\\n' ${PRIMARY_ALIAS} ${SERVER_PORT} ${repl} "$escaped" |
    docker exec -i -u postgres "$node" sh -c 'umask 077; cat > ${STANDBY_PASSFILE}.new && mv ${STANDBY_PASSFILE}.new ${STANDBY_PASSFILE}'
  # The walreceiver reads the file when it connects: prove now that the stored password is accepted.
  docker exec -u postgres "$node" psql -X -q -At "host=${PRIMARY_ALIAS} port=${SERVER_PORT} user=${repl} dbname=replication replication=true passfile=${STANDBY_PASSFILE} connect_timeout=10" -c IDENTIFY_SYSTEM >/dev/null
  echo "pg-replication: stored replication password of $node updated and accepted by the primary"
done
`;
}
