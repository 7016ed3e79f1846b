// creation.ts — torch.tensor / zeros / ones / full / arange / linspace / eye / rand* and the
// `*Like` forms.  Data enters native memory in one copy from a typed array or ArrayBuffer.
import { native as N } from './native.js';
import { Tensor, wrap, hOf } from './tensor.js';
import { dtypeCode, ELEMENT_SIZE, type DType, type Device, type TypedArray } from './dtype.js';
import { Generator } from './generator.js';

export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
export interface RandomOptions extends TensorOptions {
  generator?: Generator;
}

function finish(t: Tensor, o: TensorOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

type Nested = number | boolean | Nested[];

function typedDtype(a: TypedArray | Uint16Array): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  throw new TypeError(`tensor(): unsupported typed array ${a.constructor.name} (Uint16Array needs frombuffer with dtype float16/bfloat16)`);
}

/** Shape of a nested array; throws on ragged input. */
function nestedShape(data: Nested, path = 'data'): number[] {
  if (!Array.isArray(data)) return [];
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0]!, `${path}[0]`);
  for (let i = 1; i < data.length; i++) {
    const s = nestedShape(data[i]!, `${path}[${i}]`);
    if (s.length !== inner.length || s.some((v, k) => v !== inner[k]))
      throw new TypeError(`tensor(): ragged nested array: ${path}[${i}] has shape [${s}] but ${path}[0] has [${inner}]`);
  }
  return [data.length, ...inner];
}

/**
 * Makes a tensor from a number, boolean, nested array or typed array (copied once).
 * Inferred dtype: numbers -> float32 (JS cannot tell 3.0 from 3, so unlike Python an
 * all-integer list is NOT int64: pass `{ dtype: 'int64' }` for ids and labels), booleans ->
 * bool; typed arrays keep their element type (BigInt64Array -> int64).
 * @example tensor([[1, 2], [3, 4]], { dtype: 'float32' })
 */
export function tensor(data: Nested | TypedArray, opts: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const src = typedDtype(data as TypedArray);
    const shape = opts.shape ?? [(data as TypedArray).length];
    let t = wrap(N.fromBuffer(data, dtypeCode(src), shape, undefined));
    if ((opts.dtype && opts.dtype !== src) || (opts.device && opts.device !== 'cpu')) t = t.to({ dtype: opts.dtype ?? src, device: opts.device ?? 'cpu' });
    return finish(t, opts);
  }
  const shape = nestedShape(data);
  const flat = (Array.isArray(data) ? (data as unknown[]).flat(Infinity) : [data]) as (number | boolean)[];
  let kind: DType = 'float32';
  if (flat.length && flat.every((v) => typeof v === 'boolean')) kind = 'bool';
  for (const v of flat)
    if (typeof v !== 'number' && typeof v !== 'boolean') throw new TypeError(`tensor(): element ${String(v)} is not a number or boolean`);
  if (opts.dtype && opts.dtype.startsWith('int') || opts.dtype === 'uint8')
    for (const v of flat)
      if (typeof v === 'number' && !Number.isInteger(v)) throw new TypeError(`tensor(): ${v} is not an integer but dtype is ${opts.dtype}`);
  const dtype = opts.dtype ?? kind;
  let buf: TypedArray;
  let bufType: DType = dtype;
  switch (dtype) {
    case 'float32': buf = Float32Array.from(flat as number[], Number); break;
    case 'int64': buf = BigInt64Array.from(flat as number[], (v) => BigInt(Math.trunc(Number(v)))); break;
    case 'int32': buf = Int32Array.from(flat as number[], Number); break;
    case 'int16': buf = Int16Array.from(flat as number[], Number); break;
    case 'int8': buf = Int8Array.from(flat as number[], Number); break;
    case 'uint8': case 'bool': buf = Uint8Array.from(flat as number[], (v) => Number(v)); break;
    default: buf = Float64Array.from(flat as number[], Number); bufType = 'float64'; // float64 and, via to(), float16/bfloat16
  }
  let t = wrap(N.fromBuffer(buf, dtypeCode(bufType), shape, undefined));
  if (bufType !== dtype || (opts.device && opts.device !== 'cpu')) t = t.to({ dtype, device: opts.device ?? 'cpu' });
  return finish(t, opts);
}

/**
 * Interprets raw little-endian bytes as a tensor of `dtype` and `shape` (one memcpy).
 * The byte length must equal numel * element size.
 */
export function frombuffer(bytes: ArrayBuffer | ArrayBufferView, opts: { dtype: DType; shape: number[]; device?: Device }): Tensor {
  return wrap(N.fromBuffer(bytes, dtypeCode(opts.dtype), opts.shape, opts.device));
}
export { ELEMENT_SIZE };

export function zeros(shape: number[], o: TensorOptions = {}): Tensor { return finish(wrap(N.zeros(shape, dtypeCode(o.dtype), o.device)), o); }
export function ones(shape: number[], o: TensorOptions = {}): Tensor { return finish(wrap(N.ones(shape, dtypeCode(o.dtype), o.device)), o); }
export function empty(shape: number[], o: TensorOptions = {}): Tensor { return finish(wrap(N.empty(shape, dtypeCode(o.dtype), o.device)), o); }
/** full(shape, value): dtype from the value (int64 / float32 / bool) unless given. */
export function full(shape: number[], value: number | boolean, o: TensorOptions = {}): Tensor { return finish(wrap(N.full(shape, value, dtypeCode(o.dtype), o.device)), o); }
/** A 0-d tensor holding `value`; float32 unless `dtype` is given (as torch.scalar_tensor, even for 3 or true). */
export function scalarTensor(value: number | boolean, o: TensorOptions = {}): Tensor { return finish(wrap(N.scalarTensor(value, dtypeCode(o.dtype ?? 'float32'), o.device)), o); }
/** arange(end) or arange(start, end, step): int64 when all arguments are integers. */
export function arange(startOrEnd: number, end?: number, step = 1, o: TensorOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  return finish(wrap(N.arange(s, e, step, dtypeCode(o.dtype), o.device)), o);
}
export function linspace(start: number, end: number, steps: number, o: TensorOptions = {}): Tensor { return finish(wrap(N.linspace(start, end, steps, dtypeCode(o.dtype), o.device)), o); }
export function eye(n: number, m = n, o: TensorOptions = {}): Tensor { return finish(wrap(N.eye(n, m, dtypeCode(o.dtype), o.device)), o); }
export function rand(shape: number[], o: RandomOptions = {}): Tensor { return finish(wrap(N.rand(shape, dtypeCode(o.dtype), o.device, o.generator?.native)), o); }
export function randn(shape: number[], o: RandomOptions = {}): Tensor { return finish(wrap(N.randn(shape, dtypeCode(o.dtype), o.device, o.generator?.native)), o); }
/** Integers uniformly in [low, high). */
export function randint(low: number, high: number, shape: number[], o: RandomOptions = {}): Tensor { return finish(wrap(N.randint(low, high, shape, dtypeCode(o.dtype), o.device, o.generator?.native)), o); }
export function randperm(n: number, o: RandomOptions = {}): Tensor { return wrap(N.randperm(n, dtypeCode(o.dtype), o.device, o.generator?.native)); }
export function zerosLike(t: Tensor, o: TensorOptions = {}): Tensor { return finish(wrap(N.zerosLike(hOf(t), dtypeCode(o.dtype))), o); }
export function onesLike(t: Tensor, o: TensorOptions = {}): Tensor { return finish(wrap(N.onesLike(hOf(t), dtypeCode(o.dtype))), o); }
export function emptyLike(t: Tensor, o: TensorOptions = {}): Tensor { return finish(wrap(N.emptyLike(hOf(t), dtypeCode(o.dtype))), o); }
export function fullLike(t: Tensor, value: number | boolean, o: TensorOptions = {}): Tensor { return finish(wrap(N.fullLike(hOf(t), value, dtypeCode(o.dtype))), o); }
export function randLike(t: Tensor, o: RandomOptions = {}): Tensor { return finish(wrap(N.randLike(hOf(t), dtypeCode(o.dtype), o.generator?.native)), o); }
export function randnLike(t: Tensor, o: RandomOptions = {}): Tensor { return finish(wrap(N.randnLike(hOf(t), dtypeCode(o.dtype), o.generator?.native)), o); }
export function bernoulli(p: Tensor, o: { generator?: Generator } = {}): Tensor { return wrap(N.bernoulli(hOf(p), o.generator?.native)); }
export function multinomial(probs: Tensor, numSamples: number, replacement = false, o: { generator?: Generator } = {}): Tensor {
  return wrap(N.multinomial(hOf(probs), numSamples, replacement, o.generator?.native));
}
