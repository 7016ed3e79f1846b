// zip.ts — a minimal reader of the zip archives torch.save writes (PyTorch >= 1.6): the central
// directory (zip64 included), entries STORED (torch's default) or DEFLATEd (node:zlib), CRC-32
// checked.  Entries are read by byte range from an open file, never the whole archive at once.
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync, crc32 } from 'node:zlib';

/** A malformed or unsupported archive; the message names the file. */
export class ZipError extends Error {
  override name = 'ZipError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

/** One central-directory record. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate */
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const MAX_CD_BYTES = 1 << 30;

async function readAt(fh: FileHandle, pos: number, len: number, file: string): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let done = 0;
  while (done < len) {
    const { bytesRead } = await fh.read(buf, done, len - done, pos + done);
    if (bytesRead === 0) throw new ZipError(file, `unexpected end of file at byte ${pos + done} (truncated archive?)`);
    done += bytesRead;
  }
  return buf;
}
const u64 = (b: Buffer, at: number): number => {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('zip64 value too large');
  return Number(v);
};

/** An open zip archive: its directory is parsed; entries are read on demand. */
export class ZipReader {
  private constructor(readonly file: string, private fh: FileHandle | null, readonly size: number, readonly entries: ReadonlyMap<string, ZipEntry>) {}

  /** Opens `path` and parses its central directory. */
  static async open(path: string): Promise<ZipReader> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      return new ZipReader(path, fh, size, await readDirectory(fh, size, path));
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /** The entry's uncompressed bytes (CRC-32 verified). */
  async read(name: string): Promise<Buffer> {
    const fh = this.fh;
    if (!fh) throw new ZipError(this.file, 'archive is closed');
    const e = this.entries.get(name);
    if (!e) throw new ZipError(this.file, `no entry '${name}'`);
    if (e.localHeaderOffset + 30 > this.size) throw new ZipError(this.file, `entry '${name}': local header beyond the end of the file`);
    const local = await readAt(fh, e.localHeaderOffset, 30, this.file);
    if (local.readUInt32LE(0) !== SIG_LOCAL) throw new ZipError(this.file, `entry '${name}': bad local header signature`);
    const start = e.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + e.compressedSize > this.size) throw new ZipError(this.file, `entry '${name}' extends beyond the end of the file (truncated archive?)`);
    const raw = await readAt(fh, start, e.compressedSize, this.file);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
      } catch (err) {
        throw new ZipError(this.file, `entry '${name}': corrupt deflate data (${(err as Error).message})`);
      }
    } else throw new ZipError(this.file, `entry '${name}': unsupported compression method ${e.method}`);
    if (data.length !== e.size) throw new ZipError(this.file, `entry '${name}': ${data.length} bytes, directory says ${e.size}`);
    if (crc32(data) >>> 0 !== e.crc) throw new ZipError(this.file, `entry '${name}': CRC-32 mismatch (corrupt archive)`);
    return data;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
}

async function readDirectory(fh: FileHandle, size: number, file: string): Promise<Map<string, ZipEntry>> {
  if (size < 22) throw new ZipError(file, `not a zip archive (${size} bytes; truncated?)`);
  const tailLen = Math.min(size, 22 + 0xffff);
  const tail = await readAt(fh, size - tailLen, tailLen, file);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === SIG_EOCD) { eocd = i; break; }
  if (eocd < 0) throw new ZipError(file, 'not a zip archive: no end-of-central-directory record (truncated or not a zip)');
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || tail.readUInt32LE(loc) !== SIG_ZIP64_LOCATOR) throw new ZipError(file, 'zip64 archive without a zip64 locator');
    const recPos = u64(tail, loc + 8);
    if (recPos + 56 > size) throw new ZipError(file, 'zip64 end record beyond the end of the file');
    const rec = await readAt(fh, recPos, 56, file);
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw new ZipError(file, 'bad zip64 end-of-central-directory signature');
    count = u64(rec, 32);
    cdSize = u64(rec, 40);
    cdOffset = u64(rec, 48);
  }
  if (cdSize > MAX_CD_BYTES || cdOffset + cdSize > size) throw new ZipError(file, `central directory (${cdSize} bytes at ${cdOffset}) lies outside the file (truncated?)`);
  const cd = await readAt(fh, cdOffset, cdSize, file);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) throw new ZipError(file, `central directory record ${n} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const method = cd.readUInt16LE(p + 10);
    const crc = cd.readUInt32LE(p + 16);
    let compressedSize = cd.readUInt32LE(p + 20);
    let usize = cd.readUInt32LE(p + 24);
    const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
    let offset = cd.readUInt32LE(p + 42);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw new ZipError(file, `central directory record ${n} is damaged`);
    const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
    if (flags & 1) throw new ZipError(file, `entry '${name}' is encrypted`);
    // zip64 extended information: only the fields that are 0xffffffff, in this order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = cd.readUInt16LE(x), len = cd.readUInt16LE(x + 2);
      if (id === 0x0001) {
        let q = x + 4;
        if (usize === 0xffffffff) { usize = u64(cd, q); q += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = u64(cd, q); q += 8; }
        if (offset === 0xffffffff) { offset = u64(cd, q); q += 8; }
      }
      x += 4 + len;
    }
    entries.set(name, { name, method, compressedSize, size: usize, crc, localHeaderOffset: offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}
