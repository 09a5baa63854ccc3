/**
 * The cluster's nodes as the outputs declare them: the primary first, then
 * the standbys in order. Every tool addresses nodes by these names.
 */
import type { ReplicaOutput } from "../../components/outputs";
import { endpoint, type ConnParams } from "./dsn";
import type { LoadedOutputs } from "./outputs";

export type DeclaredRole = "primary" | "standby";

export interface NodeRef {
  /** "primary" or "replica-<n>", as in the container names. */
  readonly name: string;
  readonly declaredRole: DeclaredRole;
  /** `host:port` for messages: never the DSN, which carries the password. */
  readonly endpoint: string;
  readonly conn: ConnParams;
  /** The standby's outputs; null for the primary. */
  readonly replica: ReplicaOutput | null;
}

export function clusterNodes(loaded: LoadedOutputs): NodeRef[] {
  const { outputs } = loaded;
  const primary: NodeRef = {
    name: "primary",
    declaredRole: "primary",
    endpoint: endpoint(outputs.primaryHost, outputs.primaryPort),
    conn: loaded.primaryConn,
    replica: null,
  };
  const standbys = outputs.replicas.map(
    (r, i): NodeRef => ({
      name: `replica-${r.index}`,
      declaredRole: "standby",
      endpoint: endpoint(r.host, r.port),
      conn: loaded.replicaConns[i],
      replica: r,
    }),
  );
  return [primary, ...standbys];
}
