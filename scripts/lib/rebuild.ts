/** The advice every "the cluster no longer matches the stack" message ends with. */
export const REBUILD_HINT =
  "fix or replace the old primary, then re-run `pulumi up` to rebuild the standbys (sandbox: `npm run sandbox -- down`, then `npm run sandbox -- up`)";

/** The advice for one broken standby: rebuild that standby alone, never the whole stack. */
export function rebuildStandbyHint(containerName: string): string {
  return `rebuild ${containerName} from the primary (README, "Failure modes and recovery": rebuilding a standby); the primary's data is not affected, do not tear the stack down`;
}
