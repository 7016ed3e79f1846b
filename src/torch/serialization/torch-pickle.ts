// torch-pickle.ts — loads `pytorch_model.bin` (torch.save's zip format, PyTorch >= 1.6):
// `<archive>/data.pkl` is a pickled dict name -> tensor whose storages are persistent ids
// ('storage', torch.FloatStorage, key, location, numel) naming `<archive>/data/<key>`.  Only
// the globals that rebuild tensors are allowed (as torch.load(weights_only=True)); anything else
// is refused before it could run.  Strided (non-contiguous) tensors are gathered in TypeScript.
//
// Hostile checkpoints: every tensor and storage the pickle declares is checked against the
// archive before any storage is read or any tensor memory is allocated (see checkTensor and
// the persistent-id check), so a few hundred bytes of pickle cannot make us materialise
// gigabytes: a storage must be exactly as large as its zip entry, a view must lie inside its
// storage and hold at most MAX_ALIAS_COPIES times its elements (stride-0 views), and all views
// together may not copy more than MAX_ALIAS_COPIES times the storages' bytes.
import { frombuffer } from '../creation.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { isFloating, ELEMENT_SIZE, type DType } from '../dtype.js';
import { unpickle, markerOf, UnpicklingError, type AllowedGlobal } from './pickle.js';
import { ZipReader, ZipError } from './zip.js';
import { open } from 'node:fs/promises';

/** torch.<X>Storage -> dtype (torch/storage.py _dtype_to_storage_type_map). */
const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

class StorageType {
  constructor(readonly name: string, readonly dtype: DType) {}
}
/** One storage of the archive (`data/<key>`), possibly shared by several tensors. */
class StorageRef {
  constructor(readonly key: string, readonly dtype: DType, readonly numel: number) {}
}
/** A tensor to build once the storages are read: a strided view of one storage (unchecked until checkTensor). */
class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: unknown, readonly size: unknown, readonly stride: unknown) {}
}
/** A TensorRef that passed checkTensor. */
interface CheckedTensor {
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
  numel: number;
}

/**
 * The most dimensions a tensor may have.  torch has no fixed limit, but real weights have at
 * most 5 (conv3d) and CUDA kernels stop at 25; 64 only bounds the per-element work of a gather.
 */
export const MAX_DIMS = 64;
/**
 * The most a checkpoint may expand its storages by when its tensors are copied out: one tensor
 * may hold at most this many times its storage's elements (a stride-0 / expanded view), and all
 * tensors together at most this many times the bytes of the storages they view.  Tensors sharing
 * a storage are copied separately here (torch.load would share the memory), so tied weights cost
 * one copy per name: 2-3 in real checkpoints (embeddings + lm_head).  16 leaves room for a module
 * registered under many names or a modestly expanded buffer, while stopping a 1-element storage
 * viewed as 10^8 elements or one storage fanned out to thousands of state-dict keys.
 */
export const MAX_ALIAS_COPIES = 16;

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** `_rebuild_tensor(_v2)(storage, offset, size, stride, ...)`: recorded, checked by checkTensor once the key is known. */
function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error('the first argument is not a storage');
  if (!Array.isArray(size) || !Array.isArray(stride)) throw new Error('size and stride must be tuples');
  return new TensorRef(storage, offset, size, stride);
}

/**
 * Checks one tensor of the state dict against its storage, before anything is allocated:
 * non-negative integer offset / sizes / strides, at most MAX_DIMS dimensions, every element
 * inside the storage (offset + sum((size_i - 1) * stride_i) < storage numel), and at most
 * MAX_ALIAS_COPIES times as many elements as the storage holds.  The last rule is what stops
 * stride-0 amplification: a (10000, 10000) view with strides (0, 0) of a 1-element storage is
 * "inside" it but would be materialised as 10^8 elements.  Only a tensor that overlaps itself
 * (torch.expand) has more elements than its storage, and torch.save keeps its stride 0; state
 * dicts hold parameters and buffers, which hardly ever are such views (HF's expanded
 * `position_ids` buffer is (1, n) of an n-element storage), so a few-fold expansion is still
 * accepted and copied.
 */
function checkTensor(path: string, key: string, r: TensorRef): CheckedTensor {
  const where = `${path}: tensor '${key}'`;
  const s = r.storage;
  const ints = (v: unknown, what: string): number[] => {
    const a = v as unknown[];
    if (a.length > MAX_DIMS) throw new UnpicklingError(`${where}: ${a.length} dimensions, more than the ${MAX_DIMS} allowed`);
    if (!a.every(isInt)) throw new UnpicklingError(`${where}: ${what} (${a.map(String).join(', ')}) must be non-negative integers`);
    return [...a] as number[];
  };
  if (!isInt(r.offset)) throw new UnpicklingError(`${where}: storage_offset ${String(r.offset)} must be a non-negative integer`);
  const size = ints(r.size, 'size'), stride = ints(r.stride, 'stride');
  const offset = r.offset;
  if (size.length !== stride.length) throw new UnpicklingError(`${where}: size [${size}] and stride [${stride}] differ in length`);
  // BigInt: a product of sizes / strides may pass 2^53 where a JS number would round.
  const numel = size.reduce((a, b) => a * BigInt(b), 1n);
  const view = `(offset ${offset}, size [${size}], stride [${stride}])`;
  if (numel > 0n) {
    const last = size.reduce((a, n, i) => a + BigInt(n - 1) * BigInt(stride[i]!), BigInt(offset));
    if (last >= BigInt(s.numel)) throw new UnpicklingError(`${where} ${view} reads past its storage of ${s.numel} elements`);
    if (numel > BigInt(MAX_ALIAS_COPIES) * BigInt(s.numel))
      throw new UnpicklingError(`${where} ${view} has ${numel} elements but its storage '${s.key}' holds only ${s.numel}: an overlapping (stride-0) view repeating its storage more than ${MAX_ALIAS_COPIES} times; refusing to materialise it`);
  }
  return { storage: s, offset, size, stride, numel: Number(numel) };
}

function torchGlobals(): Map<string, AllowedGlobal> {
  const g = new Map<string, AllowedGlobal>();
  g.set('collections.OrderedDict', {
    call: (args) => {
      if (args.length && !(Array.isArray(args[0]) && args[0].length === 0)) throw new Error('OrderedDict(...) with initial items is not supported');
      return new Map();
    },
  });
  g.set('torch._utils._rebuild_tensor_v2', { call: (a) => rebuildTensor(a) });
  g.set('torch._utils._rebuild_tensor', { call: (a) => rebuildTensor(a) });
  const param = (a: unknown[]): unknown => {
    if (!(a[0] instanceof TensorRef)) throw new Error('data is not a tensor');
    return a[0];
  };
  g.set('torch._utils._rebuild_parameter', { call: param });
  g.set('torch._utils._rebuild_parameter_with_state', { call: param });
  g.set('torch.device', { call: (a) => (typeof a[0] === 'string' ? a[0] : String(a[0])) });
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) g.set(`torch.${name}`, { marker: new StorageType(name, dtype) });
  return g;
}

/** Is `stride` the row-major stride of `size` (dims of size 1 may have any stride)? */
function isContiguous(size: number[], stride: number[]): boolean {
  let want = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== want) return false;
    want *= size[i]!;
  }
  return true;
}

/** Copies a strided view of `src` (element size `es`) into a new row-major buffer. */
function gather(src: Uint8Array, es: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const numel = size.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(numel * es);
  const idx = new Array<number>(size.length).fill(0);
  for (let n = 0; n < numel; n++) {
    let e = offset;
    for (let d = 0; d < size.length; d++) e += idx[d]! * stride[d]!;
    out.set(src.subarray(e * es, e * es + es), n * es);
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Options of {@link loadTorchCheckpoint}. */
export interface TorchLoadOptions {
  /** Cast floating tensors to this dtype (integer and bool tensors keep theirs). */
  dtype?: DType;
}

/**
 * Loads the tensors of a torch.save zip archive (HF `pytorch_model.bin`) onto the CPU, with
 * the restricted unpickler.  The root object must be a dict of name -> tensor (a state dict).
 * @returns a null-prototype object name -> Tensor (not owned by any scope)
 * @throws ZipError for a damaged / truncated / inconsistent archive (a storage whose declared size
 *   is not its entry's, a zip bomb), UnpicklingError for a refused global, a malformed pickle or a
 *   tensor that does not fit its storage (named with its key), Error for the legacy (pre-1.6)
 *   format, which is refused without being parsed
 * @example const sd = await loadTorchCheckpoint('pytorch_model.bin');
 */
export async function loadTorchCheckpoint(path: string, opts: TorchLoadOptions = {}): Promise<Record<string, Tensor>> {
  const magic = Buffer.alloc(4);
  {
    const fh = await open(path, 'r');
    try { await fh.read(magic, 0, 4, 0); } finally { await fh.close(); }
  }
  if (magic[0] === 0x80) throw new Error(`${path}: legacy torch.save format (PyTorch < 1.6) is not supported; re-save it with a recent PyTorch or as safetensors`);
  if (magic.readUInt32LE(0) !== 0x04034b50) throw new ZipError(path, 'not a PyTorch checkpoint (expected a zip archive written by torch.save)');
  const zip = await ZipReader.open(path);
  try {
    const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) throw new ZipError(path, pkl.length ? 'several data.pkl entries' : 'no <archive>/data.pkl entry (a TorchScript archive or not a torch.save file?)');
    const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
    if (zip.entries.has(`${prefix}byteorder`)) {
      const order = (await zip.read(`${prefix}byteorder`)).toString('utf8').trim();
      if (order !== 'little') throw new ZipError(path, `byteorder '${order}' is not supported (only little-endian)`);
    }
    const storages = new Map<string, StorageRef>();
    const pklFile = `${path}:${pkl[0]}`;
    const bad = (msg: string): UnpicklingError => new UnpicklingError(`${pklFile}: ${msg}`);
    const root = unpickle(await zip.read(pkl[0]!), {
      file: pklFile,
      globals: torchGlobals(),
      persistentLoad: (pid) => {
        if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw bad(`unsupported persistent id ${JSON.stringify(pid, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
        const type = markerOf(pid[1]);
        const [, , key, , numel] = pid;
        if (!(type instanceof StorageType)) throw bad('persistent id: storage type is not a torch.*Storage');
        if (typeof key !== 'string' || !isInt(numel)) throw bad(`persistent id: bad storage key or size (${typeof key === 'string' ? `'${key}'` : typeof key}, ${String(numel)})`);
        const prev = storages.get(key);
        if (prev) {
          if (prev.dtype !== type.dtype) throw bad(`storage '${key}' is used as both ${prev.dtype} and ${type.dtype}`);
          if (prev.numel !== numel) throw bad(`storage '${key}' is declared with both ${prev.numel} and ${numel} elements`);
          return prev;
        }
        // The declared size must be the entry's size exactly (torch.save writes numel *
        // element size bytes per storage), checked against the directory before reading.
        const name = `${prefix}data/${key}`;
        const entry = zip.entries.get(name);
        if (!entry) throw new ZipError(path, `storage '${key}' has no entry ${name}`);
        const need = numel * ELEMENT_SIZE[type.dtype];
        if (need !== entry.size)
          throw new ZipError(path, `storage '${key}' declares ${numel} ${type.dtype} elements (${need} bytes) but its entry ${name} holds ${entry.size} bytes`);
        const ref = new StorageRef(key, type.dtype, numel);
        storages.set(key, ref);
        return ref;
      },
      build: (obj, state) => obj instanceof Map && (state instanceof Map || state === null), // OrderedDict._metadata: ignored
    });
    if (!(root instanceof Map)) throw new UnpicklingError(`${path}: the pickled object is not a dict of tensors (a state dict)`);
    const refs: [string, CheckedTensor][] = [];
    let copied = 0;
    for (const [k, v] of root) {
      if (typeof k !== 'string') throw new UnpicklingError(`${path}: state-dict key ${String(k)} is not a string`);
      if (!(v instanceof TensorRef)) throw new UnpicklingError(`${path}: '${k}' is not a tensor`);
      const t = checkTensor(path, k, v);
      copied += t.numel * ELEMENT_SIZE[t.storage.dtype];
      refs.push([k, t]);
    }
    // Shared storages are copied once per tensor: bound the total against the storages' bytes.
    const viewed = new Set(refs.map((r) => r[1].storage));
    const stored = [...viewed].reduce((a, s) => a + s.numel * ELEMENT_SIZE[s.dtype], 0);
    if (copied > MAX_ALIAS_COPIES * stored)
      throw new UnpicklingError(`${path}: its ${refs.length} tensors would copy ${copied} bytes out of ${stored} bytes of storage, more than ${MAX_ALIAS_COPIES} times (one storage copied out under too many names or views)`);
    // Read one storage at a time and build the tensors that view it.
    const out = Object.create(null) as Record<string, Tensor>;
    const made: Tensor[] = [];
    try {
      const byStorage = new Map<StorageRef, [string, CheckedTensor][]>();
      for (const r of refs) {
        const list = byStorage.get(r[1].storage);
        if (list) list.push(r);
        else byStorage.set(r[1].storage, [r]);
      }
      for (const [s, list] of byStorage) {
        const es = ELEMENT_SIZE[s.dtype];
        const bytes = await zip.read(`${prefix}data/${s.key}`); // its size was checked against numel
        for (const [k, r] of list) {
          const raw = isContiguous(r.size, r.stride)
            ? bytes.subarray(r.offset * es, (r.offset + r.numel) * es)
            : gather(bytes, es, r.offset, r.size, r.stride);
          let t = frombuffer(raw, { dtype: s.dtype, shape: r.size });
          if (opts.dtype && isFloating(s.dtype) && s.dtype !== opts.dtype) {
            const src = t;
            t = tidy(() => src.to(opts.dtype!));
            src.dispose();
          }
          made.push(t);
          out[k] = t;
        }
      }
    } catch (e) {
      for (const t of made) t.dispose();
      throw e;
    }
    return out;
  } finally {
    await zip.close();
  }
}
