/**
 * Pieces of the shell scripts the program's commands run on the Docker host
 * with the docker CLI. Pure rendering.
 */
import { LABEL_CLUSTER, LABEL_ROLE } from "./naming";
import { shellQuote } from "./shell";

/**
 * The docker provider talks to DOCKER_HOST, or to the default socket when it
 * is unset; it never follows `docker context use`. The docker CLI in these
 * scripts would, so it is pinned to the same engine.
 */
export const SAME_ENGINE = 'export DOCKER_HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"';

/** `docker exec` of psql as the superuser inside a node, over its local socket (peer auth, no password). */
export function psqlIn(container: string, superuser: string, sql: string): string {
  return `docker exec -u postgres ${shellQuote(container)} psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -U ${shellQuote(superuser)} -c ${shellQuote(sql)}`;
}

/**
 * Shell functions shared by the scripts: `running NODE` (the container exists
 * and runs), `exists NODE`, `psql_in NODE [psql args]` as the superuser.
 */
export function nodeFunctions(superuser: string): string {
  return [
    `running() { [ "$(docker container inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }`,
    `exists() { docker container inspect "$1" >/dev/null 2>&1; }`,
    `psql_in() { node=$1; shift; docker exec -i -u postgres "$node" psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -U ${shellQuote(superuser)} "$@"; }`,
  ].join("\n");
}

/** A list of container names as one shell word for `for node in $VAR`. Names are plain ([a-z0-9-]). */
export function nameList(names: readonly string[]): string {
  return shellQuote(names.join(" "));
}

/** Shell lines that set STANDBYS to the cluster's standby containers, found by label. */
export function discoverStandbys(prefix: string): string {
  return `STANDBYS=$(docker ps -a --filter ${shellQuote(`label=${LABEL_CLUSTER}=${prefix}`)} --filter ${shellQuote(`label=${LABEL_ROLE}=replica`)} --format '{{.Names}}' | sort | tr '\\n' ' ')`;
}
