// tensor.ts — the Tensor class: a handle to an at::Tensor plus PyTorch's method names
// (camelCase; in-place ops end in `_` and return `this`).  Shapes in comments use PyTorch's.
import { native as N, type Handle } from './native.js';
import { track, disposeTensor, keep as keepT, type Owned } from './scope.js';
import { dtypeCode, dtypeOf, typedArrayFor, DTYPES, type DType, type Device, type TypedArray } from './dtype.js';
import { TorchError } from './errors.js';
import type { Generator } from './generator.js';

type Dims = number | number[];
function dimsArg(d: Dims): number[];
function dimsArg(d: Dims | undefined): number[] | undefined;
function dimsArg(d: Dims | undefined): number[] | undefined { return d === undefined ? undefined : typeof d === 'number' ? [d] : d; }

/** Wraps a fresh native handle (null stays null). */
export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}
const wrapList = (hs: Handle[]): Tensor[] => hs.map((h) => new Tensor(h));

/**
 * @internal The handle of a tensor argument. Anything else (null, a number, a plain object) is a
 * TorchError naming the op and what was passed, instead of "Cannot read properties of null".
 */
export function hOf(t: Tensor): Handle {
  if (t instanceof Tensor) return t._h;
  throw notATensor(t);
}
/** @internal hOf for an optional argument: undefined and null pass as "absent". */
export function hOpt(t: Tensor | null | undefined): Handle | undefined {
  return t === undefined || t === null ? undefined : hOf(t);
}
function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  if (Array.isArray(v)) return `an array of length ${v.length} (make a tensor with torch.tensor(...))`;
  const name = (v as object).constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'a plain object';
}
function notATensor(v: unknown): TorchError {
  // The op is the caller of hOf/hOpt: read it off the stack (only on this error path).
  const frames = (new Error().stack ?? '').split('\n').slice(1).map((l) => /at (?:new )?([\w$.<>]+) /.exec(l)?.[1] ?? '');
  const caller = frames.find((f) => f && !/^(hOf|hOpt|notATensor|<anonymous>)$/.test(f) && !f.endsWith('.map')) ?? '';
  const op = caller.split('.').pop() || 'op'; // Tensor.matmul, Parameter.add, Module.cat -> the method
  return new TorchError(`${op}: expected a Tensor argument, got ${describe(v)}`, op);
}

export class Tensor implements Owned {
  /** @internal native handle, -1 once disposed */
  _h: Handle;
  /** @internal exempt from scopes */
  _kept = false;
  /** @internal registered with the GC safety net */
  _registered = false;

  /** @internal use the creation functions (tensor, zeros, ...) instead. */
  constructor(h: Handle) {
    this._h = h;
    track(this);
  }

  // ---- lifetime ----
  /** Frees the native tensor now; using it afterwards throws. */
  dispose(): void { disposeTensor(this); }
  [Symbol.dispose](): void { disposeTensor(this); }
  get isDisposed(): boolean { return this._h < 0; }
  /** Exempts this tensor from every tidy() scope. */
  keep(): this { return keepT(this); }

  // ---- metadata ----
  get shape(): number[] { return N.shape(this._h); }
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number { return dim === undefined ? this.shape : N.size(this._h, dim); }
  get ndim(): number { return N.dim(this._h); }
  dim(): number { return N.dim(this._h); }
  numel(): number { return N.numel(this._h); }
  get dtype(): DType { return dtypeOf(N.dtype(this._h)); }
  get device(): Device { return N.device(this._h) as Device; }
  stride(): number[] { return N.strides(this._h); }
  isContiguous(): boolean { return N.isContiguous(this._h); }
  toString(): string {
    if (this._h < 0) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device}${this.requiresGrad ? ', requiresGrad=true' : ''})`;
  }

  // ---- data out ----
  /**
   * One number from a one-element tensor.  A bool tensor gives a boolean at run time (as torch's
   * item()); the type stays `number` so that the common case (a loss, a count) needs no narrowing.
   */
  item(): number { return N.item(this._h) as number; }
  /** A flat copy in a typed array; float16/bfloat16 are converted to Float32Array, bool to Uint8Array. */
  toTypedArray(): TypedArray {
    const d = this.dtype;
    if (d === 'float16' || d === 'bfloat16') return this.to('float32').toTypedArray();
    return typedArrayFor(d, N.toBuffer(this._h));
  }
  /** The raw little-endian bytes of a contiguous CPU copy (what safetensors stores). */
  toBuffer(): ArrayBuffer { return N.toBuffer(this._h); }
  /** Zero-copy view of a contiguous CPU tensor's memory (raw bits for float16/bfloat16). */
  dataView(): TypedArray { return typedArrayFor(this.dtype, N.dataView(this._h)); }
  /** Nested JS arrays like torch's tolist(): int64 as numbers, bool as booleans. */
  toArray(): unknown {
    const flat = this.toTypedArray();
    const isBool = this.dtype === 'bool';
    const conv = (i: number): number | boolean => {
      const v = flat[i]!;
      return typeof v === 'bigint' ? Number(v) : isBool ? v !== 0 : v;
    };
    const shape = this.shape;
    if (shape.length === 0) return conv(0);
    let pos = 0;
    const build = (d: number): unknown[] => {
      const n = shape[d]!;
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? conv(pos++) : build(d + 1);
      return out;
    };
    return build(0);
  }

  // ---- conversion ----
  /** to(dtype), to(device) or to({dtype, device, copy}). */
  to(target: DType | Device | { dtype?: DType; device?: Device; copy?: boolean }): Tensor {
    if (typeof target === 'string') {
      if (target === 'cpu' || /^cuda(:\d+)?$/.test(target)) return wrap(N.to(this._h, undefined, target));
      if (!(DTYPES as readonly string[]).includes(target))
        throw new TorchError(`to('${target}'): '${target}' is neither a device (cpu, cuda, cuda:N) nor a dtype (${DTYPES.join(', ')})`, 'to');
      return wrap(N.to(this._h, dtypeCode(target as DType)));
    }
    return wrap(N.to(this._h, dtypeCode(target.dtype), target.device, target.copy ?? false));
  }
  cpu(): Tensor { return this.to('cpu'); }
  cuda(index = 0): Tensor { return this.to(`cuda:${index}`); }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }
  half(): Tensor { return this.to('float16'); }
  bfloat16(): Tensor { return this.to('bfloat16'); }
  clone(): Tensor { return wrap(N.clone(this._h)); }
  /** A second handle to this same tensor (same data and autograd identity). */
  alias(): Tensor { return wrap(N.alias(this._h)); }
  detach(): Tensor { return wrap(N.detach(this._h)); }
  detach_(): this { N.detach_(this._h); return this; }
  contiguous(): Tensor { return wrap(N.contiguous(this._h)); }
  copy_(src: Tensor): this { N.copy_(this._h, hOf(src)); return this; }
  fill_(v: number | boolean): this { N.fill_(this._h, v); return this; }
  zero_(): this { N.zero_(this._h); return this; }
  /**
   * Fills with U(a, b) in place: `uniform_(a, b)` or `uniform_({ a, b, generator })` (defaults
   * 0, 1, the default generator).  On a leaf that requires grad, call it under noGrad.
   */
  uniform_(a?: number | { a?: number; b?: number; generator?: Generator }, b = 1): this {
    if (typeof a === 'object' && a !== null) N.uniform_(this._h, a.a ?? 0, a.b ?? 1, a.generator?.native);
    else N.uniform_(this._h, a ?? 0, b);
    return this;
  }
  /**
   * Fills with N(mean, std^2) in place: `normal_(mean, std)` or `normal_({ mean, std, generator })`
   * (defaults 0, 1, the default generator).  On a leaf that requires grad, call it under noGrad.
   */
  normal_(mean?: number | { mean?: number; std?: number; generator?: Generator }, std = 1): this {
    if (typeof mean === 'object' && mean !== null) N.normal_(this._h, mean.mean ?? 0, mean.std ?? 1, mean.generator?.native);
    else N.normal_(this._h, mean ?? 0, std);
    return this;
  }
  /**
   * Makes this tensor hold `src`'s data (storage, shape, dtype, device) in place, as PyTorch's
   * `t.data = src`: the object, its handle and its autograd identity (a parameter an optimizer
   * holds) stay the same.  `src` is not consumed.
   */
  setData(src: Tensor): this { N.setData(this._h, hOf(src)); return this; }

  // ---- autograd ----
  get requiresGrad(): boolean { return N.requiresGrad(this._h); }
  set requiresGrad(v: boolean) { N.requiresGrad_(this._h, v); }
  requiresGrad_(v = true): this { N.requiresGrad_(this._h, v); return this; }
  get isLeaf(): boolean { return N.isLeaf(this._h); }
  /** The counter every in-place write to this tensor's data bumps (torch's `t._version`): a copy made at version v is stale once it differs. */
  get _version(): number { return N.version(this._h); }
  /** Name of the autograd node that made this tensor (e.g. `AddBackward0`), or null. */
  get gradFn(): string | null { return N.gradFn(this._h); }
  /** A fresh handle to the accumulated gradient (owned by the current scope), or null. */
  get grad(): Tensor | null {
    const h = N.grad(this._h);
    return h === null ? null : wrap(h);
  }
  set grad(g: Tensor | null) { N.setGrad(this._h, g === null ? null : hOf(g)); }
  retainGrad(): this { N.retainGrad(this._h); return this; }
  /** Backpropagates from this tensor (a scalar unless `gradient` is given). */
  backward(gradient?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    N.backward(this._h, hOpt(gradient), opts.retainGraph, opts.createGraph ?? false);
  }

  // ---- pointwise (second operand a tensor or a number) ----
  add(o: Tensor | number, alpha?: number): Tensor { return wrap(typeof o === 'number' ? N.addS(this._h, o, alpha) : N.add(this._h, hOf(o), alpha)); }
  sub(o: Tensor | number, alpha?: number): Tensor { return wrap(typeof o === 'number' ? N.subS(this._h, o, alpha) : N.sub(this._h, hOf(o), alpha)); }
  mul(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.mulS(this._h, o) : N.mul(this._h, hOf(o))); }
  div(o: Tensor | number, roundingMode?: 'trunc' | 'floor'): Tensor { return wrap(typeof o === 'number' ? N.divS(this._h, o, roundingMode) : N.div(this._h, hOf(o), roundingMode)); }
  pow(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.powS(this._h, o) : N.pow(this._h, hOf(o))); }
  /** x - this, for a number x. */
  rsub(x: number): Tensor { return wrap(N.rsubS(this._h, x)); }
  remainder(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.remainderS(this._h, o) : N.remainder(this._h, hOf(o))); }
  fmod(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.fmodS(this._h, o) : N.fmod(this._h, hOf(o))); }
  add_(o: Tensor | number, alpha?: number): this { if (typeof o === 'number') N.addS_(this._h, o, alpha); else N.add_(this._h, hOf(o), alpha); return this; }
  sub_(o: Tensor | number, alpha?: number): this { if (typeof o === 'number') N.subS_(this._h, o, alpha); else N.sub_(this._h, hOf(o), alpha); return this; }
  mul_(o: Tensor | number): this { if (typeof o === 'number') N.mulS_(this._h, o); else N.mul_(this._h, hOf(o)); return this; }
  div_(o: Tensor | number): this { if (typeof o === 'number') N.divS_(this._h, o); else N.div_(this._h, hOf(o)); return this; }
  pow_(o: Tensor | number): this { if (typeof o === 'number') N.powS_(this._h, o); else N.pow_(this._h, hOf(o)); return this; }
  eq(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.eqS(this._h, o) : N.eq(this._h, hOf(o))); }
  ne(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.neS(this._h, o) : N.ne(this._h, hOf(o))); }
  lt(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.ltS(this._h, o) : N.lt(this._h, hOf(o))); }
  le(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.leS(this._h, o) : N.le(this._h, hOf(o))); }
  gt(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.gtS(this._h, o) : N.gt(this._h, hOf(o))); }
  ge(o: Tensor | number): Tensor { return wrap(typeof o === 'number' ? N.geS(this._h, o) : N.ge(this._h, hOf(o))); }
  maximum(o: Tensor): Tensor { return wrap(N.maximum(this._h, hOf(o))); }
  minimum(o: Tensor): Tensor { return wrap(N.minimum(this._h, hOf(o))); }
  logicalAnd(o: Tensor): Tensor { return wrap(N.logicalAnd(this._h, hOf(o))); }
  logicalOr(o: Tensor): Tensor { return wrap(N.logicalOr(this._h, hOf(o))); }
  logicalNot(): Tensor { return wrap(N.logicalNot(this._h)); }
  logicalXor(o: Tensor): Tensor { return wrap(N.logicalXor(this._h, hOf(o))); }
  /** Bitwise and/or of integer or bool tensors. */
  bitwiseAnd(o: Tensor): Tensor { return wrap(N.bitwiseAnd(this._h, hOf(o))); }
  bitwiseOr(o: Tensor): Tensor { return wrap(N.bitwiseOr(this._h, hOf(o))); }
  /** Elementwise atan2(this, other): the angle of (other, this). */
  atan2(o: Tensor): Tensor { return wrap(N.atan2(this._h, hOf(o))); }
  neg(): Tensor { return wrap(N.neg(this._h)); }
  abs(): Tensor { return wrap(N.abs(this._h)); }
  exp(): Tensor { return wrap(N.exp(this._h)); }
  log(): Tensor { return wrap(N.log(this._h)); }
  log1p(): Tensor { return wrap(N.log1p(this._h)); }
  log2(): Tensor { return wrap(N.log2(this._h)); }
  expm1(): Tensor { return wrap(N.expm1(this._h)); }
  sqrt(): Tensor { return wrap(N.sqrt(this._h)); }
  rsqrt(): Tensor { return wrap(N.rsqrt(this._h)); }
  sin(): Tensor { return wrap(N.sin(this._h)); }
  cos(): Tensor { return wrap(N.cos(this._h)); }
  tanh(): Tensor { return wrap(N.tanh(this._h)); }
  sigmoid(): Tensor { return wrap(N.sigmoid(this._h)); }
  relu(): Tensor { return wrap(N.relu(this._h)); }
  silu(): Tensor { return wrap(N.silu(this._h)); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return wrap(N.gelu(this._h, approximate)); }
  sign(): Tensor { return wrap(N.sign(this._h)); }
  floor(): Tensor { return wrap(N.floor(this._h)); }
  ceil(): Tensor { return wrap(N.ceil(this._h)); }
  round(): Tensor { return wrap(N.round(this._h)); }
  trunc(): Tensor { return wrap(N.trunc(this._h)); }
  reciprocal(): Tensor { return wrap(N.reciprocal(this._h)); }
  square(): Tensor { return wrap(N.square(this._h)); }
  erf(): Tensor { return wrap(N.erf(this._h)); }
  isnan(): Tensor { return wrap(N.isnan(this._h)); }
  isinf(): Tensor { return wrap(N.isinf(this._h)); }
  isfinite(): Tensor { return wrap(N.isfinite(this._h)); }
  /** NaN -> nan (0), +Inf -> posinf, -Inf -> neginf (default: the dtype's largest finite values). */
  nanToNum(opts: { nan?: number; posinf?: number; neginf?: number } = {}): Tensor { return wrap(N.nanToNum(this._h, opts.nan, opts.posinf, opts.neginf)); }
  exp_(): this { N.exp_(this._h); return this; }
  neg_(): this { N.neg_(this._h); return this; }
  sqrt_(): this { N.sqrt_(this._h); return this; }
  relu_(): this { N.relu_(this._h); return this; }
  sigmoid_(): this { N.sigmoid_(this._h); return this; }
  tanh_(): this { N.tanh_(this._h); return this; }
  /** clamp(min, max): numbers, tensors, or null/undefined for no bound. */
  clamp(min?: number | Tensor | null, max?: number | Tensor | null): Tensor {
    if (min instanceof Tensor || max instanceof Tensor) {
      const lo = min instanceof Tensor ? hOf(min) : min ?? null;
      const hi = max instanceof Tensor ? hOf(max) : max ?? null;
      if (typeof lo === 'number' && !(min instanceof Tensor)) throw new TypeError('clamp: give both bounds as tensors or both as numbers');
      if (typeof hi === 'number' && !(max instanceof Tensor)) throw new TypeError('clamp: give both bounds as tensors or both as numbers');
      return wrap(N.clampT(this._h, lo, hi));
    }
    return wrap(N.clamp(this._h, min ?? null, max ?? null));
  }
  clamp_(min?: number | null, max?: number | null): this { N.clamp_(this._h, min ?? null, max ?? null); return this; }
  lerp(end: Tensor, weight: Tensor | number): Tensor { return wrap(typeof weight === 'number' ? N.lerpS(this._h, hOf(end), weight) : N.lerp(this._h, hOf(end), hOf(weight))); }
  addcmul(a: Tensor, b: Tensor, value = 1): Tensor { return wrap(N.addcmul(this._h, hOf(a), hOf(b), value)); }
  addcdiv(a: Tensor, b: Tensor, value = 1): Tensor { return wrap(N.addcdiv(this._h, hOf(a), hOf(b), value)); }
  addcmul_(a: Tensor, b: Tensor, value = 1): this { N.addcmul_(this._h, hOf(a), hOf(b), value); return this; }
  addcdiv_(a: Tensor, b: Tensor, value = 1): this { N.addcdiv_(this._h, hOf(a), hOf(b), value); return this; }
  /** where(cond, this, other) in method form: this where cond, else other. */
  where(cond: Tensor, other: Tensor | number): Tensor { return wrap(typeof other === 'number' ? N.whereTS(hOf(cond), this._h, other) : N.where(hOf(cond), this._h, hOf(other))); }

  // ---- reductions ----
  sum(dim?: Dims, keepdim = false, opts: { dtype?: DType } = {}): Tensor { return wrap(N.sum(this._h, dimsArg(dim), keepdim, dtypeCode(opts.dtype))); }
  mean(dim?: Dims, keepdim = false, opts: { dtype?: DType } = {}): Tensor { return wrap(N.mean(this._h, dimsArg(dim), keepdim, dtypeCode(opts.dtype))); }
  prod(dim?: number, keepdim = false): Tensor { return wrap(N.prod(this._h, dim, keepdim)); }
  /** max() over all elements; max(dim) gives {values, indices}. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  max(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(N.max(this._h));
    const [v, i] = wrapList(N.maxDim(this._h, dim, keepdim));
    return { values: v!, indices: i! };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): { values: Tensor; indices: Tensor };
  min(dim?: number, keepdim = false): Tensor | { values: Tensor; indices: Tensor } {
    if (dim === undefined) return wrap(N.min(this._h));
    const [v, i] = wrapList(N.minDim(this._h, dim, keepdim));
    return { values: v!, indices: i! };
  }
  amax(dim?: Dims, keepdim = false): Tensor { return wrap(N.amax(this._h, dimsArg(dim), keepdim)); }
  amin(dim?: Dims, keepdim = false): Tensor { return wrap(N.amin(this._h, dimsArg(dim), keepdim)); }
  argmax(dim?: number, keepdim = false): Tensor { return wrap(N.argmax(this._h, dim, keepdim)); }
  argmin(dim?: number, keepdim = false): Tensor { return wrap(N.argmin(this._h, dim, keepdim)); }
  /** var/std with Bessel's correction by default (unbiased), as torch. */
  var(dim?: Dims, opts: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor { return wrap(N.var(this._h, dimsArg(dim), opts.unbiased ?? true, opts.keepdim ?? false)); }
  std(dim?: Dims, opts: { unbiased?: boolean; keepdim?: boolean } = {}): Tensor { return wrap(N.std(this._h, dimsArg(dim), opts.unbiased ?? true, opts.keepdim ?? false)); }
  logsumexp(dim: Dims, keepdim = false): Tensor { return wrap(N.logsumexp(this._h, dimsArg(dim), keepdim)); }
  norm(p = 2, dim?: Dims, keepdim = false): Tensor { return wrap(N.norm(this._h, p, dimsArg(dim), keepdim)); }
  all(dim?: number, keepdim = false): Tensor { return wrap(N.all(this._h, dim, keepdim)); }
  any(dim?: number, keepdim = false): Tensor { return wrap(N.any(this._h, dim, keepdim)); }
  cumsum(dim: number, opts: { dtype?: DType } = {}): Tensor { return wrap(N.cumsum(this._h, dim, dtypeCode(opts.dtype))); }
  cumprod(dim: number, opts: { dtype?: DType } = {}): Tensor { return wrap(N.cumprod(this._h, dim, dtypeCode(opts.dtype))); }
  /** Number of non-zero elements (int64), over everything or along dim. */
  countNonzero(dim?: number): Tensor { return wrap(N.countNonzero(this._h, dim)); }
  topk(k: number, dim = -1, largest = true, sorted = true): { values: Tensor; indices: Tensor } {
    const [v, i] = wrapList(N.topk(this._h, k, dim, largest, sorted));
    return { values: v!, indices: i! };
  }
  sort(dim = -1, descending = false, stable = false): { values: Tensor; indices: Tensor } {
    const [v, i] = wrapList(N.sort(this._h, dim, descending, stable));
    return { values: v!, indices: i! };
  }
  argsort(dim = -1, descending = false): Tensor { return wrap(N.argsort(this._h, dim, descending)); }

  // ---- shape and indexing ----
  view(...shape: number[]): Tensor { return wrap(N.view(this._h, shape)); }
  reshape(...shape: number[]): Tensor { return wrap(N.reshape(this._h, shape)); }
  flatten(startDim = 0, endDim = -1): Tensor { return wrap(N.flatten(this._h, startDim, endDim)); }
  unflatten(dim: number, sizes: number[]): Tensor { return wrap(N.unflatten(this._h, dim, sizes)); }
  unsqueeze(dim: number): Tensor { return wrap(N.unsqueeze(this._h, dim)); }
  squeeze(dim?: number): Tensor { return wrap(N.squeeze(this._h, dim)); }
  permute(...dims: number[]): Tensor { return wrap(N.permute(this._h, dims)); }
  transpose(d0: number, d1: number): Tensor { return wrap(N.transpose(this._h, d0, d1)); }
  /** Transpose of a 2-D tensor. */
  get T(): Tensor { return this.transpose(0, 1); }
  expand(...shape: number[]): Tensor { return wrap(N.expand(this._h, shape)); }
  expandAs(o: Tensor): Tensor { return this.expand(...o.shape); }
  repeat(...times: number[]): Tensor { return wrap(N.repeat(this._h, times)); }
  repeatInterleave(repeats: number, dim?: number): Tensor { return wrap(N.repeatInterleave(this._h, repeats, dim)); }
  split(sizeOrSections: number | number[], dim = 0): Tensor[] { return wrapList(N.split(this._h, sizeOrSections, dim)); }
  chunk(chunks: number, dim = 0): Tensor[] { return wrapList(N.chunk(this._h, chunks, dim)); }
  unbind(dim = 0): Tensor[] { return wrapList(N.unbind(this._h, dim)); }
  narrow(dim: number, start: number, length: number): Tensor { return wrap(N.narrow(this._h, dim, start, length)); }
  select(dim: number, index: number): Tensor { return wrap(N.select(this._h, dim, index)); }
  /** Python's t[..., start:end:step] along `dim` (null = open end). */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor { return wrap(N.slice(this._h, dim, start, end, step)); }
  /** Advanced indexing t[i0, i1, ...] with index tensors (null = ':'). */
  index(indices: (Tensor | null)[]): Tensor { return wrap(N.index(this._h, indices.map((t) => (t ? hOf(t) : null)))); }
  indexSelect(dim: number, index: Tensor): Tensor { return wrap(N.indexSelect(this._h, dim, hOf(index))); }
  gather(dim: number, index: Tensor): Tensor { return wrap(N.gather(this._h, dim, hOf(index))); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return wrap(typeof src === 'number' ? N.scatterS(this._h, dim, hOf(index), src) : N.scatter(this._h, dim, hOf(index), hOf(src))); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return wrap(N.scatterAdd(this._h, dim, hOf(index), hOf(src))); }
  indexAdd(dim: number, index: Tensor, src: Tensor): Tensor { return wrap(N.indexAdd(this._h, dim, hOf(index), hOf(src))); }
  maskedFill(mask: Tensor, value: number | Tensor): Tensor { return wrap(typeof value === 'number' ? N.maskedFill(this._h, hOf(mask), value) : N.maskedFillT(this._h, hOf(mask), hOf(value))); }
  maskedFill_(mask: Tensor, value: number): this { N.maskedFill_(this._h, hOf(mask), value); return this; }
  /** In place: the entries at `index` (1-D int64) along `dim` set to `value` (torch index_fill_). */
  indexFill_(dim: number, index: Tensor, value: number): this { N.indexFill_(this._h, dim, hOf(index), value); return this; }
  maskedSelect(mask: Tensor): Tensor { return wrap(N.maskedSelect(this._h, hOf(mask))); }
  nonzero(): Tensor { return wrap(N.nonzero(this._h)); }
  triu(diagonal = 0): Tensor { return wrap(N.triu(this._h, diagonal)); }
  tril(diagonal = 0): Tensor { return wrap(N.tril(this._h, diagonal)); }
  flip(dims: number[]): Tensor { return wrap(N.flip(this._h, dims)); }
  roll(shifts: number[], dims: number[]): Tensor { return wrap(N.roll(this._h, shifts, dims)); }

  // ---- linear algebra ----
  matmul(o: Tensor): Tensor { return wrap(N.matmul(this._h, hOf(o))); }
  mm(o: Tensor): Tensor { return wrap(N.mm(this._h, hOf(o))); }
  bmm(o: Tensor): Tensor { return wrap(N.bmm(this._h, hOf(o))); }
  dot(o: Tensor): Tensor { return wrap(N.dot(this._h, hOf(o))); }
  softmax(dim: number, opts: { dtype?: DType } = {}): Tensor { return wrap(N.softmax(this._h, dim, dtypeCode(opts.dtype))); }
  logSoftmax(dim: number, opts: { dtype?: DType } = {}): Tensor { return wrap(N.logSoftmax(this._h, dim, dtypeCode(opts.dtype))); }
}

/** @internal */
export { wrapList };
