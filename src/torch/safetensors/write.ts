// write.ts — serializing tensors to safetensors: to bytes (save) or atomically to a file
// (saveFile: temp file in the same folder, fsync, rename).  Layout and header bytes match HF's
// Rust crate (safetensors/src/tensor.rs `prepare`): tensors sorted by dtype alignment, then name.
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ELEMENT_SIZE } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { DTYPE_RANK, DTYPE_TO_ST, SafetensorsError } from './format.js';

/** Tensors by name: a plain object, a Map, or [name, tensor] pairs (which may repeat: an error). */
export type TensorDict = Record<string, Tensor> | Map<string, Tensor> | Iterable<readonly [string, Tensor]>;

/** A validated write: the 8-byte prefix plus padded header, then the tensors in file order. */
interface Plan {
  head: Uint8Array;
  items: { name: string; tensor: Tensor; nbytes: number }[];
  total: number;
}

/** @internal The entries of a TensorDict, in its order. */
export function entriesOf(tensors: TensorDict): [string, unknown][] {
  if (tensors instanceof Map) return [...tensors.entries()];
  if (typeof (tensors as Iterable<unknown>)[Symbol.iterator] === 'function') return [...(tensors as Iterable<[string, unknown]>)];
  return Object.entries(tensors);
}

const utf8 = new TextEncoder();
// Rust compares names as UTF-8 bytes; JS `<` compares UTF-16 units (differs above U+FFFF).
const byName = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Validates names, tensors and metadata, and lays the file out.  Touches no disk. */
export function plan(tensors: TensorDict, metadata: Record<string, string> | undefined, file: string): Plan {
  const seen = new Set<string>();
  const items: { name: string; tensor: Tensor; nbytes: number; rank: number }[] = [];
  for (const [name, t] of entriesOf(tensors)) {
    if (typeof name !== 'string' || name === '') throw new SafetensorsError(file, `tensor names must be non-empty strings, got ${JSON.stringify(name)}`);
    if (name.startsWith('__')) throw new SafetensorsError(file, `tensor name '${name}' starts with '__' (reserved, e.g. __metadata__)`);
    if (seen.has(name)) throw new SafetensorsError(file, `duplicate tensor name '${name}'`);
    seen.add(name);
    if (!(t instanceof Tensor)) throw new SafetensorsError(file, `'${name}' is not a Tensor`);
    if (t.isDisposed) throw new SafetensorsError(file, `tensor '${name}' is disposed`);
    const dtype = t.dtype;
    items.push({ name, tensor: t, nbytes: t.numel() * ELEMENT_SIZE[dtype], rank: DTYPE_RANK[dtype] });
  }
  items.sort((a, b) => b.rank - a.rank || byName(a.name, b.name));

  // The JSON is assembled by hand: a JS object would move integer-like names ("0") first.
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`"__metadata__":${metadataJson(metadata, file)}`);
  let offset = 0;
  for (const it of items) {
    const t = it.tensor;
    const info = { dtype: DTYPE_TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + it.nbytes] };
    parts.push(`${JSON.stringify(it.name)}:${JSON.stringify(info)}`);
    offset += it.nbytes;
  }
  const json = utf8.encode(`{${parts.join(',')}}`);
  // Pad with spaces so the data buffer starts 8-byte aligned (as HF does).
  const n = json.length + ((8 - (json.length % 8)) % 8);
  const head = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  head.set(json, 8);
  return { head, items: items.map(({ name, tensor, nbytes }) => ({ name, tensor, nbytes })), total: head.length + offset };
}

function metadataJson(metadata: Record<string, string>, file: string): string {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata))
    throw new SafetensorsError(file, 'metadata must be an object of string values');
  for (const [k, v] of Object.entries(metadata))
    if (typeof v !== 'string') throw new SafetensorsError(file, `metadata['${k}'] is not a string (got ${typeof v}); safetensors metadata values must be strings`);
  return JSON.stringify(metadata);
}

/** One tensor's raw bytes, checked against the planned size (it may have changed since). */
function bytesOf(it: Plan['items'][number], file: string): ArrayBuffer {
  if (it.tensor.isDisposed) throw new SafetensorsError(file, `tensor '${it.name}' was disposed while being saved`);
  const buf = it.tensor.toBuffer();
  if (buf.byteLength !== it.nbytes) throw new SafetensorsError(file, `tensor '${it.name}' changed size while being saved (${buf.byteLength} bytes, planned ${it.nbytes})`);
  return buf;
}

/**
 * Serializes tensors to the bytes of a safetensors file (the whole file in memory).
 * Tensors may be on any device and non-contiguous; bytes are little-endian, C order.
 * @param metadata optional `__metadata__` (string values only)
 * @throws SafetensorsError for an empty, duplicate or `__`-prefixed name, a disposed tensor or
 *   a non-string metadata value
 * @example writeFileSync('a.safetensors', safetensors.save({ w: torch.ones([2, 2]) }, { format: 'pt' }));
 */
export function save(tensors: TensorDict, metadata?: Record<string, string>): Uint8Array {
  const file = '<save>';
  const p = plan(tensors, metadata, file);
  const out = new Uint8Array(p.total);
  out.set(p.head, 0);
  let pos = p.head.length;
  for (const it of p.items) {
    out.set(new Uint8Array(bytesOf(it, file)), pos);
    pos += it.nbytes;
  }
  return out;
}

const MAX_WRITE = 1024 * 1024 * 1024;

async function writeAll(fh: FileHandle, buf: ArrayBufferLike, byteOffset: number, length: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const len = Math.min(length - done, MAX_WRITE);
    const { bytesWritten } = await fh.write(new Uint8Array(buf, byteOffset + done, len), 0, len);
    done += bytesWritten;
  }
}

/**
 * Writes a file atomically: `write(fh)` fills a temp file in the same folder, which is fsynced
 * and renamed over `path`.  On any error the temp file is removed and `path` is untouched.
 */
export async function writeAtomic(path: string, write: (fh: FileHandle) => Promise<void>): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  let closed = false;
  try {
    await write(fh);
    await fh.sync(); // the data must be on disk before the rename makes it visible
    await fh.close();
    closed = true;
    await rename(tmp, path);
  } catch (err) {
    if (!closed) await fh.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  // Persist the rename itself (best effort: not every platform can fsync a directory).
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch { /* ignore */ }
}

/**
 * Saves tensors to a safetensors file, atomically: a crash or error mid-write never leaves a
 * truncated file, and an existing file at `path` stays intact unless the save succeeds.
 * Tensors are copied to the host one at a time (peak extra memory: the largest tensor).
 * @param metadata optional `__metadata__` (string values only; HF's loaders expect `{format: 'pt'}`)
 * @example await safetensors.saveFile(model.stateDict(), 'out/model.safetensors', { format: 'pt' });
 */
export async function saveFile(tensors: TensorDict, path: string, metadata?: Record<string, string>): Promise<void> {
  const p = plan(tensors, metadata, path); // validates before the disk is touched
  await writeAtomic(path, async (fh) => {
    await writeAll(fh, p.head.buffer, p.head.byteOffset, p.head.length);
    for (const it of p.items) {
      const buf = bytesOf(it, path);
      await writeAll(fh, buf, 0, buf.byteLength);
    }
  });
}
