// zip.ts — a minimal reader of the zip archives torch.save writes (PyTorch >= 1.6): the central
// directory (zip64 included), entries STORED (torch's default) or DEFLATEd (node:zlib), CRC-32
// checked.  Entries are read by byte range from an open file, never the whole archive at once.
//
// Hostile archives: every size the directory claims is checked against the file before anything
// is allocated.  Entries must lie inside the file, before the central directory, without
// overlapping (overlapping entries are how non-recursive zip bombs reuse one compressed body);
// a stored entry's sizes must agree; a deflated entry may not claim more than deflate can
// produce (MAX_DEFLATE_RATIO) and the whole archive may not claim more than MAX_EXPANSION times
// the file's size; inflating stops as soon as the output passes the declared size.
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
/**
 * Deflate's largest possible expansion: one length-258 match costs at least 2 bits (a 1-bit
 * length code + a 1-bit distance code), so no stream inflates to more than 258 * 8 / 2 = 1032
 * times its size.  A directory claiming more is lying.
 */
export const MAX_DEFLATE_RATIO = 1032;
/**
 * The most the entries of an archive may claim in total, as a multiple of the file's size.
 * Stored entries (all torch.save ever writes) cannot claim more than the file holds at all; only
 * a re-compressed archive needs the slack, and real weights deflate by 1.1-1.5x (2x for a LoRA
 * adapter whose B matrices are still zero).  32x leaves room for very sparse checkpoints and still
 * turns a 600 KB "pytorch_model.bin" that inflates to 600 MB into an error before inflating.
 */
export const MAX_EXPANSION = 32;

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
const u64 = (b: Buffer, at: number, file: string): number => {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError(file, `zip64 value ${v} is too large`);
  return Number(v);
};

/** An open zip archive: its directory is parsed; entries are read on demand. */
export class ZipReader {
  private constructor(
    readonly file: string,
    private fh: FileHandle | null,
    readonly size: number,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    /** Entry name -> the file offset its bytes must end by (the next entry or the directory). */
    private readonly limits: ReadonlyMap<string, number>,
    /** Where the central directory starts. */
    private readonly cdStart: number,
  ) {}

  /** Opens `path` and parses its central directory. */
  static async open(path: string): Promise<ZipReader> {
    const fh = await open(path, 'r');
    try {
      const size = (await fh.stat()).size;
      const { entries, limits, cdStart } = await readDirectory(fh, size, path);
      return new ZipReader(path, fh, size, entries, limits, cdStart);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  /**
   * The entry's uncompressed bytes (CRC-32 verified).  The local header must agree with the
   * central directory; a deflated entry is inflated at most to its declared size (zlib stops
   * as soon as the output would pass it).
   */
  async read(name: string): Promise<Buffer> {
    const fh = this.fh;
    if (!fh) throw new ZipError(this.file, 'archive is closed');
    const e = this.entries.get(name);
    if (!e) throw new ZipError(this.file, `no entry '${name}'`);
    const limit = this.limits.get(name)!;
    const local = await readAt(fh, e.localHeaderOffset, 30, this.file);
    if (local.readUInt32LE(0) !== SIG_LOCAL) throw new ZipError(this.file, `entry '${name}': bad local header signature`);
    const flags = local.readUInt16LE(6), method = local.readUInt16LE(8);
    const nameLen = local.readUInt16LE(26), extraLen = local.readUInt16LE(28);
    const start = e.localHeaderOffset + 30 + nameLen + extraLen;
    if (start + e.compressedSize > limit)
      throw new ZipError(this.file, `entry '${name}': its ${e.compressedSize} bytes at ${start} run past ${limit === this.cdStart ? 'the start of the central directory' : 'the start of the next entry'} (${limit}); overlapping or truncated entry`);
    const head = await readAt(fh, e.localHeaderOffset + 30, nameLen, this.file);
    if (head.toString('utf8') !== name) throw new ZipError(this.file, `entry '${name}': the local header names '${head.toString('utf8')}' (central directory and local header disagree)`);
    if (method !== e.method) throw new ZipError(this.file, `entry '${name}': the local header says compression method ${method}, the central directory ${e.method}`);
    if (!(flags & 8)) {
      // No data descriptor: the local header carries the real CRC and sizes (0xffffffff = in zip64 extra).
      const lcrc = local.readUInt32LE(14), lcs = local.readUInt32LE(18), lus = local.readUInt32LE(22);
      if (lcrc !== e.crc || (lcs !== 0xffffffff && lcs !== e.compressedSize) || (lus !== 0xffffffff && lus !== e.size))
        throw new ZipError(this.file, `entry '${name}': the local header says ${lcs} bytes (${lus} uncompressed, CRC ${lcrc.toString(16)}), the central directory ${e.compressedSize} (${e.size} uncompressed, CRC ${e.crc.toString(16)})`);
    }
    const raw = await readAt(fh, start, e.compressedSize, this.file);
    let data: Buffer;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      try {
        // maxOutputLength makes zlib give up as soon as the output passes the declared size.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(e.size, 1) });
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
          throw new ZipError(this.file, `entry '${name}': inflates to more than its declared ${e.size} bytes (stopped there; a zip bomb or a corrupt archive)`);
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

interface Directory {
  entries: Map<string, ZipEntry>;
  limits: Map<string, number>;
  cdStart: number;
}

async function readDirectory(fh: FileHandle, size: number, file: string): Promise<Directory> {
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
    const recPos = u64(tail, loc + 8, file);
    if (recPos + 56 > size) throw new ZipError(file, 'zip64 end record beyond the end of the file');
    const rec = await readAt(fh, recPos, 56, file);
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw new ZipError(file, 'bad zip64 end-of-central-directory signature');
    count = u64(rec, 32, file);
    cdSize = u64(rec, 40, file);
    cdOffset = u64(rec, 48, file);
  }
  if (cdSize > MAX_CD_BYTES || cdOffset + cdSize > size) throw new ZipError(file, `central directory (${cdSize} bytes at ${cdOffset}) lies outside the file (truncated?)`);
  if (count * 46 > cdSize) throw new ZipError(file, `central directory of ${cdSize} bytes cannot hold the ${count} entries it claims`);
  const cd = await readAt(fh, cdOffset, cdSize, file);
  const entries = new Map<string, ZipEntry>();
  const nameLens = new Map<string, number>();
  let total = 0;
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
        const field = (): number => {
          if (q + 8 > Math.min(x + 4 + len, xEnd)) throw new ZipError(file, `entry '${name}': zip64 extra field too short`);
          const v = u64(cd, q, file);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = field();
        if (compressedSize === 0xffffffff) compressedSize = field();
        if (offset === 0xffffffff) offset = field();
      }
      x += 4 + len;
    }
    if (entries.has(name)) throw new ZipError(file, `entry '${name}' appears twice in the central directory`);
    // What the directory claims must fit the file: this runs before any entry is read.
    if (offset + 30 + nameLen + compressedSize > cdOffset)
      throw new ZipError(file, `entry '${name}': ${compressedSize} bytes at offset ${offset} run past the start of the central directory (${cdOffset}); truncated or forged sizes`);
    if (method === 0 && compressedSize !== usize)
      throw new ZipError(file, `entry '${name}' is stored (uncompressed) but claims ${usize} bytes in ${compressedSize}`);
    if (method === 8 && usize > compressedSize * MAX_DEFLATE_RATIO)
      throw new ZipError(file, `entry '${name}' claims ${usize} bytes from ${compressedSize} deflated bytes, more than deflate can produce (${MAX_DEFLATE_RATIO}x)`);
    total += usize;
    entries.set(name, { name, method, compressedSize, size: usize, crc, localHeaderOffset: offset });
    nameLens.set(name, nameLen);
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (total > MAX_EXPANSION * size)
    throw new ZipError(file, `entries claim ${total} bytes in total, more than ${MAX_EXPANSION} times the file's ${size} bytes (a zip bomb?)`);
  // Entries may not overlap: sorted by offset, each starts after the previous one's header,
  // name and data.  Each entry's bytes must end by the next entry's start (checked on read,
  // once the local header's extra field length is known).
  const sorted = [...entries.values()].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  const limits = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) {
    const e = sorted[i]!;
    const next = sorted[i + 1];
    const end = e.localHeaderOffset + 30 + nameLens.get(e.name)! + e.compressedSize;
    if (next && next.localHeaderOffset < end)
      throw new ZipError(file, `entries '${e.name}' and '${next.name}' overlap (offsets ${e.localHeaderOffset} and ${next.localHeaderOffset}); overlapping entries are a zip-bomb construction`);
    limits.set(e.name, next ? next.localHeaderOffset : cdOffset);
  }
  return { entries, limits, cdStart: cdOffset };
}
