import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBytes, formatLsn, formatMs, parseLsn, toNumber } from "../../../scripts/lib/lag";

describe("lag maths at the boundaries (mutation-testing follow-up)", () => {
  it("parses an LSN with surrounding whitespace, as psql output or a pasted value may carry", () => {
    assert.equal(parseLsn(" 0/3000148\n"), 0x3000148n);
  });

  it("prints both halves of an LSN in upper-case hex", () => {
    assert.equal(formatLsn(0xab_0000_00cdn), "AB/CD");
  });

  it("switches byte units at exactly 1024", () => {
    assert.equal(formatBytes(1024), "1.0 kB");
    assert.equal(formatBytes(1024n * 1024n), "1.0 MB");
  });

  it("stops at TB however large the figure", () => {
    assert.equal(formatBytes(1024 ** 5), "1024 TB");
    assert.equal(formatBytes(2n ** 60n), "1048576 TB");
  });

  it("drops the decimal from 100 of a unit upwards", () => {
    assert.equal(formatBytes(100 * 1024), "100 kB");
    assert.equal(formatBytes(99.5 * 1024), "99.5 kB");
  });

  it("switches duration units at exactly 1 s, 1 min and 1 h", () => {
    assert.equal(formatMs(999), "999 ms");
    assert.equal(formatMs(1000), "1 s");
    assert.equal(formatMs(59_990), "59.99 s");
    assert.equal(formatMs(60_000), "1m0s");
    assert.equal(formatMs(3_599_000), "59m59s");
    assert.equal(formatMs(3_600_000), "1h0m");
  });

  it("keeps an unknown figure unknown in JSON output rather than 0", () => {
    assert.equal(toNumber(null), null);
    assert.equal(toNumber(0n), 0);
    assert.equal(toNumber(4294967296n), 4294967296);
  });
});
