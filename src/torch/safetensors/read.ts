// read.ts — loading safetensors: from bytes in memory (load), from a file (loadFile), or lazily
// by name through an open file (safeOpen, like HF's `safe_open`).  Files are read by byte range
// with a FileHandle, never whole: a 10 GB checkpoint costs its tensors plus one read window.
import { open, type FileHandle } from 'node:fs/promises';
import { frombuffer, empty } from '../creation.js';
import { isFloating, type DType, type Device } from '../dtype.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { SafetensorsError, parseBytes, parseHeader, parseHeaderSize, type Header, type TensorInfo } from './format.js';

/** Where loaded tensors go. */
export interface LoadOptions {
  /** Device for the tensors (default `cpu`). */
  device?: Device;
  /**
   * Cast floating-point tensors to this floating dtype (like HF's `torch_dtype`); integer and
   * bool tensors keep theirs.  Default: the file's dtypes.
   */
  dtype?: DType;
  /** Load only these names (all by default); a name not in the file is an error. */
  names?: readonly string[];
}
/** Options for reading from a file. */
export interface FileLoadOptions extends LoadOptions {
  /**
   * Read window in bytes (default 64 MiB): neighbouring tensors are read in one call up to this
   * size; a tensor larger than it is read straight into its own tensor memory.
   */
  chunkBytes?: number;
}

const DEFAULT_CHUNK = 64 * 1024 * 1024;
// One read() call moves at most ~2 GiB on Linux; typed arrays are capped at 4 GiB in Node 20.
const MAX_READ = 1024 * 1024 * 1024;

/** The requested names (validated) and their descriptors, in file order. */
function select(header: Header, names: readonly string[] | undefined, file: string): [string, TensorInfo][] {
  const wanted = names ?? Object.keys(header.tensors);
  const out: [string, TensorInfo][] = [];
  const seen = new Set<string>();
  for (const name of wanted) {
    if (seen.has(name)) continue;
    seen.add(name);
    const info = Object.hasOwn(header.tensors, name) ? header.tensors[name] : undefined;
    if (!info) throw new SafetensorsError(file, `no tensor named '${name}' (the file has ${Object.keys(header.tensors).length} tensors)`);
    out.push([name, info]);
  }
  return out.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
}

function castTarget(info: TensorInfo, o: LoadOptions): DType | undefined {
  if (o.dtype === undefined) return undefined;
  if (!isFloating(o.dtype)) throw new TypeError(`safetensors: dtype option must be a floating dtype, got '${o.dtype}'`);
  return o.dtype === info.dtype || !isFloating(info.dtype) ? undefined : o.dtype;
}

/** Moves/casts a freshly read CPU tensor as the options ask (frees the CPU copy if replaced). */
function place(t: Tensor, info: TensorInfo, o: LoadOptions): Tensor {
  const cast = castTarget(info, o);
  const dev = o.device ?? 'cpu';
  if (!cast && dev === 'cpu') return t;
  return tidy(() => t.to({ dtype: cast ?? info.dtype, device: dev }));
}

/** One tensor from its raw bytes: one memcpy into libtorch (plus a cast/transfer if asked). */
function fromBytes(bytes: Uint8Array, info: TensorInfo, o: LoadOptions): Tensor {
  if (!castTarget(info, o)) return frombuffer(bytes, { dtype: info.dtype, shape: info.shape, device: o.device });
  return tidy(() => place(frombuffer(bytes, { dtype: info.dtype, shape: info.shape }), info, o));
}

/** Result objects have a null prototype, so a tensor named `__proto__` is just a key. */
const newRecord = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * Loads tensors from a whole safetensors file held in memory.  Synchronous; the tensors are
 * owned by the current tidy() scope if any.
 * @returns a null-prototype object name -> Tensor (file order, but JS lists integer-like names first)
 * @throws SafetensorsError when the bytes are not a valid safetensors file
 * @example const sd = safetensors.load(readFileSync('model.safetensors'));
 */
export function load(bytes: Uint8Array, opts: LoadOptions = {}): Record<string, Tensor> {
  const file = '<bytes>';
  const header = parseBytes(bytes, file);
  const out = newRecord<Tensor>();
  const made: Tensor[] = [];
  try {
    for (const [name, info] of select(header, opts.names, file)) {
      const [b, e] = info.dataOffsets;
      const t = fromBytes(bytes.subarray(header.dataStart + b, header.dataStart + e), info, opts);
      made.push(t);
      out[name] = t;
    }
  } catch (err) {
    for (const t of made) t.dispose();
    throw err;
  }
  return out;
}

/**
 * Fills `dst` from the file starting at `pos`, in views of at most 1 GiB (so a tensor over the
 * 4 GiB typed-array limit can be read into its ArrayBuffer), or fails naming the file.
 */
async function readExactly(fh: FileHandle, dst: ArrayBufferView, pos: number, file: string): Promise<void> {
  let done = 0;
  while (done < dst.byteLength) {
    const len = Math.min(dst.byteLength - done, MAX_READ);
    const { bytesRead } = await fh.read(new Uint8Array(dst.buffer, dst.byteOffset + done, len), 0, len, pos + done);
    if (bytesRead === 0) throw new SafetensorsError(file, `unexpected end of file at byte ${pos + done} (was the file truncated while reading?)`);
    done += bytesRead;
  }
}

/** Reads and validates the header of an open file. */
async function readHeaderFrom(fh: FileHandle, file: string): Promise<Header> {
  const size = (await fh.stat()).size;
  const prefix = new Uint8Array(8);
  if (size >= 8) await readExactly(fh, prefix, 0, file);
  const n = parseHeaderSize(prefix, size, file);
  const json = new Uint8Array(n);
  await readExactly(fh, json, 8, file);
  return parseHeader(json, size - 8 - n, file);
}

/**
 * An open safetensors file: the header is read and validated, tensors are read on demand by
 * byte range.  Mirrors HF's `safe_open`.  Close it (or `await using`) when done.
 * @example
 * const f = await safetensors.safeOpen('model.safetensors');
 * try { const w = await f.getTensor('lm_head.weight'); } finally { await f.close(); }
 */
export class SafeOpenFile {
  /** @internal use safeOpen() */
  constructor(readonly path: string, readonly header: Header, private fh: FileHandle | null) {}

  /** Tensor names in file (offset) order. */
  keys(): string[] {
    const t = this.header.tensors;
    return Object.keys(t).sort((a, b) => t[a]!.dataOffsets[0] - t[b]!.dataOffsets[0] || t[a]!.dataOffsets[1] - t[b]!.dataOffsets[1]);
  }
  /** The `__metadata__` map, or null when the file has none. */
  metadata(): Record<string, string> | null { return this.header.metadata; }
  /** Dtype, shape and offsets of one tensor. */
  info(name: string): TensorInfo {
    const i = Object.hasOwn(this.header.tensors, name) ? this.header.tensors[name] : undefined;
    if (!i) throw new SafetensorsError(this.path, `no tensor named '${name}'`);
    return i;
  }
  /** Reads one tensor. */
  async getTensor(name: string, opts: Omit<FileLoadOptions, 'names'> = {}): Promise<Tensor> {
    const r = await this.getTensors({ ...opts, names: [name] });
    return r[name]!;
  }

  /**
   * Reads the named tensors (all by default).  Neighbouring tensors are read with one call per
   * `chunkBytes` window; only the bytes of the requested tensors are read.
   * @returns a null-prototype object name -> Tensor, in file order (JS lists integer-like names first)
   */
  async getTensors(opts: FileLoadOptions = {}): Promise<Record<string, Tensor>> {
    const fh = this.fh;
    if (!fh) throw new SafetensorsError(this.path, 'file is closed');
    const items = select(this.header, opts.names, this.path);
    const chunk = opts.chunkBytes ?? DEFAULT_CHUNK;
    const base = this.header.dataStart;
    const out = newRecord<Tensor>();
    const made: Tensor[] = [];
    try {
      let i = 0;
      while (i < items.length) {
        const [name, info] = items[i]!;
        const [b0, e0] = info.dataOffsets;
        if (e0 - b0 > chunk) {
          // Big tensor: read straight into its own memory (no second copy of gigabytes).
          const t = empty(info.shape, { dtype: info.dtype });
          made.push(t);
          await readExactly(fh, t.dataView(), base + b0, this.path); // raw bits of any dtype
          const placed = place(t, info, opts);
          if (placed !== t) { made.push(placed); t.dispose(); }
          out[name] = placed;
          i++;
          continue;
        }
        // Group the run of contiguous small tensors that fits in one window.
        let j = i + 1;
        let end = e0;
        while (j < items.length) {
          const [nb, ne] = items[j]![1].dataOffsets;
          if (nb !== end || ne - b0 > chunk) break;
          end = ne;
          j++;
        }
        const buf = Buffer.allocUnsafeSlow(end - b0);
        await readExactly(fh, buf, base + b0, this.path);
        for (let k = i; k < j; k++) {
          const [n, inf] = items[k]!;
          const t = fromBytes(buf.subarray(inf.dataOffsets[0] - b0, inf.dataOffsets[1] - b0), inf, opts);
          made.push(t);
          out[n] = t;
        }
        i = j;
      }
    } catch (err) {
      for (const t of made) t.dispose();
      throw err;
    }
    return out;
  }

  /** Closes the file handle. Idempotent. */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    await fh?.close();
  }
  async [Symbol.asyncDispose](): Promise<void> { await this.close(); }
}

/** Opens a safetensors file and validates its header (nothing else is read yet). */
export async function safeOpen(path: string): Promise<SafeOpenFile> {
  const fh = await open(path, 'r');
  try {
    return new SafeOpenFile(path, await readHeaderFrom(fh, path), fh);
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/**
 * Loads a safetensors file (all tensors, or `opts.names`), reading by byte range.
 * The tensors belong to no scope (async code runs outside tidy()): they live until disposed,
 * with the GC as a safety net.
 * @returns a null-prototype object name -> Tensor, in file order (JS lists integer-like names first)
 * @throws SafetensorsError naming the file and the problem for a malformed file
 * @example const sd = await safetensors.loadFile('model.safetensors', { dtype: 'bfloat16' });
 */
export async function loadFile(path: string, opts: FileLoadOptions = {}): Promise<Record<string, Tensor>> {
  const f = await safeOpen(path);
  try {
    return await f.getTensors(opts);
  } finally {
    await f.close();
  }
}

/** Reads and validates only the header of a file: names, dtypes, shapes, offsets, metadata. */
export async function readHeader(path: string): Promise<Header> {
  const f = await safeOpen(path);
  await f.close();
  return f.header;
}

/** The `__metadata__` string map of a file, or null when it has none. */
export async function readMetadata(path: string): Promise<Record<string, string> | null> {
  return (await readHeader(path)).metadata;
}
