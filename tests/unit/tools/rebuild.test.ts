import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  nextStepsAfterPromotion, reapplyCommand, rebuildStandbyCommand, rebuildStandbyHint, REBUILD_HINT, standbyVolumeUrn,
} from "../../../scripts/lib/rebuild";

const URN = "urn:pulumi:t::pg-replication::pg-replication:index:Cluster$docker:index/volume:Volume::pg-t-replica-1-data";

describe("rebuilding a standby with Pulumi", () => {
  it("names the standby's data volume by its URN, as the engine does (the cluster component is its parent)", () => {
    assert.equal(standbyVolumeUrn("t", "pg-t-replica-1"), URN);
  });

  it("rebuilds one standby with `pulumi up --replace` of that URN, quoted for the shell ($ in it)", () => {
    assert.equal(rebuildStandbyCommand("t", "pg-t-replica-1"), `pulumi up --stack t --replace '${URN}'`);
  });

  it("hints name the real commands, never the retired sandbox", () => {
    assert.match(REBUILD_HINT, /`pulumi up --replace '<URN of the standby's volume>'`/);
    assert.match(REBUILD_HINT, /`pulumi stack --show-urns`/);
    assert.match(REBUILD_HINT, /`pulumi destroy`, then `pulumi up`/);
    const one = rebuildStandbyHint("pg-t-replica-2");
    assert.match(one, /^rebuild pg-t-replica-2 from the primary: `pulumi up --replace '<URN of volume pg-t-replica-2-data>'`/);
    assert.match(one, /do not tear the stack down$/);
    for (const text of [REBUILD_HINT, one]) assert.doesNotMatch(text, /sandbox/);
  });
});

describe("applying the stack's settings again", () => {
  it("replaces the settings or sync command by its URN, which a plain pulumi up would not run", () => {
    assert.equal(reapplyCommand({ stack: "t", namePrefix: "pg-t" }, "sync"),
      "pulumi up --stack t --replace 'urn:pulumi:t::pg-replication::pg-replication:index:Cluster$command:local:Command::pg-t-sync'");
    assert.equal(reapplyCommand({ stack: "t", namePrefix: "pg-t" }, "settings"),
      "pulumi up --stack t --replace 'urn:pulumi:t::pg-replication::pg-replication:index:Cluster$command:local:Command::pg-t-settings'");
  });
});

describe("promote's next steps", () => {
  const promoted = { name: "replica-1", containerName: "pg-t-replica-1", endpoint: "127.0.0.1:25431" };
  const outputs = { stack: "t", primaryContainerName: "pg-t-primary" };

  it("say where to write, who still follows the old primary, and the exact commands back to the declared topology", () => {
    const steps = nextStepsAfterPromotion(outputs, promoted, ["replica-2"]);
    assert.deepEqual(steps, [
      "Point writers at replica-1 (127.0.0.1:25431): the stack outputs still name the old primary.",
      "The other standbys (replica-2) still follow the old primary and do not replicate from replica-1.",
      "To go back to the declared topology, with pg-t-primary as primary: start it again if it is down (`docker start pg-t-primary`), " +
        `point writers back at it, and rebuild replica-1 as its standby: \`pulumi up --stack t --replace '${URN}'\` ` +
        "deletes its volume, takes a new base backup and starts it again (docs/FAILURE-MODES.md, \"Rebuilding a standby\").",
      "Rebuilding replica-1 discards what was written to it since the promotion: copy anything you need first.",
      "To start over with a new, empty cluster instead: `pulumi destroy --stack t`, then `pulumi up --stack t`.",
    ]);
    assert.doesNotMatch(steps.join("\n"), /sandbox/);
  });

  it("say so when no standby is left", () => {
    assert.equal(nextStepsAfterPromotion(outputs, promoted, [])[1], "There are no other standbys: the cluster has no replica until it is rebuilt.");
  });
});
