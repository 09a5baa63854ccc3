/**
 * Replication lag maths, pure. LSNs are 64-bit WAL positions that PostgreSQL
 * prints as two hex halves ("16/B374D848"); they exceed Number's exact range,
 * so positions and differences are bigints until they are displayed.
 */

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** "16/B374D848" -> 0x16B374D848n. Throws on anything that is not an LSN. */
export function parseLsn(text: string): bigint {
  const m = LSN.exec(text.trim());
  if (m === null) throw new Error(`not an LSN: "${text}"`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/** The inverse of parseLsn, in PostgreSQL's spelling (upper-case hex, no padding). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}

/**
 * Bytes from `behind` to `ahead`, as `pg_wal_lsn_diff(ahead, behind)`.
 * Null when either position is unknown. Never negative: a standby's position
 * read a moment after the primary's may be past it, which is no lag at all.
 */
export function lsnBytesBehind(ahead: string | null, behind: string | null): bigint | null {
  if (ahead === null || behind === null) return null;
  const d = parseLsn(ahead) - parseLsn(behind);
  return d > 0n ? d : 0n;
}

/**
 * Time lag of one stage (write, flush or replay) as seen on the primary.
 *
 * PostgreSQL measures `*_lag` only while WAL flows: on an idle cluster the
 * last measurement lingers for a while and then turns NULL, and neither means
 * the standby is behind. So when the standby's position for that stage has
 * reached the primary's current position there is nothing left to apply and
 * the lag is 0. Otherwise the server's measurement stands (null: not measured).
 */
export function idleCorrectLagMs(currentLsn: string | null, stageLsn: string | null, serverLagMs: number | null): number | null {
  const behind = lsnBytesBehind(currentLsn, stageLsn);
  if (behind === 0n) return 0;
  return serverLagMs;
}

/**
 * Replay delay measured on a standby, for when the primary cannot be asked.
 *
 * `now() - pg_last_xact_replay_timestamp()` is the age of the last replayed
 * commit, not lag: on an idle cluster it grows forever while the standby is
 * fully caught up. It only measures lag while received WAL is waiting to be
 * replayed (receive_lsn ahead of replay_lsn); with both equal the delay is 0.
 */
export function standbyReplayDelayMs(receiveLsn: string | null, replayLsn: string | null, lastReplayAgeMs: number | null): number | null {
  const pending = lsnBytesBehind(receiveLsn, replayLsn);
  if (pending === null) return null;
  if (pending === 0n) return 0;
  return lastReplayAgeMs === null ? null : Math.max(0, lastReplayAgeMs);
}

/** The lag of one standby, all relative to the primary's current WAL position. */
export interface LagFigures {
  /** Bytes generated on the primary and not yet sent to the standby. */
  readonly sentBytes: bigint | null;
  readonly writeBytes: bigint | null;
  readonly flushBytes: bigint | null;
  readonly replayBytes: bigint | null;
  readonly writeLagMs: number | null;
  readonly flushLagMs: number | null;
  readonly replayLagMs: number | null;
}

/** What lag is computed from: a WAL sender's position per stage and PostgreSQL's own lag measurements (`pg_stat_replication`). */
export interface SenderPositions {
  readonly sentLsn: string | null;
  readonly writeLsn: string | null;
  readonly flushLsn: string | null;
  readonly replayLsn: string | null;
  readonly writeLagMs: number | null;
  readonly flushLagMs: number | null;
  readonly replayLagMs: number | null;
}

/** Lag figures from one `pg_stat_replication` row and the primary's `pg_current_wal_lsn()`. */
export function lagFromSender(currentLsn: string, row: SenderPositions): LagFigures {
  return {
    sentBytes: lsnBytesBehind(currentLsn, row.sentLsn),
    writeBytes: lsnBytesBehind(currentLsn, row.writeLsn),
    flushBytes: lsnBytesBehind(currentLsn, row.flushLsn),
    replayBytes: lsnBytesBehind(currentLsn, row.replayLsn),
    writeLagMs: idleCorrectLagMs(currentLsn, row.writeLsn, row.writeLagMs),
    flushLagMs: idleCorrectLagMs(currentLsn, row.flushLsn, row.flushLagMs),
    replayLagMs: idleCorrectLagMs(currentLsn, row.replayLsn, row.replayLagMs),
  };
}

const UNITS = ["B", "kB", "MB", "GB", "TB"] as const;

/** 1536n -> "1.5 kB" (powers of 1024, PostgreSQL's unit names). */
export function formatBytes(bytes: bigint | number | null): string {
  if (bytes === null) return "-";
  let v = Number(bytes);
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  if (u === 0) return `${v} B`;
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${UNITS[u]}`;
}

/** 0 -> "0 ms", 1234 -> "1.23 s", 5000 -> "5 s", 90000 -> "1m30s". */
export function formatMs(ms: number | null): string {
  if (ms === null) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return Number.isInteger(ms / 1000) ? `${ms / 1000} s` : `${(ms / 1000).toFixed(2)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const m = Math.floor(totalSeconds / 60);
  const s = totalSeconds % 60;
  return m < 60 ? `${m}m${s}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

/** Bigint to a JSON-safe number (WAL byte counts stay far below 2^53). */
export function toNumber(v: bigint | null): number | null {
  return v === null ? null : Number(v);
}
