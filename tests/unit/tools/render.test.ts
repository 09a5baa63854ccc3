import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fail, pass, skip, summarise, warn } from "../../../scripts/lib/check";
import { renderChecks, renderReport, renderTable, verdictLine } from "../../../scripts/lib/render";

/** Column start offsets of the cells of `line`, found by the positions of `cells`. */
function starts(line: string, cells: string[]): number[] {
  let from = 0;
  return cells.map((c) => {
    const i = [...line].join("").indexOf(c, from);
    from = i + c.length;
    return [...line.slice(0, i)].length;
  });
}

describe("aligned tables", () => {
  it("pads every column to its widest cell, two spaces apart, no trailing blanks", () => {
    const out = renderTable([{ header: "NODE" }, { header: "LAG", align: "right" }, { header: "STATE" }], [
      ["primary", "-", "read-write"],
      ["replica-1", "16.0 MB", "streaming"],
    ]);
    assert.equal(
      out,
      ["NODE           LAG  STATE", "primary          -  read-write", "replica-1  16.0 MB  streaming"].join("\n"),
    );
  });

  it("counts ✓ and ✗ as one column wide", () => {
    const [header, first, second] = renderTable([{ header: "OK" }, { header: "CHECK" }], [["✓", "reachable"], ["✗", "slot"]]).split("\n");
    const column = (line: string, text: string): number => [...line.slice(0, line.indexOf(text))].length;
    assert.equal(column(header, "CHECK"), 4);
    assert.equal(column(first, "reachable"), 4);
    assert.equal(column(second, "slot"), 4);
  });
});

describe("the verify report", () => {
  const checks = [
    pass("cluster", "writable primary", "only the declared primary accepts writes"),
    pass("primary", "reachable", "127.0.0.1:25430, PostgreSQL 17.12, 3 ms"),
    fail("replica-2", "reachable", "cannot connect to 127.0.0.1:25432 (connection refused): is the container running?", "docker start pg-t-replica-2"),
    warn("primary", "extra slots", "slots no declared standby owns: old", "drop it"),
    skip("replica-2", "lag", "not measured"),
  ];

  it("puts one check per line with its mark, node, name and detail in aligned columns", () => {
    const lines = renderChecks(checks).split("\n");
    const checkLines = lines.filter((l) => !l.trimStart().startsWith("hint:"));
    assert.deepEqual(
      checkLines.map((l) => l.slice(0, 2)),
      ["✓ ", "✓ ", "✗ ", "! ", "- "],
    );
    const detailColumn = new Set(checkLines.map((l, i) => starts(l, [checks[i].detail])[0]));
    assert.equal(detailColumn.size, 1, "every detail starts in the same column");
  });

  it("gives a failure and a warning their hint on the next line, under the detail", () => {
    const lines = renderChecks(checks).split("\n");
    const i = lines.findIndex((l) => l.includes("connection refused"));
    assert.equal(lines[i + 1].trim(), "hint: docker start pg-t-replica-2");
    assert.equal(lines[i + 1].indexOf("hint:"), lines[i].indexOf("cannot connect"), "the hint starts where the detail starts");
    assert.ok(lines.some((l) => l.trim() === "hint: drop it"));
    assert.equal(lines.filter((l) => l.includes("hint:")).length, 2, "passed and skipped checks have no hint line");
  });

  it("ends with a verdict naming each failed check by node", () => {
    assert.equal(verdictLine(summarise(checks), checks), "✗ FAILED: 1 of 5 checks failed (1 warning, 1 skipped): replica-2: reachable");
    const ok = [pass("primary", "reachable", "ok"), pass("replica-1", "lag", "0 B")];
    assert.equal(verdictLine(summarise(ok), ok), "✓ PASSED: 2 checks passed");
  });

  it("is a title, the checks and the verdict", () => {
    const out = renderReport("title", checks, summarise(checks)).split("\n");
    assert.equal(out[0], "title");
    assert.equal(out[1], "");
    assert.match(out[out.length - 1], /^✗ FAILED/);
  });
});
