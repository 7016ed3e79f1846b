// tensorize.ts — feature rows to tensors: key checks, integer id rows, right/left-padded int64
// matrices and the generic list -> tensor conversion that HF gets from torch.tensor(...)
// (BatchEncoding.convert_to_tensors in tokenization_utils_base.py, torch_default_data_collator).
import { Tensor, tensor, stack, type DType, type TypedArray } from '../../torch/index.js';

/** One dataset row, as `Dataset.map` with a tokenizer makes it: `{input_ids, attention_mask, labels, ...}`. */
export type Feature = Record<string, unknown>;
/** What every collator returns: one tensor per key (`input_ids`, `attention_mask`, `labels`, ...). */
export type Batch = Record<string, Tensor>;
/** Padding strategy, as HF's `padding` argument: true = 'longest', false = 'do_not_pad'. */
export type Padding = boolean | 'longest' | 'max_length' | 'do_not_pad';
/** Which side padding goes on (HF `tokenizer.padding_side`). */
export type PaddingSide = 'left' | 'right';

/** HF's error when a list cannot become one rectangular tensor (BatchEncoding.convert_to_tensors). */
export function raggedError(key: string): Error {
  return new Error(
    "Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' " +
      "'truncation=True' to have batched tensors with the same length. Perhaps your features " +
      `(\`${key}\` in this case) have excessive nesting (inputs type \`list\` where type \`int\` is expected).`,
  );
}

/**
 * Checks that `features` is a non-empty array of plain objects that all have the same keys
 * (HF reads the keys of features[0] and fails with a KeyError on a row that lacks one; an
 * extra key elsewhere would be silently dropped, so both are errors here).  Returns the keys.
 */
export function checkFeatures(features: readonly unknown[], who: string): string[] {
  if (!Array.isArray(features) || features.length === 0) throw new TypeError(`${who}: expected a non-empty array of features`);
  const first = features[0];
  if (first === null || typeof first !== 'object' || Array.isArray(first) || ArrayBuffer.isView(first))
    throw new TypeError(`${who}: features[0] is not an object of columns (got ${describe(first)})`);
  const keys = Object.keys(first);
  const want = [...keys].sort().join(',');
  for (let i = 1; i < features.length; i++) {
    const f = features[i];
    if (f === null || typeof f !== 'object' || Array.isArray(f)) throw new TypeError(`${who}: features[${i}] is not an object of columns (got ${describe(f)})`);
    const got = Object.keys(f).sort().join(',');
    if (got !== want) throw new Error(`${who}: inconsistent keys: features[${i}] has [${got}] but features[0] has [${want}]`);
  }
  return keys;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}

/** A row of token ids (or a mask) as numbers; throws unless it is a list of integers. */
export function intRow(v: unknown, key: string, row: number): number[] {
  let out: number[];
  if (Array.isArray(v)) out = v as number[];
  else if (v instanceof BigInt64Array) out = Array.from(v, Number);
  else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) out = Array.from(v as Exclude<TypedArray, BigInt64Array>);
  else throw new TypeError(`'${key}' of features[${row}] must be a list of integers, got ${describe(v)}`);
  for (let j = 0; j < out.length; j++) {
    const x = out[j];
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new TypeError(`'${key}' of features[${row}] must hold integers, but [${j}] is ${String(x)}`);
  }
  return out;
}

/** n rounded up to a multiple of m (HF: `((n // m) + 1) * m` when n % m != 0). */
export function roundUp(n: number, m: number | undefined | null): number {
  if (m === undefined || m === null) return n;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`padToMultipleOf must be a positive integer, got ${m}`);
  return Math.ceil(n / m) * m;
}

/**
 * (B, L) int64 from B rows of length <= L, the rest filled with `pad` on `side`.
 * One BigInt64Array and one copy into native memory.
 */
export function paddedLong(rows: readonly (readonly number[])[], length: number, pad: number, side: PaddingSide): Tensor {
  const B = rows.length;
  const buf = new BigInt64Array(B * length).fill(BigInt(pad));
  for (let i = 0; i < B; i++) {
    const r = rows[i]!;
    if (r.length > length) throw new Error(`internal: row ${i} of length ${r.length} does not fit in ${length}`);
    const start = i * length + (side === 'right' ? 0 : length - r.length);
    for (let j = 0; j < r.length; j++) buf[start + j] = BigInt(r[j]!);
  }
  return tensor(buf, { shape: [B, length] });
}

type Kind = 'int' | 'float' | 'bool';

/**
 * The tensor torch.tensor would make from one column's values across the batch: numbers ->
 * int64 if every one is an integer, else float32 (JS cannot tell 1.0 from 1, so a float
 * column that happens to hold whole numbers needs `dtype` or a Float32Array); booleans ->
 * bool; typed arrays keep their kind (integer arrays -> int64, float arrays -> float32);
 * nested lists must be rectangular (else HF's "Unable to create tensor" error); a column of
 * Tensors is stacked.  `dtype` forces the result's dtype.
 */
export function columnTensor(key: string, values: readonly unknown[], dtype?: DType): Tensor {
  if (values.length && values.every((v) => v instanceof Tensor)) {
    const t = stack(values as Tensor[]);
    return dtype && t.dtype !== dtype ? t.to(dtype) : t;
  }
  const flat: (number | boolean)[] = [];
  let kind: Kind | null = null;
  const merge = (k: Kind): void => {
    if (kind === null) kind = k;
    else if (kind !== k) {
      if (kind === 'bool' || k === 'bool') throw new TypeError(`'${key}' mixes booleans and numbers`);
      kind = 'float';
    }
  };
  const shapeOf = (v: unknown, depth: number): number[] => {
    if (typeof v === 'number') {
      merge(Number.isInteger(v) ? 'int' : 'float');
      flat.push(v);
      return [];
    }
    if (typeof v === 'boolean') { merge('bool'); flat.push(v); return []; }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const isFloat = v instanceof Float32Array || v instanceof Float64Array;
      merge(isFloat ? 'float' : 'int');
      for (const x of v as unknown as Iterable<number | bigint>) flat.push(Number(x));
      return [(v as TypedArray).length];
    }
    if (Array.isArray(v)) {
      if (depth > 8) throw raggedError(key);
      let inner: number[] | null = null;
      for (const x of v) {
        const s = shapeOf(x, depth + 1);
        if (inner === null) inner = s;
        else if (s.length !== inner.length || s.some((d, i) => d !== inner![i])) throw raggedError(key);
      }
      return [v.length, ...(inner ?? [])];
    }
    if (typeof v === 'string') throw new TypeError(`'${key}' holds strings, which cannot become a tensor: remove that column before collating`);
    if (v === null || v === undefined)
      throw new TypeError(`'${key}' of features[${row}] ${depth === 0 ? 'is' : 'holds'} ${String(v)}, which cannot become a tensor` +
        (depth === 0 && /^label/.test(key) ? ': that row has no label; remove or label the unlabeled rows' : ''));
    throw new TypeError(`'${key}' of features[${row}] holds ${describe(v)}, which cannot become a tensor`);
  };
  let inner: number[] | null = null;
  let row = 0;
  for (; row < values.length; row++) {
    const v = values[row];
    const s = shapeOf(v, 0);
    if (inner === null) inner = s;
    else if (s.length !== inner.length || s.some((d, i) => d !== inner![i])) throw raggedError(key);
  }
  const shape = [values.length, ...(inner ?? [])];
  const k: Kind = (kind as Kind | null) ?? 'int'; // set inside the closures, which TS's narrowing does not see
  const target: DType = dtype ?? (k === 'int' ? 'int64' : k === 'float' ? 'float32' : 'bool');
  if (target === 'bool') return tensor(Uint8Array.from(flat, Number), { shape }).to('bool');
  if (target === 'int64') {
    if (k === 'float' && !dtype) throw new Error(`internal: float data for int64 '${key}'`);
    return tensor(BigInt64Array.from(flat, (x) => BigInt(Math.trunc(Number(x)))), { shape });
  }
  const t = tensor(Float64Array.from(flat, Number), { shape });
  return target === 'float64' ? t : t.to(target);
}
