/**
 * A one-file tar archive, built in memory, as the docker provider builds it
 * for `uploads` (kreuzwerker/terraform-provider-docker,
 * internal/provider/resource_docker_container_funcs.go): one regular-file
 * header whose name is the upload's `file` path as given (absolute, leading
 * "/" kept), mode from `permissions`/`executable`, uid/gid 0, mtime now, and
 * NO directory entries. It is copied to the container at "/".
 *
 * Parent directories need no entries: the daemon's extractor creates missing
 * parents itself (root-owned, 0755) — verified here with `docker cp -` of a
 * single entry `/etc/x/y/z.conf` into a fresh container. Adding directory
 * entries would be worse than useless: it would reset the mode of existing
 * directories such as /etc.
 */

const BLOCK = 512;

export interface TarFile {
  /** Path inside the archive; for uploads the absolute container path. */
  readonly path: string;
  readonly content: Buffer;
  /** Permission bits, e.g. 0o644. */
  readonly mode: number;
  /** Modification time in seconds since the epoch. */
  readonly mtime: number;
}

/** Writes `value` as zero-padded octal in `width - 1` digits plus a NUL terminator. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${value} does not fit a ${width}-byte octal field`);
  header.write(digits.padStart(width - 1, "0"), offset, "ascii");
  header[offset + width - 1] = 0;
}

/** Splits a long path into USTAR's prefix (155) and name (100) fields, or undefined when it cannot. */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: "", name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== "/") continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") return { prefix, name };
  }
  return undefined;
}

function header(fields: { name: string; prefix: string; size: number; mode: number; mtime: number; type: string }): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  h.write(fields.name, 0, 100, "utf8");
  writeOctal(h, 100, 8, fields.mode);
  writeOctal(h, 108, 8, 0); // uid: root, as the provider's zero-valued tar.Header
  writeOctal(h, 116, 8, 0); // gid
  writeOctal(h, 124, 12, fields.size);
  writeOctal(h, 136, 12, fields.mtime);
  h.write(" ".repeat(8), 148, "ascii"); // checksum is computed over spaces here
  h.write(fields.type, 156, 1, "ascii");
  h.write("ustar\u000000", 257, 8, "ascii"); // magic "ustar\0" + version "00"
  writeOctal(h, 329, 8, 0); // devmajor
  writeOctal(h, 337, 8, 0); // devminor
  h.write(fields.prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of h) sum += byte;
  // Six octal digits, NUL, space: the form GNU tar and Go's archive/tar write.
  h.write(sum.toString(8).padStart(6, "0"), 148, "ascii");
  h[154] = 0;
  h[155] = 0x20;
  return h;
}

function padded(data: Buffer): Buffer {
  const rest = data.length % BLOCK;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rest, 0)]);
}

/** A PAX extended header carrying `path`, for paths USTAR cannot hold. */
function paxPathRecord(path: string): Buffer {
  const body = ` path=${path}\n`;
  // The record length counts its own decimal digits.
  let length = Buffer.byteLength(body) + 1;
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`, "utf8");
}

/** The archive: [PAX header,] file header, content padded to 512, two zero blocks. */
export function buildSingleFileTar(file: TarFile): Buffer {
  if (file.path === "" || file.path.endsWith("/")) throw new Error(`tar: "${file.path}" is not a file path`);
  if (!Number.isInteger(file.mode) || file.mode < 0 || file.mode > 0o7777) throw new Error(`tar: invalid mode ${file.mode}`);
  const mtime = Math.floor(file.mtime);
  const parts: Buffer[] = [];
  let split = splitUstarPath(file.path);
  if (split === undefined) {
    const record = paxPathRecord(file.path);
    parts.push(header({ name: "PaxHeaders/file", prefix: "", size: record.length, mode: 0o644, mtime, type: "x" }));
    parts.push(padded(record));
    split = { prefix: "", name: file.path.slice(-100).replace(/^\/+/, "") };
  }
  parts.push(header({ ...split, size: file.content.length, mode: file.mode, mtime, type: "0" }));
  parts.push(padded(file.content));
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
