// torch-pickle.ts — loads `pytorch_model.bin` (torch.save's zip format, PyTorch >= 1.6):
// `<archive>/data.pkl` is a pickled dict name -> tensor whose storages are persistent ids
// ('storage', torch.FloatStorage, key, location, numel) naming `<archive>/data/<key>`.  Only
// the globals that rebuild tensors are allowed (as torch.load(weights_only=True)); anything else
// is refused before it could run.  Strided (non-contiguous) tensors are gathered in TypeScript.
import { frombuffer, tidy, type Tensor, type DType } from '../../torch/index.js';
import { isFloating, ELEMENT_SIZE } from '../../torch/dtype.js';
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
/** A tensor to build once the storages are read: a strided view of one storage. */
class TensorRef {
  constructor(readonly storage: StorageRef, readonly offset: number, readonly size: number[], readonly stride: number[]) {}
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
function intTuple(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every(isInt)) throw new UnpicklingError(`${what} must be a tuple of non-negative integers`);
  return [...v] as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new UnpicklingError('_rebuild_tensor: the first argument is not a storage');
  if (!isInt(offset)) throw new UnpicklingError('_rebuild_tensor: storage_offset must be a non-negative integer');
  const sz = intTuple(size, 'size'), st = intTuple(stride, 'stride');
  if (sz.length !== st.length) throw new UnpicklingError(`_rebuild_tensor: size [${sz}] and stride [${st}] differ in length`);
  const numel = sz.reduce((a, b) => a * b, 1);
  if (numel > 0) {
    const last = offset + sz.reduce((a, s, i) => a + (s - 1) * st[i]!, 0);
    if (last >= storage.numel) throw new UnpicklingError(`tensor (offset ${offset}, size [${sz}], stride [${st}]) reads past its storage of ${storage.numel} elements`);
  }
  return new TensorRef(storage, offset, sz, st);
}

function torchGlobals(): Map<string, AllowedGlobal> {
  const g = new Map<string, AllowedGlobal>();
  g.set('collections.OrderedDict', {
    call: (args) => {
      if (args.length && !(Array.isArray(args[0]) && args[0].length === 0)) throw new UnpicklingError('OrderedDict(...) with initial items is not supported');
      return new Map();
    },
  });
  g.set('torch._utils._rebuild_tensor_v2', { call: (a) => rebuildTensor(a) });
  g.set('torch._utils._rebuild_tensor', { call: (a) => rebuildTensor(a) });
  const param = (a: unknown[]): unknown => {
    if (!(a[0] instanceof TensorRef)) throw new UnpicklingError('_rebuild_parameter: data is not a tensor');
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
 * @throws ZipError for a damaged / truncated archive, UnpicklingError for a refused global or
 *   a malformed pickle, Error for the legacy (pre-1.6) format
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
    const root = unpickle(await zip.read(pkl[0]!), {
      file: `${path}:${pkl[0]}`,
      globals: torchGlobals(),
      persistentLoad: (pid) => {
        if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') throw new UnpicklingError(`unsupported persistent id ${JSON.stringify(pid)}`);
        const type = markerOf(pid[1]);
        const [, , key, , numel] = pid;
        if (!(type instanceof StorageType)) throw new UnpicklingError('persistent id: storage type is not a torch.*Storage');
        if (typeof key !== 'string' || !isInt(numel)) throw new UnpicklingError('persistent id: bad storage key or size');
        const prev = storages.get(key);
        if (prev) {
          if (prev.dtype !== type.dtype) throw new UnpicklingError(`storage '${key}' is used as both ${prev.dtype} and ${type.dtype}`);
          return prev;
        }
        const ref = new StorageRef(key, type.dtype, numel);
        storages.set(key, ref);
        return ref;
      },
      build: (obj, state) => obj instanceof Map && (state instanceof Map || state === null), // OrderedDict._metadata: ignored
    });
    if (!(root instanceof Map)) throw new UnpicklingError(`${path}: the pickled object is not a dict of tensors (a state dict)`);
    const refs: [string, TensorRef][] = [];
    for (const [k, v] of root) {
      if (typeof k !== 'string') throw new UnpicklingError(`${path}: state-dict key ${String(k)} is not a string`);
      if (!(v instanceof TensorRef)) throw new UnpicklingError(`${path}: '${k}' is not a tensor`);
      refs.push([k, v]);
    }
    // Read one storage at a time and build the tensors that view it.
    const out = Object.create(null) as Record<string, Tensor>;
    const made: Tensor[] = [];
    try {
      const byStorage = new Map<StorageRef, [string, TensorRef][]>();
      for (const r of refs) byStorage.set(r[1].storage, [...(byStorage.get(r[1].storage) ?? []), r]);
      for (const [s, list] of byStorage) {
        const name = `${prefix}data/${s.key}`;
        if (!zip.entries.has(name)) throw new ZipError(path, `storage '${s.key}' has no entry ${name}`);
        const es = ELEMENT_SIZE[s.dtype];
        const bytes = await zip.read(name);
        if (bytes.length < s.numel * es) throw new ZipError(path, `storage '${s.key}' has ${bytes.length} bytes, needs ${s.numel * es}`);
        for (const [k, r] of list) {
          const numel = r.size.reduce((a, b) => a * b, 1);
          const raw = isContiguous(r.size, r.stride)
            ? bytes.subarray(r.offset * es, (r.offset + numel) * es)
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
