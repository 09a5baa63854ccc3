import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { settingChecks, versionChecks } from "../../../scripts/lib/checks-node";
import { reapplyCommand } from "../../../scripts/lib/rebuild";
import { healthy, loaded, primaryState, up, withNode } from "./fixtures";

describe("checks-node (mutation-testing follow-up)", () => {
  it("a mismatched synchronous_standby_names carrying a password is redacted, and the hint re-applies the sync settings", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const settings = primaryState().settings.map((s) => (s.name === "synchronous_standby_names" ? { ...s, setting: "password=x", shown: "password=x" } : s));
    const checks = settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings }) });
    const c = checks.find((x) => x.name === "synchronous_standby_names");
    assert.ok(c !== undefined);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, 'synchronous_standby_names is <redacted>, declared ""');
    assert.ok(c.hint?.includes(`\`${reapplyCommand(l.outputs, "sync")}\``), c.hint ?? "");
    assert.ok(!(c.hint ?? "").includes(`\`${reapplyCommand(l.outputs, "settings")}\``), c.hint ?? "");
  });

  it("servers on another major version than the image declares fail the expected-major-version check", () => {
    const l = loaded(2, { expectedMajorVersion: 16, image: "postgres:16" });
    const { nodes, snapshot } = healthy(l);
    const s = withNode(snapshot, 0, up(nodes[0], primaryState()));
    const [same, expected] = versionChecks(l.outputs, s);
    assert.equal(same.status, "pass");
    assert.equal(expected.status, "fail");
    assert.equal(expected.detail, "servers run 17, but the image postgres:16 declares 16");
  });
});
