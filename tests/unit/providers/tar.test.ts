import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { buildSingleFileTar, splitUstarPath } from "../../providers/docker/tar";

const field = (block: Buffer, offset: number, length: number): string =>
  block.subarray(offset, offset + length).toString("utf8").replace(/\0.*$/s, "");
const octal = (block: Buffer, offset: number, length: number): number => parseInt(field(block, offset, length).trim(), 8);

describe("buildSingleFileTar", () => {
  const content = Buffer.from("host all all 0.0.0.0/0 reject\n");
  const tar = buildSingleFileTar({ path: "/etc/pg-replication/pg_hba.conf", content, mode: 0o640, mtime: 1_700_000_000.7 });
  const header = tar.subarray(0, 512);

  it("writes the upload path as given, leading slash kept, like the provider's tar.Header{Name: file}", () => {
    assert.equal(field(header, 0, 100), "/etc/pg-replication/pg_hba.conf");
    assert.equal(field(header, 345, 155), "");
  });

  it("writes mode, root ownership, size and whole-second mtime as octal fields", () => {
    assert.equal(field(header, 100, 8), "0000640");
    assert.equal(octal(header, 108, 8), 0);
    assert.equal(octal(header, 116, 8), 0);
    assert.equal(octal(header, 124, 12), content.length);
    assert.equal(octal(header, 136, 12), 1_700_000_000);
  });

  it("marks a regular file in USTAR format", () => {
    assert.equal(field(header, 156, 1), "0");
    assert.equal(header.subarray(257, 263).toString("latin1"), "ustar\0");
    assert.equal(header.subarray(263, 265).toString("latin1"), "00");
  });

  it("stores a checksum equal to the header's byte sum with the checksum field as spaces", () => {
    const copy = Buffer.from(header);
    copy.fill(0x20, 148, 156);
    const sum = copy.reduce((acc, byte) => acc + byte, 0);
    assert.equal(octal(header, 148, 8), sum);
    assert.equal(header[154], 0);
    assert.equal(header[155], 0x20);
  });

  it("pads the content to 512 bytes and ends with two zero blocks", () => {
    assert.equal(tar.length, 512 + 512 + 1024);
    assert.deepEqual(tar.subarray(512, 512 + content.length), content);
    assert.ok(tar.subarray(512 + content.length).every((byte) => byte === 0));
  });

  it("holds exactly one entry and no directory entries (the daemon creates missing parents)", () => {
    const types: string[] = [];
    for (let offset = 0; offset < tar.length; offset += 512) {
      const block = tar.subarray(offset, offset + 512);
      if (block.every((b) => b === 0)) continue;
      types.push(field(block, 156, 1));
      offset += Math.ceil(octal(block, 124, 12) / 512) * 512;
    }
    assert.deepEqual(types, ["0"]);
  });

  it("splits a path over 100 bytes into USTAR prefix and name", () => {
    const long = `/${"d".repeat(60)}/${"e".repeat(60)}/file.conf`;
    assert.deepEqual(splitUstarPath(long), { prefix: `/${"d".repeat(60)}/${"e".repeat(60)}`, name: "file.conf" });
    const t = buildSingleFileTar({ path: long, content: Buffer.from("x"), mode: 0o644, mtime: 0 });
    assert.equal(field(t, 0, 100), "file.conf");
    assert.equal(field(t, 345, 155), `/${"d".repeat(60)}/${"e".repeat(60)}`);
  });

  it("uses a PAX path record when no USTAR split fits", () => {
    const path = `/etc/${"n".repeat(120)}`;
    const t = buildSingleFileTar({ path, content: Buffer.from("x"), mode: 0o644, mtime: 0 });
    assert.equal(field(t, 156, 1), "x");
    const size = octal(t, 124, 12);
    const record = t.subarray(512, 512 + size).toString("utf8");
    assert.equal(record, `${size} path=${path}\n`);
    assert.equal(Number(record.split(" ")[0]), Buffer.byteLength(record));
  });

  it("rejects a directory path and an out-of-range mode", () => {
    assert.throws(() => buildSingleFileTar({ path: "/etc/", content: Buffer.alloc(0), mode: 0o644, mtime: 0 }), /not a file path/);
    assert.throws(() => buildSingleFileTar({ path: "/x", content: Buffer.alloc(0), mode: 0o17777, mtime: 0 }), /invalid mode/);
  });

  it("is read back by GNU tar with the same name, mode and content", () => {
    const dir = mkdtempSync(join(tmpdir(), "stand-in-tar-"));
    try {
      const nested = buildSingleFileTar({ path: "a/b/c.txt", content: Buffer.from("hello\n"), mode: 0o600, mtime: 1_700_000_000 });
      const result = spawnSync("tar", ["-x", "-p", "-C", dir], { input: nested });
      assert.equal(result.status, 0, result.stderr.toString());
      assert.equal(readFileSync(join(dir, "a/b/c.txt"), "utf8"), "hello\n");
      assert.equal(statSync(join(dir, "a/b/c.txt")).mode & 0o7777, 0o600);
      const long = `x/${"n".repeat(120)}`;
      const pax = spawnSync("tar", ["-t"], { input: buildSingleFileTar({ path: long, content: Buffer.from("x"), mode: 0o644, mtime: 0 }) });
      assert.equal(pax.stdout.toString().trim(), long);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
