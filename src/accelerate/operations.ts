// operations.ts — accelerate/utils/operations.py: gather, gather_object, pad_across_processes
// and reduce over the default process group, applied to a tensor or to nested arrays / plain
// objects of tensors (recursively_apply).  With one process they return the input (gather,
// pad) or a copy (reduce), as accelerate does when no distributed type is set.
import { Tensor, cat, full, tensor, tidy, zeros } from '../torch/index.js';
import { allGatherObject, getGroup, getWorldSize } from '../distributed/index.js';

/** A tensor, or arrays / plain objects nesting tensors (accelerate's "nested list/tuple/dictionary"). */
export type Nested = Tensor | readonly Nested[] | { readonly [k: string]: Nested };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const p = Object.getPrototypeOf(x);
  return p === Object.prototype || p === null;
}

/** recursively_apply(error_on_other_type=True): `f` on every tensor, the structure kept. */
export function recursivelyApply<T extends Nested>(f: (t: Tensor) => Tensor, data: T, what: string, path = 'input'): T {
  if (data instanceof Tensor) return f(data) as T;
  if (Array.isArray(data)) return data.map((d, i) => recursivelyApply(f, d as Nested, what, `${path}[${i}]`)) as unknown as T;
  if (isPlainObject(data)) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, recursivelyApply(f, v as Nested, what, `${path}.${k}`)])) as T;
  throw new TypeError(`${what}: ${path} is ${data === null ? 'null' : typeof data}, not a Tensor (only nested arrays / plain objects of tensors are supported)`);
}

/** Whether `data` holds only tensors (so gather_for_metrics gathers tensors, not objects). */
export function allTensors(data: unknown): boolean {
  if (data instanceof Tensor) return true;
  if (Array.isArray(data)) return data.length > 0 && data.every(allTensors);
  if (isPlainObject(data)) return Object.values(data).length > 0 && Object.values(data).every(allTensors);
  return false;
}

/**
 * accelerate's gather: every process's tensor, concatenated on dim 0 in process order (a 0-d
 * tensor becomes a vector of numProcesses).  Shapes must be equal on every process: pad with
 * {@link padAcrossProcesses} first when they differ.  One process: the tensor itself.
 */
export function gather<T extends Nested>(data: T): T {
  const w = getWorldSize();
  if (w === 1) return data;
  const g = getGroup();
  return recursivelyApply((t) => tidy(() => {
    const x = t.ndim === 0 ? t.reshape(1) : t.contiguous();
    const outs = Array.from({ length: w }, () => zeros(x.shape, { dtype: x.dtype, device: x.device }));
    g.allGather(outs, x);
    return cat(outs, 0);
  }), data, 'gather');
}

/**
 * accelerate's gather_object: JSON values from every process, in process order; an array from
 * each process is concatenated (as accelerate flattens the gathered lists), anything else listed.
 */
export function gatherObject<T>(value: T | T[]): T[] {
  if (getWorldSize() === 1) return Array.isArray(value) ? [...value] : [value];
  const all = allGatherObject(value);
  return all.flatMap((v) => (Array.isArray(v) ? v : [v])) as T[];
}

/** Options of {@link padAcrossProcesses}, accelerate's names. */
export interface PadOptions {
  /** the dimension to pad (default 0; negative counts from the end) */
  dim?: number;
  /** the padding value (default 0) */
  pad_index?: number;
  /** pad at the start instead of the end (default false) */
  pad_first?: boolean;
}

/**
 * accelerate's pad_across_processes: every tensor padded along `dim` to the largest size any
 * process has there, with `pad_index`, so the tensors can be gathered.  A tensor already at the
 * largest size, or with fewer dims than `dim`, comes back as is.
 */
export function padAcrossProcesses<T extends Nested>(data: T, opts: PadOptions = {}): T {
  const dim0 = opts.dim ?? 0, padIndex = opts.pad_index ?? 0, padFirst = opts.pad_first ?? false;
  if (!Number.isInteger(dim0)) throw new TypeError(`padAcrossProcesses: dim must be an integer, got ${dim0}`);
  return recursivelyApply((t) => {
    const nd = t.ndim;
    if (dim0 >= nd || dim0 < -nd) return t;
    const dim = dim0 < 0 ? dim0 + nd : dim0;
    const shape = t.shape;
    const sizes = getWorldSize() === 1 ? [shape] : gatherObject<number[]>([shape]);
    if (sizes.some((s) => s.length !== nd)) throw new RangeError(`padAcrossProcesses: the tensors have different numbers of dims on the processes (${sizes.map((s) => `[${s}]`).join(' vs ')})`);
    const max = Math.max(...sizes.map((s) => s[dim]!));
    if (max === shape[dim]) return t;
    return tidy(() => {
      const out = full(shape.map((s, i) => (i === dim ? max : s)), padIndex, { dtype: t.dtype, device: t.device });
      out.narrow(dim, padFirst ? max - shape[dim]! : 0, shape[dim]!).copy_(t);
      return out;
    });
  }, data, 'padAcrossProcesses');
}

/** What {@link reduce} does: accelerate's 'sum', 'mean', 'max' or 'none'. */
export type Reduction = 'sum' | 'mean' | 'max' | 'none';

/**
 * accelerate's reduce: a copy of each tensor reduced over the processes (all get the result);
 * 'mean' is the sum divided by numProcesses afterwards, as accelerate does.
 */
export function reduce<T extends Nested>(data: T, reduction: Reduction = 'mean'): T {
  if (!['sum', 'mean', 'max', 'none'].includes(reduction)) throw new RangeError(`reduce: reduction must be 'sum', 'mean', 'max' or 'none', got '${String(reduction)}'`);
  const w = getWorldSize();
  return recursivelyApply((t) => tidy(() => {
    const c = t.clone();
    if (w === 1 || reduction === 'none') return c;
    getGroup().allReduce(c, reduction === 'max' ? 'max' : 'sum');
    return reduction === 'mean' ? c.div(w) : c;
  }), data, 'reduce');
}

/** A number reduced over the processes (a convenience for logging host values). */
export function reduceNumber(x: number, reduction: Reduction = 'mean'): number {
  if (getWorldSize() === 1) return x;
  return tidy(() => reduce(tensor([x], { dtype: 'float64' }), reduction).item());
}
