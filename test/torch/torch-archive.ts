// torch-archive.ts — test helper: writes zip archives shaped like torch.save's (STORED or
// DEFLATEd entries, central directory, CRC-32; optionally torch's exact layout) and pickle bytes
// for crafted checkpoints, with knobs to forge the sizes and offsets a hostile archive lies about.
import { deflateRawSync, crc32 } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** The entry's body as written, instead of `data` (or its deflate): a forged stream.  `data` still gives the CRC. */
  body?: Uint8Array;
  /** The uncompressed size both headers declare (default: data.length). */
  size?: number;
  /** The compressed size both headers declare (default: the body's length). */
  compressedSize?: number;
  /** Local header only: the uncompressed size it declares (default: as the central directory). */
  localSize?: number;
  /** Local header only: extra bytes in its extra field beyond the alignment padding. */
  localExtra?: number;
  /** No local header or body: the central-directory record points at the entry named here. */
  alias?: string;
}
export interface ZipOptions {
  /**
   * Lay entries out as torch.save's writer (caffe2 PyTorchStreamWriter on miniz) does: flags
   * 0x0808 (data descriptor, UTF-8 names), zero CRC/sizes in the local header, a 16-byte data
   * descriptor after the body, and bodies aligned to 64 bytes by a local extra field.
   */
  torch?: boolean;
  /** The entry count the end record claims (default: the real count). */
  count?: number;
}

/** A zip archive of the entries (method 0 or 8), as torch.save's miniz writer lays it out. */
export function makeZip(entries: ZipInput[], opts: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  const placed = new Map<string, { offset: number; central: Buffer }>();
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const central = Buffer.alloc(46);
    if (e.alias !== undefined) {
      const target = placed.get(e.alias)!;
      target.central.copy(central);
      central.writeUInt16LE(name.length, 28);
      centrals.push(central, name);
      continue;
    }
    const body = e.body ? Buffer.from(e.body) : e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data) >>> 0;
    const size = e.size ?? e.data.length;
    const csize = e.compressedSize ?? body.length;
    const flags = opts.torch ? 0x0808 : 0;
    let extraLen = e.localExtra ?? 0;
    if (opts.torch) {
      const unaligned = offset + 30 + name.length + 4 + extraLen;
      extraLen += 4 + ((64 - (unaligned % 64)) % 64);
    }
    const extra = Buffer.alloc(extraLen);
    if (opts.torch) {
      extra.writeUInt16LE(0x4246, 0); // 'FB' padding record, as PyTorch writes
      extra.writeUInt16LE(extraLen - 4, 2);
    }
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    if (!opts.torch) {
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(csize, 18);
      local.writeUInt32LE(e.localSize ?? size, 22);
    }
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extraLen, 28);
    locals.push(local, name, extra, body);
    let descriptor = 0;
    if (opts.torch) {
      const d = Buffer.alloc(16);
      d.writeUInt32LE(0x08074b50, 0);
      d.writeUInt32LE(crc, 4);
      d.writeUInt32LE(csize, 8);
      d.writeUInt32LE(size, 12);
      locals.push(d);
      descriptor = 16;
    }
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(csize, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    placed.set(e.name, { offset, central });
    offset += 30 + name.length + extraLen + body.length + descriptor;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.count ?? entries.length, 8);
  eocd.writeUInt16LE(opts.count ?? entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Pickle protocol 2 building blocks (the opcodes torch.save emits). */
export const P = {
  proto: Buffer.from([0x80, 0x02]),
  stop: Buffer.from('.'),
  mark: Buffer.from('('),
  tuple: Buffer.from('t'),
  emptyDict: Buffer.from('}'),
  emptyTuple: Buffer.from(')'),
  setitems: Buffer.from('u'),
  reduce: Buffer.from('R'),
  binpersid: Buffer.from('Q'),
  newfalse: Buffer.from([0x89]),
  global: (module: string, name: string): Buffer => Buffer.from(`c${module}\n${name}\n`, 'latin1'),
  str: (s: string): Buffer => {
    const b = Buffer.from(s, 'utf8');
    const h = Buffer.alloc(5);
    h.write('X', 0, 'latin1');
    h.writeUInt32LE(b.length, 1);
    return Buffer.concat([h, b]);
  },
  int: (n: number): Buffer => {
    const b = Buffer.alloc(5);
    b.write('J', 0, 'latin1');
    b.writeInt32LE(n, 1);
    return b;
  },
  ints: (xs: number[]): Buffer => Buffer.concat([P.mark, ...xs.map((x) => P.int(x)), P.tuple]),
};

/** One `_rebuild_tensor_v2` of a float32 storage, as torch pickles a state-dict value. */
export function tensorPickle(key: string, numel: number, offset: number, size: number[], stride: number[], storageType = 'FloatStorage'): Buffer {
  return Buffer.concat([
    P.global('torch._utils', '_rebuild_tensor_v2'),
    P.mark,
    P.mark, P.str('storage'), P.global('torch', storageType), P.str(key), P.str('cpu'), P.int(numel), P.tuple, P.binpersid,
    P.int(offset), P.ints(size), P.ints(stride), P.newfalse,
    P.global('collections', 'OrderedDict'), P.emptyTuple, P.reduce,
    P.tuple, P.reduce,
  ]);
}

/** A state-dict pickle {name: tensor, ...} from (name, tensor pickle) pairs. */
export function stateDictPickle(items: [string, Buffer][]): Buffer {
  return Buffer.concat([P.proto, P.emptyDict, P.mark, ...items.flatMap(([n, t]) => [P.str(n), t]), P.setitems, P.stop]);
}
