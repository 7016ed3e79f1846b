// src/data/encode.ts — feature inference from JS values and value validation/conversion against
// features. Mirrors what datasets/arrow_writer.py (TypedSequence, OptimizedTypedSequence) and
// features.py (encode_example) do before pyarrow builds the columns.
import { ClassLabel, type FeatureType, type Features, fmtNames, isFeatureDict, List, Value, type Dtype } from './features.js';

/** What inference has seen in a column so far. */
type Sketch =
  | { kind: 'null' }
  | { kind: 'bool' }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'float' }
  | { kind: 'string' }
  | { kind: 'dtype'; dtype: Dtype } // from a typed array's element type
  | { kind: 'list'; elem: Sketch }
  | { kind: 'struct'; fields: Map<string, Sketch> };

// HF's OptimizedTypedSequence: tokenizer outputs get small int types when nothing else is said.
const OPTIMIZED_INT: Record<string, Dtype> = { attention_mask: 'int8', special_tokens_mask: 'int8', input_ids: 'int32', token_type_ids: 'int8' };
const INT_RANGE: Partial<Record<Dtype, [number, number]>> = {
  int8: [-128, 127], int16: [-32768, 32767], int32: [-2147483648, 2147483647],
  uint8: [0, 255], uint16: [0, 65535], uint32: [0, 4294967295],
  int64: [-Infinity, Infinity], uint64: [0, Infinity],
};
const TYPED_DTYPE: [new (...a: never[]) => unknown, Dtype][] = [
  [Int8Array, 'int8'], [Int16Array, 'int16'], [Int32Array, 'int32'], [BigInt64Array, 'int64'],
  [Uint8Array, 'uint8'], [Uint16Array, 'uint16'], [Uint32Array, 'uint32'], [BigUint64Array, 'uint64'],
  [Float32Array, 'float32'], [Float64Array, 'float64'],
];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

class InferError extends Error {}

function sketchOf(v: unknown, where: () => string): Sketch {
  if (v === null || v === undefined) return { kind: 'null' };
  switch (typeof v) {
    case 'boolean': return { kind: 'bool' };
    case 'string': return { kind: 'string' };
    case 'bigint': return { kind: 'int', min: Number(v), max: Number(v) };
    case 'number': return Number.isInteger(v) ? { kind: 'int', min: v, max: v } : { kind: 'float' };
  }
  if (Array.isArray(v)) {
    let elem: Sketch = { kind: 'null' };
    for (let i = 0; i < v.length; i++) elem = merge(elem, sketchOf(v[i], () => `${where()}[${i}]`), () => `${where()}[${i}]`);
    return { kind: 'list', elem };
  }
  if (ArrayBuffer.isView(v)) {
    const hit = TYPED_DTYPE.find(([ctor]) => v instanceof ctor);
    if (hit) return { kind: 'list', elem: { kind: 'dtype', dtype: hit[1] } };
  }
  if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const fields = new Map<string, Sketch>();
    for (const [k, x] of Object.entries(v as object)) fields.set(k, sketchOf(x, () => `${where()}.${k}`));
    return { kind: 'struct', fields };
  }
  throw new InferError(`${where()}: cannot store a value of type ${describe(v)} (supported: null, boolean, number, bigint, string, arrays, typed arrays, plain objects)`);
}

function merge(a: Sketch, b: Sketch, where: () => string): Sketch {
  if (a.kind === 'null') return b;
  if (b.kind === 'null') return a;
  if (a.kind === 'int' && b.kind === 'int') return { kind: 'int', min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
  const numeric = (s: Sketch) => s.kind === 'int' || s.kind === 'float' || s.kind === 'dtype';
  if (numeric(a) && numeric(b)) {
    if (a.kind === 'dtype' && b.kind === 'dtype' && a.dtype === b.dtype) return a;
    if (a.kind === 'float' || b.kind === 'float' || (a.kind === 'dtype' && a.dtype.startsWith('float')) || (b.kind === 'dtype' && b.dtype.startsWith('float')))
      return { kind: 'float' };
    return { kind: 'int', min: -Infinity, max: Infinity };
  }
  if (a.kind === b.kind && (a.kind === 'bool' || a.kind === 'string')) return a;
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', elem: merge(a.elem, b.elem, () => `${where()}[]`) };
  if (a.kind === 'struct' && b.kind === 'struct') {
    const fields = new Map(a.fields);
    for (const [k, s] of b.fields) fields.set(k, fields.has(k) ? merge(fields.get(k)!, s, () => `${where()}.${k}`) : s);
    return { kind: 'struct', fields };
  }
  throw new InferError(`${where()}: mixed types ${a.kind} and ${b.kind} in one column; pass explicit features or make the values consistent`);
}

function toFeature(s: Sketch, column: string): FeatureType {
  switch (s.kind) {
    case 'null': return new Value('null');
    case 'bool': return new Value('bool');
    case 'float': return new Value('float64');
    case 'string': return new Value('string');
    case 'dtype': return new Value(s.dtype);
    case 'int': {
      const small = OPTIMIZED_INT[column];
      const r = small ? INT_RANGE[small]! : undefined;
      return new Value(r && s.min >= r[0] && s.max <= r[1] ? small! : 'int64');
    }
    case 'list': return new List(toFeature(s.elem, column));
    case 'struct': return Object.fromEntries([...s.fields].map(([k, f]) => [k, toFeature(f, column)]));
  }
}

/**
 * Infers a column's feature from all its values (as pyarrow would): integers -> int64 (int32 for
 * `input_ids`, int8 for masks, as HF's OptimizedTypedSequence), other numbers -> float64, strings,
 * booleans, arrays -> List, typed arrays -> List of their dtype, plain objects -> struct (keys
 * unioned in first-seen order), all-null -> Value('null'). Mixed types throw naming the row.
 */
export function inferFeature(column: string, values: readonly unknown[]): FeatureType {
  let s: Sketch = { kind: 'null' };
  try {
    for (let i = 0; i < values.length; i++) {
      const where = () => `column '${column}', row ${i}`;
      s = merge(s, sketchOf(values[i], where), where);
    }
  } catch (e) {
    if (e instanceof InferError) throw new TypeError(`Cannot infer features: ${e.message}`);
    throw e;
  }
  return toFeature(s, column);
}

/** What {@link scanIntLists} found in a column of integer lists. */
export interface IntListScan {
  min: number;
  max: number;
  /** Elements over all rows. */
  total: number;
}

/**
 * One pass over a column holding only arrays of integer numbers (or null/undefined rows), such as
 * tokenizer outputs: their range and size. Null when any row or element is anything else (typed
 * arrays, bigints, nulls inside a list, ...): such columns take the general path of encodeValue.
 */
export function scanIntLists(values: readonly unknown[]): IntListScan | null {
  let min = Infinity, max = -Infinity, total = 0;
  for (let i = 0; i < values.length; i++) {
    const row = values[i];
    if (row === null || row === undefined) continue;
    if (!Array.isArray(row)) return null;
    for (let j = 0; j < row.length; j++) {
      const x: unknown = row[j];
      if (typeof x !== 'number' || !Number.isInteger(x)) return null;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    total += row.length;
  }
  return { min, max, total };
}

/** What inferFeature gives a scanned column; null when it has no element at all (left to inferFeature). */
export function intListFeature(column: string, scan: IntListScan): List | null {
  return scan.total === 0 ? null : new List(toFeature({ kind: 'int', min: scan.min, max: scan.max }, column));
}

/** Whether encodeValue would take a scanned column as it is for `f`: a variable-length List of an integer Value that holds the range. */
export function intListFits(scan: IntListScan, f: FeatureType): f is List {
  if (!(f instanceof List) || f.length !== -1 || !(f.feature instanceof Value)) return false;
  const range = INT_RANGE[f.feature.dtype];
  return range !== undefined && (scan.total === 0 || (scan.min >= range[0] && scan.max <= range[1]));
}

/** inferFeature for every column of a dict of columns. */
export function inferFeatures(columns: Record<string, readonly unknown[]>): Features {
  return Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, inferFeature(k, v)]));
}

/** Where a bad value sits, for error messages ("column 'label', row 3"). */
export interface Where {
  column: string;
  row: number;
  /** Accept only values already of the feature's JS type (no string<->number, no names for ClassLabel): HF's try_type. */
  strict?: boolean;
}

function fail(where: Where, path: string, msg: string): never {
  throw new TypeError(`column '${where.column}'${path ? ` at ${path}` : ''}, row ${where.row}: ${msg}`);
}

function encodeScalar(v: unknown, f: Value, where: Where, path: string): unknown {
  const d = f.dtype;
  if (d === 'null') return v === null ? null : fail(where, path, `value ${JSON.stringify(v)} in a Value('null') column`);
  if (d === 'string' || d === 'large_string') {
    if (typeof v === 'string') return v;
    if (where.strict) return fail(where, path, `expected a string, got ${describe(v)}`);
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
    return fail(where, path, `expected a string, got ${describe(v)}`);
  }
  if (d === 'bool') {
    if (typeof v === 'boolean') return v;
    if (where.strict) return fail(where, path, `expected a boolean, got ${describe(v)}`);
    if (typeof v === 'number') return v !== 0;
    if (v === 'true' || v === 'True') return true;
    if (v === 'false' || v === 'False') return false;
    return fail(where, path, `expected a boolean, got ${JSON.stringify(v)}`);
  }
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (where.strict) return fail(where, path, `expected a number for ${f}, got ${describe(v)}`);
  else if (typeof v === 'boolean') n = v ? 1 : 0;
  else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) n = Number(v);
  else return fail(where, path, `expected a number for ${f}, got ${describe(v)} ${JSON.stringify(v)}`);
  if (d.startsWith('float')) return n;
  // Unlike Python's int(3.7) we refuse to truncate silently.
  if (!Number.isInteger(n)) return fail(where, path, `${n} is not an integer (${f})`);
  const [lo, hi] = INT_RANGE[d]!;
  if (n < lo || n > hi) return fail(where, path, `${n} does not fit ${f}`);
  return n;
}

/**
 * Validates one value against its feature and converts it to the canonical JS value stored
 * (ClassLabel names -> ids, numeric strings -> numbers, typed arrays -> arrays). null/undefined -> null.
 */
export function encodeValue(v: unknown, f: FeatureType, where: Where, path = ''): unknown {
  if (v === null || v === undefined) return null;
  if (f instanceof Value) return encodeScalar(v, f, where, path);
  if (f instanceof ClassLabel) {
    if (typeof v === 'string' && !where.strict) {
      try {
        return f.str2int(v);
      } catch {
        return fail(where, path, `ClassLabel value '${v}' is not one of the names ${fmtNames(f.names)}`);
      }
    }
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1 || n >= f.numClasses)
      return fail(where, path, `ClassLabel value ${JSON.stringify(typeof v === 'bigint' ? n : v)} is outside 0..${f.numClasses - 1} (or -1 for none); names: ${fmtNames(f.names)}`);
    return n;
  }
  if (f instanceof List) {
    const arr = Array.isArray(v) ? v : ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<unknown>) : undefined;
    if (arr === undefined) return fail(where, path, `expected a list for ${f}, got ${describe(v)}`);
    if (f.length !== -1 && arr.length !== f.length) return fail(where, path, `list of length ${arr.length}, the feature has fixed length ${f.length}`);
    const out = new Array<unknown>(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = encodeValue(arr[i], f.feature, where, `${path}[${i}]`);
    return out;
  }
  if (isFeatureDict(f)) {
    if (typeof v !== 'object' || Array.isArray(v)) return fail(where, path, `expected an object with keys ${JSON.stringify(Object.keys(f))}, got ${describe(v)}`);
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, sub] of Object.entries(f)) out[k] = encodeValue(o[k], sub, where, `${path}.${k}`);
    return out;
  }
  return fail(where, path, 'unknown feature');
}

/** Encodes a whole column (see encodeValue). `rowOffset` keeps row numbers right for batches. */
export function encodeColumn(column: string, values: readonly unknown[], f: FeatureType, rowOffset = 0): unknown[] {
  const out = new Array<unknown>(values.length);
  const where: Where = { column, row: 0 };
  for (let i = 0; i < values.length; i++) {
    where.row = rowOffset + i;
    out[i] = encodeValue(values[i], f, where);
  }
  return out;
}
