/** The advice every "the cluster no longer matches the stack" message ends with. */
export const REBUILD_HINT =
  "fix or replace the old primary, then re-run `pulumi up` to rebuild the standbys (sandbox: `npm run sandbox -- down`, then `npm run sandbox -- up`)";
