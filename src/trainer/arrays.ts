// arrays.ts — host-side arrays for evaluation outputs and HF's helpers over them
// (transformers 4.47 trainer_pt_utils.py nested_concat / torch_pad_and_concatenate, trainer_utils.py
// EvalPrediction, PredictionOutput, speed_metrics).  Predictions leave libtorch as flat typed
// arrays plus a shape (NDArray), so a large eval set costs one buffer per output, not nested JS arrays.
import { Tensor } from '../torch/index.js';

/**
 * A dense row-major array on the JS heap: `data[i0 * stride0 + ...]`, shape like numpy's.
 * Floating outputs are Float32Array (Float64Array for float64); integer ones (labels, ids) are
 * Int32Array (token and label ids fit).  Use {@link argmax} / {@link toNested} for metrics.
 */
export interface NDArray {
  data: Float32Array | Float64Array | Int32Array;
  shape: number[];
}

/**
 * An {@link NDArray} with numpy's everyday methods, as the Trainer's predict() / evaluate()
 * outputs are: `predictions.row(i)` (numpy `predictions[i]`), `predictions.argmax(-1)`,
 * `.get(i, j)`, `.tolist()`, `.length`.  `data` and `shape` are the plain fields underneath.
 * @example
 *   const { predictions, label_ids } = trainer.predict(testSet);
 *   const preds = (predictions as HostArray).argmax(-1);     // (N,) class ids
 *   preds.tolist();                                           // [2, 0, 1, ...]
 */
export class HostArray implements NDArray {
  readonly data: Float32Array | Float64Array | Int32Array;
  readonly shape: number[];
  constructor(data: Float32Array | Float64Array | Int32Array, shape: readonly number[]) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new RangeError(`HostArray: ${data.length} values do not fill shape [${shape.join(', ')}] (${n})`);
    this.data = data;
    this.shape = [...shape];
  }
  /** A HostArray over an NDArray's buffer (no copy). */
  static from(a: NDArray): HostArray { return a instanceof HostArray ? a : new HostArray(a.data, a.shape); }

  /** Number of dimensions (numpy ndim). */
  get ndim(): number { return this.shape.length; }
  /** Number of values (numpy size). */
  get size(): number { return this.data.length; }
  /** Length of the first dimension (Python len()). */
  get length(): number {
    if (this.shape.length === 0) throw new TypeError('len() of a 0-d array');
    return this.shape[0]!;
  }

  /** Row i along the first dimension (numpy `a[i]`), a view of shape shape[1:]; negative i counts from the end. */
  row(i: number): HostArray {
    if (this.shape.length === 0) throw new RangeError('row(): a 0-d array has no rows');
    const n = this.shape[0]!;
    const k = i < 0 ? n + i : i;
    if (!Number.isInteger(i) || k < 0 || k >= n) throw new RangeError(`index ${i} is out of bounds for axis 0 with size ${n}`);
    const inner = this.data.length / n;
    return new HostArray(this.data.subarray(k * inner, (k + 1) * inner), this.shape.slice(1));
  }

  /** The value at one position (numpy `a[i, j, ...]`, every index given). */
  get(...index: number[]): number {
    if (index.length !== this.shape.length) throw new RangeError(`get(): ${index.length} indices for an array of ${this.shape.length} dimensions`);
    let flat = 0;
    index.forEach((i, d) => {
      const n = this.shape[d]!;
      const k = i < 0 ? n + i : i;
      if (!Number.isInteger(i) || k < 0 || k >= n) throw new RangeError(`index ${i} is out of bounds for axis ${d} with size ${n}`);
      flat = flat * n + k;
    });
    return this.data[flat]!;
  }

  /** The value of a one-value array (numpy item()). */
  item(): number {
    if (this.data.length !== 1) throw new RangeError(`item(): can only convert an array of size 1, got ${this.data.length}`);
    return this.data[0]!;
  }

  /**
   * numpy argmax: with an axis (negative counts from the end; `{ axis }` as HF's keyword), the
   * indices of the first maximum along it (Int32Array, that axis removed); without one, the
   * flat index of the first maximum of the whole array.
   */
  argmax(): number;
  argmax(axis: number | { axis: number }): HostArray;
  argmax(axis?: number | { axis: number }): number | HostArray {
    if (axis === undefined) {
      if (this.data.length === 0) throw new RangeError('attempt to get argmax of an empty sequence');
      let best = 0;
      for (let i = 1; i < this.data.length; i++) if (this.data[i]! > this.data[best]!) best = i;
      return best;
    }
    const ax = typeof axis === 'number' ? axis : axis.axis;
    const nd = this.shape.length;
    const a = ax < 0 ? nd + ax : ax;
    if (!Number.isInteger(ax) || a < 0 || a >= nd) throw new RangeError(`axis ${ax} is out of bounds for array of dimension ${nd}`);
    const outer = this.shape.slice(0, a).reduce((x, y) => x * y, 1);
    const len = this.shape[a]!;
    const inner = this.shape.slice(a + 1).reduce((x, y) => x * y, 1);
    if (len === 0) throw new RangeError('attempt to get argmax of an empty sequence');
    const out = new Int32Array(outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        const base = o * len * inner + j;
        let best = 0;
        for (let k = 1; k < len; k++) if (this.data[base + k * inner]! > this.data[base + best * inner]!) best = k;
        out[o * inner + j] = best;
      }
    }
    return new HostArray(out, [...this.shape.slice(0, a), ...this.shape.slice(a + 1)]);
  }

  /** Nested JS arrays (numpy tolist()); a 0-d array gives its number. */
  tolist(): unknown { return toNested(this); }
}

/** What evaluation collects per batch output: one array, or several (e.g. QA start/end logits). */
export type NDArrays = HostArray | HostArray[];

/** HF EvalPrediction: what computeMetrics receives. */
export interface EvalPrediction {
  predictions: NDArrays;
  label_ids: NDArrays | null;
  /** With include_for_metrics ['inputs']: the main input (input_ids), padded with -100. */
  inputs?: NDArrays | null;
  /** With include_for_metrics ['loss']: the per-batch losses (one per row). */
  losses?: NDArray | null;
}

/** HF PredictionOutput: what predict() returns. */
export interface PredictionOutput {
  predictions: NDArrays | null;
  label_ids: NDArrays | null;
  metrics: Record<string, number>;
}

/** A copy of a tensor on the host (float16/bfloat16 widen to float32, int64 narrows to int32). */
export function toNDArray(t: Tensor): HostArray {
  const shape = t.shape;
  const dt = t.dtype;
  if (dt === 'float64') return new HostArray(new Float64Array(t.toTypedArray() as Float64Array), shape);
  if (dt === 'float32' || dt === 'float16' || dt === 'bfloat16') return new HostArray(Float32Array.from(t.toTypedArray() as Float32Array), shape);
  const raw = t.toTypedArray();
  const data = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) data[i] = Number(raw[i]!);
  return new HostArray(data, shape);
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * HF torch_pad_and_concatenate: concatenates along dim 0; when the second dims differ (sequence
 * lengths of different batches) both are padded at the end of dim 1 with `paddingIndex` (-100).
 */
export function padAndConcatenate(a: NDArray, b: NDArray, paddingIndex = -100): HostArray {
  if (a.shape.length !== b.shape.length) throw new RangeError(`nested_concat: rank ${a.shape.length} vs ${b.shape.length}`);
  const rest = a.shape.slice(2).join(',');
  if (rest !== b.shape.slice(2).join(',')) throw new RangeError(`nested_concat: shapes [${a.shape}] and [${b.shape}] differ beyond dim 1`);
  const Ctor = a.data.constructor as new (n: number) => NDArray['data'];
  if (a.shape.length === 1 || a.shape[1] === b.shape[1]) {
    const data = new Ctor(a.data.length + b.data.length);
    data.set(a.data as never, 0);
    data.set(b.data as never, a.data.length);
    return new HostArray(data, [a.shape[0]! + b.shape[0]!, ...a.shape.slice(1)]);
  }
  const len = Math.max(a.shape[1]!, b.shape[1]!);
  const inner = numel(a.shape.slice(2));
  const shape = [a.shape[0]! + b.shape[0]!, len, ...a.shape.slice(2)];
  const data = new Ctor(numel(shape)).fill(paddingIndex);
  let row = 0;
  for (const src of [a, b]) {
    const rowLen = src.shape[1]! * inner;
    for (let r = 0; r < src.shape[0]!; r++, row++) data.set(src.data.subarray(r * rowLen, (r + 1) * rowLen) as never, row * len * inner);
  }
  return new HostArray(data, shape);
}

/** HF nested_concat: element-wise over tuples of outputs. */
export function nestedConcat(a: NDArray | NDArray[] | null, b: NDArray | NDArray[], paddingIndex = -100): NDArrays {
  if (a === null) return Array.isArray(b) ? b.map(HostArray.from) : HostArray.from(b);
  if (Array.isArray(a) !== Array.isArray(b)) throw new TypeError('nested_concat: mixing a single output with several');
  if (Array.isArray(a)) return a.map((x, i) => padAndConcatenate(x, (b as NDArray[])[i]!, paddingIndex));
  return padAndConcatenate(a, b as NDArray, paddingIndex);
}

/** argmax over the last axis (numpy `np.argmax(a, axis=-1)`): shape [..., C] -> Int32Array of shape [...]. */
export function argmax(a: NDArray, axis = -1): HostArray {
  return HostArray.from(a).argmax(axis);
}

/** Nested JS arrays (numpy's tolist()). */
export function toNested(a: NDArray): unknown {
  if (a.shape.length === 0) return a.data[0];
  let pos = 0;
  const build = (d: number): unknown[] => {
    const out = new Array(a.shape[d]!);
    for (let i = 0; i < a.shape[d]!; i++) out[i] = d === a.shape.length - 1 ? a.data[pos++] : build(d + 1);
    return out;
  };
  return build(0);
}

/**
 * HF speed_metrics: `<split>_runtime` (s, 4 decimals), `<split>_samples_per_second` and
 * `<split>_steps_per_second` (3 decimals), `<split>_tokens_per_second` when numTokens is given.
 */
export function speedMetrics(split: string, startMs: number, opts: { numSamples?: number; numSteps?: number; numTokens?: number } = {}): Record<string, number> {
  const runtime = (performance.now() - startMs) / 1000;
  const round = pyRound;
  const out: Record<string, number> = { [`${split}_runtime`]: round(runtime, 4) };
  if (runtime === 0) return out;
  if (opts.numSamples !== undefined) out[`${split}_samples_per_second`] = round(opts.numSamples / runtime, 3);
  if (opts.numSteps !== undefined) out[`${split}_steps_per_second`] = round(opts.numSteps / runtime, 3);
  if (opts.numTokens !== undefined) out[`${split}_tokens_per_second`] = round(opts.numTokens / runtime, 3);
  return out;
}

/**
 * Python's round(x, ndigits): rounds the double's exact decimal value, ties to even.  toFixed()
 * also rounds the exact value (Math.round(x * 1e4) would round the product's error instead) but
 * breaks ties upwards, so exact ties (x = ...d5 exactly, e.g. 0.03125) are settled here.
 */
export function pyRound(x: number, ndigits = 0): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  const exact = Math.abs(x).toFixed(100);
  const [int, frac] = exact.split('.') as [string, string];
  const isTie = frac[ndigits] === '5' && /^0*$/.test(frac.slice(ndigits + 1));
  if (!isTie) return Number(x.toFixed(ndigits));
  const kept = `${int}${frac.slice(0, ndigits)}`; // the truncated digits as one integer string
  const lastEven = Number(kept[kept.length - 1]) % 2 === 0;
  const digits = lastEven ? BigInt(kept) : BigInt(kept) + 1n;
  const s = digits.toString().padStart(ndigits + 1, '0');
  const v = Number(ndigits > 0 ? `${s.slice(0, -ndigits)}.${s.slice(-ndigits)}` : s);
  return x < 0 ? -v : v;
}
