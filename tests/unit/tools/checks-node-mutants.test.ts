import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Check } from "../../../scripts/lib/check";
import { reachableCheck, roleCheck, settingChecks, versionChecks, writableCheck } from "../../../scripts/lib/checks-node";
import { validateOutputs } from "../../../scripts/lib/outputs";
import { REBUILD_HINT, reapplyCommand } from "../../../scripts/lib/rebuild";
import type { NodeSnapshot } from "../../../scripts/lib/snapshot";
import { topologyOf } from "../../../scripts/lib/topology";
import { down, healthy, loaded, outputsJson, primaryState, standbyState, up, withNode } from "./fixtures";

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

const named = (checks: readonly Check[], name: string): Check => {
  const c = checks.find((x) => x.name === name);
  assert.ok(c !== undefined, `no check ${name}; have: ${checks.map((x) => x.name).join(", ")}`);
  return c;
};

/** The primary's server settings with one of them changed. */
function primaryWith(name: string, setting: string, shown = setting) {
  return primaryState().settings.map((s) => (s.name === name ? { ...s, setting, shown } : s));
}

const settingsReapplyHint = (l: ReturnType<typeof loaded>): string =>
  `the server does not run with the settings the stack declares: apply them again with \`${reapplyCommand(l.outputs, "settings")}\` (it reloads, and restarts only what needs it; a plain \`pulumi up\` sees no change)`;

describe("reachable and role checks (mutation-testing follow-up)", () => {
  it("a reachable node passes with its endpoint, major.minor version and round trip, and the full version in the figures", () => {
    const l = loaded();
    const { snapshot } = healthy(l);
    const c = reachableCheck(l.outputs, snapshot.nodes[0]);
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "127.0.0.1:25430, PostgreSQL 17.12, 3 ms");
    assert.deepEqual(c.figures, { endpoint: "127.0.0.1:25430", serverVersion: "17.12 (Debian 17.12-0+deb13u1)", elapsedMs: 3 });
  });

  it("a refused password fails with the credentials hint, not the docker start hint", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const s: NodeSnapshot = { node: nodes[0], ok: false, kind: "auth", error: "password authentication failed for user postgres" };
    const c = reachableCheck(l.outputs, s);
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "password authentication failed for user postgres");
    assert.equal(c.hint, "the outputs and the server disagree on credentials: read fresh outputs (`pulumi stack output --json --show-secrets`)");
    assert.deepEqual(c.figures, { endpoint: "127.0.0.1:25430", failure: "auth" });
  });

  it("an unreachable standby fails with docker commands naming its own container", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = reachableCheck(l.outputs, down(nodes[2]));
    assert.equal(c.status, "fail");
    assert.equal(
      c.hint,
      "is it running? `docker ps -a --filter name=pg-t-replica-2`; start it with `docker start pg-t-replica-2` (`docker logs pg-t-replica-2` says why it stopped)",
    );
    assert.deepEqual(c.figures, { endpoint: "127.0.0.1:25432", failure: "unreachable" });
  });

  it("a reachable declared primary in recovery fails its role check with the rebuild hint, inRecovery true in --json", () => {
    const { nodes } = healthy();
    const c = roleCheck({ node: nodes[0], state: standbyState(1) });
    assert.equal(c.status, "fail");
    assert.equal(c.name, "role");
    assert.equal(c.detail, "in recovery: the declared primary is a standby now");
    assert.equal(c.hint, `the cluster no longer matches the stack: ${REBUILD_HINT}`);
    assert.deepEqual(c.figures, { inRecovery: true });
  });

  it("role checks report inRecovery as the server says it, on each of the four role/state combinations", () => {
    const { nodes } = healthy();
    const primaryOk = roleCheck({ node: nodes[0], state: primaryState() });
    assert.deepEqual([primaryOk.status, primaryOk.detail, primaryOk.figures], ["pass", "primary, accepts writes (not in recovery)", { inRecovery: false }]);
    const standbyOk = roleCheck({ node: nodes[1], state: standbyState(1) });
    assert.deepEqual([standbyOk.status, standbyOk.detail, standbyOk.figures], ["pass", "standby (in recovery)", { inRecovery: true }]);
    const promoted = roleCheck({ node: nodes[1], state: primaryState() });
    assert.deepEqual([promoted.status, promoted.detail, promoted.figures], ["fail", "not in recovery: promoted, accepts writes", { inRecovery: false }]);
    assert.equal(promoted.hint, `replica-1 was promoted, so the cluster no longer matches the stack: ${REBUILD_HINT}`);
  });
});

describe("setting checks (mutation-testing follow-up)", () => {
  it("a matching replication setting passes, showing its value", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState() }), "wal_level");
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "replica, as declared");
    assert.deepEqual(c.figures, { value: "replica" });
  });

  it("a mismatched replication setting reports the server's and the declared value in --json", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("max_slot_wal_keep_size", "64", "64MB") }) }), "max_slot_wal_keep_size");
    assert.equal(c.status, "fail");
    assert.equal(c.hint, settingsReapplyHint(l));
    assert.deepEqual(c.figures, { value: "64MB", declared: "1GB" });
  });

  it("a declared setting the server does not know fails, saying so", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const settings = primaryState().settings.filter((s) => s.name !== "max_slot_wal_keep_size");
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings }) }), "max_slot_wal_keep_size");
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "max_slot_wal_keep_size: not a setting this server knows");
    assert.deepEqual(c.figures, { value: null, declared: "1GB" });
  });

  it("a mismatched non-replication setting fails 'other settings', with the settings (not sync) re-apply hint and counts in --json", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("max_wal_senders", "5") }) }), "other settings");
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "max_wal_senders is 5, declared 10");
    assert.equal(c.hint, settingsReapplyHint(l));
    assert.deepEqual(c.figures, { compared: 1, mismatched: 1 });
  });

  it("'other settings' lists every mismatch, and a missing one, with redaction of conninfo settings", () => {
    const l = loaded(2, {
      settings: {
        primary: { wal_level: "replica", synchronous_standby_names: "", max_wal_senders: "10", work_mem: "4MB", primary_conninfo: "host=x" },
        standby: { hot_standby: "on" },
      },
    });
    const { nodes } = healthy(l);
    const settings = [...primaryWith("max_wal_senders", "5"), { name: "primary_conninfo", setting: "host=y", unit: null, vartype: "string", shown: "host=y" }];
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings }) }), "other settings");
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "max_wal_senders is 5, declared 10; work_mem: not a setting this server knows; primary_conninfo is <redacted>, declared <redacted>");
    assert.deepEqual(c.figures, { compared: 3, mismatched: 3 });
  });

  it("matching non-replication settings pass 'other settings', naming them and their count", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState() }), "other settings");
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "1 declared settings match (max_wal_senders)");
    assert.deepEqual(c.figures, { compared: 1 });
  });

  it("several matching non-replication settings are all named, comma-separated", () => {
    const l = loaded(2, { settings: { primary: { wal_level: "replica", max_wal_senders: "10", work_mem: "4MB" }, standby: { hot_standby: "on" } } });
    const { nodes } = healthy(l);
    const settings = [...primaryState().settings, { name: "work_mem", setting: "4096", unit: "kB", vartype: "integer", shown: "4MB" }];
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings }) }), "other settings");
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "2 declared settings match (max_wal_senders, work_mem)");
    assert.deepEqual(c.figures, { compared: 2 });
  });

  it("a primary that declares wal_level gets one wal_level line, judged against the declaration; a standby gets none", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const primary = settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("wal_level", "logical") }) });
    assert.deepEqual(
      primary.map((c) => `${c.name}: ${c.status}`),
      ["wal_level: fail", "hot_standby: pass", "max_slot_wal_keep_size: pass", "synchronous_standby_names: pass", "other settings: pass"],
    );
    assert.equal(named(primary, "wal_level").detail, "wal_level is logical, declared replica");
    const standby = settingChecks(l.outputs, { node: nodes[1], state: standbyState(1) });
    assert.deepEqual(standby.map((c) => c.name), ["hot_standby", "hot_standby_feedback", "max_slot_wal_keep_size"]);
  });

  it("an empty server value is shown as \"\" in a mismatch", () => {
    const l = loaded();
    const { nodes } = healthy(l);
    const c = named(settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("wal_level", "", "") }) }), "wal_level");
    assert.equal(c.status, "fail");
    assert.equal(c.detail, 'wal_level is "", declared replica');
  });
});

describe("a primary whose outputs declare no wal_level (mutation-testing follow-up)", () => {
  const l = validateOutputs({
    ...outputsJson(2),
    settings: { primary: { max_slot_wal_keep_size: "1GB", hot_standby: "on", synchronous_standby_names: "" }, standby: { hot_standby: "on" } },
  });
  const { nodes } = healthy(l);

  it("wal_level=minimal fails: no WAL for standbys", () => {
    const checks = settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("wal_level", "minimal") }) });
    const w = checks.filter((c) => c.name === "wal_level");
    assert.equal(w.length, 1);
    assert.equal(w[0].status, "fail");
    assert.equal(w[0].detail, "minimal: no WAL for standbys");
    assert.equal(w[0].hint, "set wal_level=replica");
  });

  it("wal_level=replica or logical passes as enough for standbys", () => {
    for (const level of ["replica", "logical"]) {
      const checks = settingChecks(l.outputs, { node: nodes[0], state: primaryState({ settings: primaryWith("wal_level", level) }) });
      const w = checks.filter((c) => c.name === "wal_level");
      assert.equal(w.length, 1, level);
      assert.equal(w[0].status, "pass", level);
      assert.equal(w[0].detail, `${level} (enough for standbys)`);
    }
  });

  it("no other settings declared: no 'other settings' line", () => {
    const checks = settingChecks(l.outputs, { node: nodes[0], state: primaryState() });
    assert.deepEqual(
      checks.map((c) => `${c.name}: ${c.status}`),
      ["hot_standby: pass", "max_slot_wal_keep_size: pass", "synchronous_standby_names: pass", "wal_level: pass"],
    );
  });
});

describe("the writable-primary check (mutation-testing follow-up)", () => {
  it("as declared: passes, listing the writable node in --json", () => {
    const c = writableCheck(topologyOf(healthy().snapshot));
    assert.equal(c.status, "pass");
    assert.equal(c.detail, "only the declared primary accepts writes");
    assert.deepEqual(c.figures, { writable: "primary" });
  });

  it("split brain: both writable nodes in detail and --json, and stop-writing hint", () => {
    const { nodes, snapshot } = healthy();
    const c = writableCheck(topologyOf(withNode(snapshot, 2, up(nodes[2], primaryState({ timeline: 2 })))));
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "2 nodes accept writes: primary, replica-2 (promoted): split brain, writes to one are invisible to the other");
    assert.equal(c.hint, `stop writing to the promoted node(s) and ${REBUILD_HINT}`);
    assert.deepEqual(c.figures, { writable: "primary,replica-2" });
  });

  it("declared primary in recovery and a standby promoted: names both, with the rebuild hint", () => {
    const { nodes, snapshot } = healthy();
    const s = withNode(withNode(snapshot, 0, up(nodes[0], standbyState(1))), 1, up(nodes[1], primaryState({ timeline: 2 })));
    const c = writableCheck(topologyOf(s));
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "writable now: replica-1 (promoted); the declared primary is in recovery");
    assert.equal(c.hint, `the cluster no longer matches the stack: ${REBUILD_HINT}`);
    assert.deepEqual(c.figures, { writable: "replica-1" });
  });

  it("no node accepts writes: fails with the start-or-promote hint, not the rebuild hint", () => {
    const { nodes, snapshot } = healthy();
    const c = writableCheck(topologyOf(withNode(snapshot, 0, down(nodes[0]))));
    assert.equal(c.status, "fail");
    assert.equal(c.detail, "writable now: none; the declared primary is unreachable");
    assert.equal(c.hint, "no node accepts writes: start the primary, or promote a standby with `npm run promote -- --replica N`");
    assert.deepEqual(c.figures, { writable: "" });
  });
});

describe("version checks (mutation-testing follow-up)", () => {
  it("no node reachable: one skip, no version invented", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = { ...snapshot, nodes: nodes.map((n) => down(n)) };
    const checks = versionChecks(l.outputs, s);
    assert.deepEqual(checks.map((c) => [c.node, c.name, c.status, c.detail]), [["cluster", "same major version", "skip", "no node reachable"]]);
  });

  it("one major everywhere passes, naming how many nodes and their versions; the expected major passes too", () => {
    const l = loaded();
    const [same, expected] = versionChecks(l.outputs, healthy(l).snapshot);
    assert.deepEqual([same.status, same.detail, same.figures], ["pass", "17 on all 3 nodes (17.12)", { major: 17 }]);
    assert.deepEqual([expected.status, expected.detail, expected.figures], ["pass", "17, as the image postgres:17 declares", { major: 17, expected: 17 }]);
  });

  it("with a node down, the version check says it judged the reachable nodes, listing distinct versions once", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const s = withNode(withNode(snapshot, 1, down(nodes[1])), 2, up(nodes[2], standbyState(2, { serverVersion: "17.13 (Debian)", versionNum: 170013 })));
    const [same] = versionChecks(l.outputs, s);
    assert.equal(same.status, "pass");
    assert.equal(same.detail, "17 on the reachable 2 nodes (17.12, 17.13)");
  });

  it("different majors fail, listing each node's major, with the rebuild-the-odd-node hint", () => {
    const l = loaded();
    const { nodes, snapshot } = healthy(l);
    const checks = versionChecks(l.outputs, withNode(snapshot, 2, up(nodes[2], standbyState(2, { versionNum: 160004, serverVersion: "16.4" }))));
    assert.equal(checks.length, 1);
    assert.equal(checks[0].status, "fail");
    assert.equal(checks[0].detail, "servers run different major versions: primary 17, replica-1 17, replica-2 16");
    assert.equal(checks[0].hint, "physical replication needs one major version everywhere: rebuild the odd node from the stack's image");
    assert.deepEqual(checks[0].figures, { majors: "17,16" });
  });

  it("an image tag without a version skips the expected-version check with expected null in --json", () => {
    const l = loaded(2, { expectedMajorVersion: null, image: "my/postgres:latest" });
    const [, expected] = versionChecks(l.outputs, healthy(l).snapshot);
    assert.equal(expected.status, "skip");
    assert.equal(expected.detail, "not checked: the image tag of my/postgres:latest names no version");
    assert.deepEqual(expected.figures, { expected: null });
  });

  it("a major mismatch with the image names the check, and hints at setting the image, with both majors in --json", () => {
    const l = loaded(2, { expectedMajorVersion: 16, image: "postgres:16" });
    const [, expected] = versionChecks(l.outputs, healthy(l).snapshot);
    assert.equal(expected.name, "expected major version");
    assert.equal(expected.status, "fail");
    assert.equal(
      expected.hint,
      "the image's tag names another major version than the PostgreSQL inside it: set `image` to a PostgreSQL 16 image (`pulumi config set image ...`), then `pulumi up` replaces the containers",
    );
    assert.deepEqual(expected.figures, { major: 17, expected: 16 });
  });
});
