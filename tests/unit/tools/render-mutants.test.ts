import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fail, pass, summarise, warn, type Check } from "../../../scripts/lib/check";
import { failedByNode, renderChecks, renderReport, renderTable, verdictLine } from "../../../scripts/lib/render";

describe("rendering details (mutation-testing follow-up)", () => {
  it("leaves the missing cells of a short row empty, without widening the column", () => {
    assert.equal(renderTable([{ header: "A" }, { header: "B" }, { header: "C" }], [["x"], ["y", "z", "w"]]), ["A  B  C", "x", "y  z  w"].join("\n"));
  });

  it("lists failed checks comma-separated per node and nodes semicolon-separated", () => {
    const checks = [fail("replica-2", "reachable", "d", "h"), pass("primary", "reachable", "d"), fail("replica-2", "slot", "d", "h"), fail("primary", "probe write", "d", "h")];
    assert.equal(failedByNode(checks), "replica-2: reachable, slot; primary: probe write");
  });

  it("puts warnings in the plural from two", () => {
    const checks = [pass("primary", "reachable", "ok"), warn("primary", "a", "d", "h"), warn("primary", "b", "d", "h")];
    assert.equal(verdictLine(summarise(checks), checks), "✓ PASSED: 1 check passed (2 warnings)");
  });

  it("leaves no trailing blanks after a check with an empty detail", () => {
    assert.equal(renderChecks([pass("primary", "reachable", ""), pass("replica-1", "x", "ok")]), "✓ primary    reachable\n✓ replica-1  x          ok");
  });

  it("prints a hint only for a failure or a warning that has one", () => {
    const checks: Check[] = [
      { node: "primary", name: "a", status: "pass", detail: "ok", hint: "not shown" },
      { node: "primary", name: "b", status: "skip", detail: "skipped", hint: "not shown either" },
      { node: "primary", name: "c", status: "warn", detail: "no hint" },
      { node: "primary", name: "d", status: "fail", detail: "no hint" },
    ];
    assert.equal(renderChecks(checks), ["✓ primary  a  ok", "- primary  b  skipped", "! primary  c  no hint", "✗ primary  d  no hint"].join("\n"));
  });

  it("separates title, checks and verdict by blank lines", () => {
    const checks = [pass("primary", "reachable", "ok")];
    assert.equal(renderReport("Cluster t", checks, summarise(checks)), "Cluster t\n\n✓ primary  reachable  ok\n\n✓ PASSED: 1 check passed");
  });
});
