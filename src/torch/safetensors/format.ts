// format.ts — the safetensors layout and header validation: pure bytes -> descriptors, no I/O.
// Layout: u64 little-endian header length N | N bytes of UTF-8 JSON header | data buffer.
// The checks follow HF's Rust crate (safetensors/src/tensor.rs, Metadata::validate) and all run
// before any tensor memory is allocated, so a hostile file cannot make us allocate gigabytes.
import { ELEMENT_SIZE, type DType } from '../dtype.js';
import { findDuplicateKey } from './jsonkeys.js';

/** A malformed or unsupported safetensors file, or invalid input to a writer. */
export class SafetensorsError extends Error {
  /** The file (or `<bytes>` / `<save>`) the problem is in. */
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`safetensors: ${file}: ${problem}`);
    this.name = 'SafetensorsError';
    this.file = file;
  }
}

/** HF's header size limit (MAX_HEADER_SIZE in the Rust crate). */
export const MAX_HEADER_SIZE = 100_000_000;

/** safetensors dtype code -> tunekit dtype. */
export const ST_TO_DTYPE: Readonly<Record<string, DType>> = {
  F64: 'float64', F32: 'float32', F16: 'float16', BF16: 'bfloat16',
  I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
/** tunekit dtype -> safetensors dtype code. */
export const DTYPE_TO_ST: Readonly<Record<DType, string>> = {
  float64: 'F64', float32: 'F32', float16: 'F16', bfloat16: 'BF16',
  int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
// Valid in safetensors but with no libtorch dtype here: named in the error instead of "unknown".
const UNSUPPORTED = new Set(['U16', 'U32', 'U64', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F6_E2M3', 'F6_E3M2', 'F4', 'C64']);

/**
 * HF's `Dtype` enum order (increasing alignment).  Writers sort tensors by this, descending, then
 * by name, so every tensor starts at a multiple of its element size (the header is padded to 8).
 */
export const DTYPE_RANK: Readonly<Record<DType, number>> = {
  bool: 0, uint8: 1, int8: 2, int16: 5, float16: 7, bfloat16: 8, int32: 9, float32: 11, float64: 12, int64: 13,
};

/** Where one tensor lives in a file. Offsets are relative to the start of the data buffer. */
export interface TensorInfo {
  dtype: DType;
  shape: number[];
  /** [begin, end) in bytes, relative to the data buffer (`Header.dataStart` in the file). */
  dataOffsets: [number, number];
}

/** A validated header. */
export interface Header {
  /** Tensor descriptors by name (a null-prototype object; JS lists integer-like names first). */
  tensors: Record<string, TensorInfo>;
  /** The `__metadata__` string map, or null when the file has none. */
  metadata: Record<string, string> | null;
  /** N, the JSON header's byte length. */
  headerSize: number;
  /** 8 + N: the file offset of the data buffer. */
  dataStart: number;
}

/**
 * Reads and checks the 8-byte header length against the total size.
 * @param prefix at least the first 8 bytes of the file
 * @param totalSize the file's size in bytes
 * @returns N, the JSON header's length
 */
export function parseHeaderSize(prefix: Uint8Array, totalSize: number, file: string): number {
  if (totalSize < 8 || prefix.length < 8)
    throw new SafetensorsError(file, `file is ${totalSize} bytes, shorter than the 8-byte header length`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_SIZE))
    throw new SafetensorsError(file, `header length ${n} exceeds the ${MAX_HEADER_SIZE}-byte (100 MB) limit`);
  const size = Number(n);
  if (8 + size > totalSize)
    throw new SafetensorsError(file, `header length ${size} runs past the end of the file (${totalSize} bytes)`);
  return size;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks one tensor entry; returns its descriptor and byte size. */
function parseEntry(name: string, raw: unknown, dataSize: number, file: string): TensorInfo {
  const where = `tensor '${name}'`;
  if (!isPlainObject(raw)) throw new SafetensorsError(file, `${where}: entry is not an object`);
  const code = raw.dtype;
  if (typeof code !== 'string') throw new SafetensorsError(file, `${where}: dtype is missing or not a string`);
  const dtype = ST_TO_DTYPE[code];
  if (!Object.hasOwn(ST_TO_DTYPE, code) || dtype === undefined) {
    if (UNSUPPORTED.has(code)) throw new SafetensorsError(file, `${where}: dtype ${code} is not supported by tunekit (libtorch has no such dtype here)`);
    throw new SafetensorsError(file, `${where}: unknown dtype '${code}' (expected one of ${Object.keys(ST_TO_DTYPE).join(', ')})`);
  }
  const shape = raw.shape;
  if (!Array.isArray(shape)) throw new SafetensorsError(file, `${where}: shape is missing or not an array`);
  // numel in order, as the Rust crate's checked_mul fold: overflow is an error even if a later
  // dimension is 0.  2^53 keeps every count exact in a JS number.
  let numel = 1;
  for (const d of shape) {
    if (!isIndex(d)) throw new SafetensorsError(file, `${where}: shape [${shape.join(', ')}] has an entry that is not a non-negative integer: ${JSON.stringify(d)}`);
    numel *= d;
    if (!Number.isSafeInteger(numel)) throw new SafetensorsError(file, `${where}: numel of shape [${shape.join(', ')}] overflows`);
  }
  const nbytes = numel * ELEMENT_SIZE[dtype];
  if (!Number.isSafeInteger(nbytes)) throw new SafetensorsError(file, `${where}: byte size of shape [${shape.join(', ')}] overflows`);
  const offs = raw.data_offsets;
  if (!Array.isArray(offs) || offs.length !== 2 || !isIndex(offs[0]) || !isIndex(offs[1]))
    throw new SafetensorsError(file, `${where}: data_offsets must be two non-negative integers, got ${JSON.stringify(offs)}`);
  const [begin, end] = offs as [number, number];
  if (end < begin) throw new SafetensorsError(file, `${where}: data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataSize) throw new SafetensorsError(file, `${where}: data_offsets [${begin}, ${end}] are out of range of the data buffer (${dataSize} bytes)`);
  if (end - begin !== nbytes)
    throw new SafetensorsError(file, `${where}: byte size mismatch: data_offsets span ${end - begin} bytes but ${code} [${shape.join(', ')}] needs ${nbytes}`);
  return { dtype, shape: shape as number[], dataOffsets: [begin, end] };
}

/**
 * Parses and validates the JSON header.
 * @param json the N header bytes (UTF-8 JSON, possibly space-padded)
 * @param dataSize bytes in the data buffer (total size - 8 - N)
 * @param file name used in error messages
 */
export function parseHeader(json: Uint8Array, dataSize: number, file: string): Header {
  // As the Rust crate's InvalidHeaderStart: the JSON must open at the first byte.  Every writer
  // (the crate, the Python package, ours) starts it there; a UTF-8 byte-order mark or leading
  // whitespace means some other tool produced or edited the header.  (TextDecoder would also
  // silently drop a BOM, which the crate's serde_json never does.)
  if (json.length === 0 || json[0] !== 0x7b) {
    const what = json.length === 0 ? 'it is empty'
      : json[0] === 0xef && json[1] === 0xbb && json[2] === 0xbf ? 'it starts with a UTF-8 byte-order mark (EF BB BF)'
      : `it starts with byte 0x${json[0]!.toString(16).padStart(2, '0')}`;
    throw new SafetensorsError(file, `header must start with '{' (InvalidHeaderStart): ${what}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(json);
  } catch {
    throw new SafetensorsError(file, 'header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError(file, `header is not a JSON object (got ${Array.isArray(parsed) ? 'an array' : String(parsed === null ? null : typeof parsed)})`);
  const dup = findDuplicateKey(text);
  if (dup !== null) throw new SafetensorsError(file, `header has the key '${dup}' twice (duplicate names are ambiguous)`);

  let metadata: Record<string, string> | null = null;
  const tensors: Record<string, TensorInfo> = Object.create(null) as Record<string, TensorInfo>;
  const ranges: [number, number, string][] = [];
  for (const [name, raw] of Object.entries(parsed)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(raw, file);
      continue;
    }
    const info = parseEntry(name, raw, dataSize, file);
    tensors[name] = info;
    ranges.push([info.dataOffsets[0], info.dataOffsets[1], name]);
  }
  // Sorted by offsets the ranges must tile [0, dataSize) exactly: no overlap, no hole, no tail.
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let pos = 0;
  let prev = '';
  for (const [begin, end, name] of ranges) {
    if (begin < pos) throw new SafetensorsError(file, `tensor '${name}' [${begin}, ${end}) overlaps tensor '${prev}' (which ends at ${pos})`);
    if (begin > pos) throw new SafetensorsError(file, `hole in the data buffer: bytes [${pos}, ${begin}) before tensor '${name}' belong to no tensor (metadata incomplete buffer)`);
    pos = end;
    prev = name;
  }
  // The crate's MetadataIncompleteBuffer: the last tensor must end at the end of the file.
  if (pos !== dataSize)
    throw new SafetensorsError(file, ranges.length
      ? `data buffer has ${dataSize - pos} trailing bytes after the last tensor (metadata incomplete buffer)`
      : `data buffer has ${dataSize - pos} trailing bytes but the header lists no tensors (metadata incomplete buffer)`);
  return { tensors, metadata, headerSize: json.length, dataStart: 8 + json.length };
}

/** `__metadata__` must be a string -> string map (null is taken as absent, as Rust's Option). */
function parseMetadata(raw: unknown, file: string): Record<string, string> | null {
  if (raw === null) return null;
  if (!isPlainObject(raw)) throw new SafetensorsError(file, '__metadata__ is not an object of strings');
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw new SafetensorsError(file, `__metadata__['${k}'] is not a string (got ${JSON.stringify(v)})`);
    out[k] = v;
  }
  return out;
}

/** Parses a whole file held in memory: size prefix, header, layout. */
export function parseBytes(bytes: Uint8Array, file: string): Header {
  const n = parseHeaderSize(bytes, bytes.length, file);
  return parseHeader(bytes.subarray(8, 8 + n), bytes.length - 8 - n, file);
}
