import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatBytes, formatLsn, formatMs, idleCorrectLagMs, lagFromSender, lsnBytesBehind, parseLsn, standbyReplayDelayMs } from "../../../scripts/lib/lag";

describe("LSN arithmetic", () => {
  it("parses PostgreSQL's hi/lo hex notation into a 64-bit position", () => {
    assert.equal(parseLsn("0/0"), 0n);
    assert.equal(parseLsn("16/B374D848"), 0x16b374d848n);
    assert.equal(parseLsn("FFFFFFFF/FFFFFFFF"), 0xffffffffffffffffn);
    assert.equal(parseLsn("0/3000148"), 0x3000148n);
  });

  it("accepts lower-case hex and prints upper-case, as the server does", () => {
    assert.equal(formatLsn(parseLsn("16/b374d848")), "16/B374D848");
    assert.equal(formatLsn(0x100000000n), "1/0");
  });

  it("rejects text that is not an LSN", () => {
    for (const bad of ["", "16", "16/", "/1", "G/0", "123456789/0", "1/2/3"]) {
      assert.throws(() => parseLsn(bad), /not an LSN/, bad);
    }
  });

  it("differences carry across the 32-bit boundary (pg_wal_lsn_diff)", () => {
    assert.equal(lsnBytesBehind("1/0", "0/FFFFFFFF"), 1n);
    assert.equal(lsnBytesBehind("16/B374D848", "16/B374D000"), 0x848n);
  });

  it("a position read after the primary's that is ahead of it is no lag, not negative lag", () => {
    assert.equal(lsnBytesBehind("0/100", "0/200"), 0n);
  });

  it("an unknown position gives an unknown difference", () => {
    assert.equal(lsnBytesBehind(null, "0/1"), null);
    assert.equal(lsnBytesBehind("0/1", null), null);
  });
});

describe("idle-correct time lag on the primary", () => {
  it("is 0 when the standby has replayed everything, whatever PostgreSQL last measured", () => {
    // pg_stat_replication keeps showing the last measurement for a while on an idle cluster.
    assert.equal(idleCorrectLagMs("0/3000148", "0/3000148", 1234), 0);
    assert.equal(idleCorrectLagMs("0/3000148", "0/3000148", null), 0);
  });

  it("is PostgreSQL's measurement while WAL is outstanding", () => {
    assert.equal(idleCorrectLagMs("0/3000200", "0/3000148", 42.5), 42.5);
  });

  it("is unknown while WAL is outstanding and nothing was measured", () => {
    assert.equal(idleCorrectLagMs("0/3000200", "0/3000148", null), null);
  });
});

describe("replay delay measured on a standby", () => {
  it("is 0 when everything received is replayed, however old the last replayed commit is", () => {
    // now() - pg_last_xact_replay_timestamp() grows forever on an idle cluster.
    assert.equal(standbyReplayDelayMs("0/3000148", "0/3000148", 3_600_000), 0);
  });

  it("is the age of the last replayed commit while received WAL waits to be replayed", () => {
    assert.equal(standbyReplayDelayMs("0/3000200", "0/3000148", 1500), 1500);
  });

  it("is unknown without positions or without a replayed commit", () => {
    assert.equal(standbyReplayDelayMs(null, "0/1", 5), null);
    assert.equal(standbyReplayDelayMs("0/2", "0/1", null), null);
  });
});

describe("lag from a pg_stat_replication row", () => {
  it("reports bytes per stage behind the current position, and time lag idle-corrected per stage", () => {
    const f = lagFromSender("0/3001000", {
      sentLsn: "0/3001000",
      writeLsn: "0/3000800",
      flushLsn: "0/3000400",
      replayLsn: "0/3000000",
      writeLagMs: 1,
      flushLagMs: 2,
      replayLagMs: 3,
    });
    assert.deepEqual(f, { sentBytes: 0n, writeBytes: 0x800n, flushBytes: 0xc00n, replayBytes: 0x1000n, writeLagMs: 1, flushLagMs: 2, replayLagMs: 3 });
  });

  it("streaming with replay far behind shows in bytes even when the state looks fine", () => {
    const f = lagFromSender("1/0", { sentLsn: "1/0", writeLsn: "1/0", flushLsn: "1/0", replayLsn: "0/0", writeLagMs: null, flushLagMs: null, replayLagMs: null });
    assert.equal(f.sentBytes, 0n);
    assert.equal(f.replayBytes, 4294967296n);
    assert.equal(f.writeLagMs, 0);
    assert.equal(f.replayLagMs, null);
  });
});

describe("formatting", () => {
  it("prints bytes in PostgreSQL's units, powers of 1024", () => {
    assert.equal(formatBytes(0n), "0 B");
    assert.equal(formatBytes(1023), "1023 B");
    assert.equal(formatBytes(1536n), "1.5 kB");
    assert.equal(formatBytes(16n * 1024n * 1024n), "16.0 MB");
    assert.equal(formatBytes(200 * 1024 ** 3), "200 GB");
    assert.equal(formatBytes(null), "-");
  });

  it("prints durations", () => {
    assert.equal(formatMs(0), "0 ms");
    assert.equal(formatMs(12.4), "12 ms");
    assert.equal(formatMs(1234), "1.23 s");
    assert.equal(formatMs(5000), "5 s");
    assert.equal(formatMs(90_000), "1m30s");
    assert.equal(formatMs(7_200_000), "2h0m");
    assert.equal(formatMs(null), "-");
  });
});
