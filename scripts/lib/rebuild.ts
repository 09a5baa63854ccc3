/**
 * How a standby is rebuilt with Pulumi: `pulumi up --replace` of its data
 * volume. The volume is deleted and created again empty, and the engine
 * replaces what depends on it with it: the standby container and its
 * base-backup Command (whose delete drops the slot and whose create makes it
 * again and takes a new base backup). The primary and the other standbys are
 * left alone.
 */
import { PROJECT } from "../../components/config";
import type { ClusterOutputs } from "../../components/outputs";
import { volumeName } from "../../components/naming";

/** The component every resource of the program is a child of (components/cluster.ts). */
const CLUSTER_TYPE = `${PROJECT}:index:Cluster`;
const VOLUME_TYPE = "docker:index/volume:Volume";
const COMMAND_TYPE = "command:local:Command";

/** The URN of a standby's data volume: what `pulumi up --replace` takes to rebuild that standby. */
export function standbyVolumeUrn(stack: string, containerName: string): string {
  return `${clusterUrnPrefix(stack)}$${VOLUME_TYPE}::${volumeName(containerName)}`;
}

/**
 * `pulumi up --replace` of one of the commands that apply settings
 * (`<prefix>-settings`) or the standby list (`<prefix>-sync`) to the running
 * nodes: what puts a server changed by hand back to the stack's values. A
 * plain `pulumi up` would see no change in the stack and run nothing.
 */
export function reapplyCommand(outputs: Pick<ClusterOutputs, "stack" | "namePrefix">, which: "settings" | "sync"): string {
  return `pulumi up --stack ${outputs.stack} --replace '${clusterUrnPrefix(outputs.stack)}$${COMMAND_TYPE}::${outputs.namePrefix}-${which}'`;
}

function clusterUrnPrefix(stack: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${CLUSTER_TYPE}`;
}

/** The command that rebuilds one standby from the primary, with its URN filled in. */
export function rebuildStandbyCommand(stack: string, containerName: string): string {
  return `pulumi up --stack ${stack} --replace '${standbyVolumeUrn(stack, containerName)}'`;
}

/** The advice every "the cluster no longer matches the stack" message ends with. */
export const REBUILD_HINT =
  "fix or replace the old primary, then rebuild each standby from it with `pulumi up --replace '<URN of the standby's volume>'` " +
  "(`pulumi stack --show-urns` lists them), or start over with an empty cluster: `pulumi destroy`, then `pulumi up`";

/** The advice for one broken standby: rebuild that standby alone, never the whole stack. */
export function rebuildStandbyHint(containerName: string): string {
  return `rebuild ${containerName} from the primary: \`pulumi up --replace '<URN of volume ${volumeName(containerName)}>'\` ` +
    `(docs/FAILURE-MODES.md, "Rebuilding a standby"); the primary's data is not affected, do not tear the stack down`;
}

/** The standby `npm run promote` promoted: its name in the tools (replica-N), its container and endpoint. */
export interface PromotedStandby {
  readonly name: string;
  readonly containerName: string;
  readonly endpoint: string;
}

/** What promote prints after a promotion: where to write now, and the commands back to the declared topology. */
export function nextStepsAfterPromotion(outputs: Pick<ClusterOutputs, "stack" | "primaryContainerName">, promoted: PromotedStandby, others: readonly string[]): string[] {
  const primary = outputs.primaryContainerName;
  return [
    `Point writers at ${promoted.name} (${promoted.endpoint}): the stack outputs still name the old primary.`,
    others.length > 0
      ? `The other standbys (${others.join(", ")}) still follow the old primary and do not replicate from ${promoted.name}.`
      : "There are no other standbys: the cluster has no replica until it is rebuilt.",
    `To go back to the declared topology, with ${primary} as primary: start it again if it is down (\`docker start ${primary}\`), ` +
      `point writers back at it, and rebuild ${promoted.name} as its standby: \`${rebuildStandbyCommand(outputs.stack, promoted.containerName)}\` ` +
      `deletes its volume, takes a new base backup and starts it again (docs/FAILURE-MODES.md, "Rebuilding a standby").`,
    `Rebuilding ${promoted.name} discards what was written to it since the promotion: copy anything you need first.`,
    `To start over with a new, empty cluster instead: \`pulumi destroy --stack ${outputs.stack}\`, then \`pulumi up --stack ${outputs.stack}\`.`,
  ];
}
