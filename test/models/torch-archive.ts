// torch-archive.ts — test helper: writes zip archives shaped like torch.save's (STORED or
// DEFLATEd entries, central directory, CRC-32) and pickle bytes for crafted checkpoints.
import { deflateRawSync, crc32 } from 'node:zlib';

export interface ZipInput { name: string; data: Uint8Array; deflate?: boolean }

/** A zip archive of the entries (method 0 or 8), as torch.save's miniz writer lays it out. */
export function makeZip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
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
