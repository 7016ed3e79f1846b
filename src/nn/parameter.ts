// parameter.ts — how a tensor becomes a parameter (torch.nn.Parameter) and the Python-style
// formatting shared by the modules' reprs (so `toString()` reads like PyTorch's `repr`).
import { Tensor, keep, pyFloat } from '../torch/index.js';

/** Every tensor that parameter() has marked; Module discovery reads it. */
const PARAMETERS = new WeakSet<Tensor>();

/**
 * Marks `t` as a parameter and returns the same object (not a copy): it is keep()-ed, so no
 * tidy() scope ever frees it, its `requiresGrad` is set, and a Module that holds it in an own
 * property reports it from `namedParameters()` / `stateDict()`.  A design note: tunekit has no
 * `Parameter` subclass, because a Tensor wraps a native handle created by an op; a WeakSet
 * marker keeps `parameter(t)` free (no copy, no second handle) and `instanceof Tensor` true.
 * Tie weights by assigning the same object to two modules (`lmHead.weight = embed.weight`);
 * an `alias()` of a parameter is a different object and is not a parameter.
 * `t` must be a leaf (no autograd history): pass `t.detach()` otherwise.
 * @example this.weight = parameter(torch.zeros([out, inF]));
 */
export function parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`parameter(): expected a Tensor, got ${String(t)}`);
  if (!t.isLeaf) throw new TypeError(`parameter(): the tensor has autograd history (gradFn ${t.gradFn}); pass t.detach()`);
  keep(t);
  if (t.requiresGrad !== requiresGrad) t.requiresGrad_(requiresGrad);
  PARAMETERS.add(t);
  return t;
}

/** True when `t` was marked by parameter(). */
export function isParameter(t: unknown): boolean {
  return t instanceof Tensor && PARAMETERS.has(t);
}

// ---- Python-style formatting for extraRepr() ----

/** A number as Python's repr(float) writes it: `1e-05`, `0.1`, `1.0` (torch's serialization/pyjson.ts). */
export { pyFloat };
/** `True` / `False`. */
export const pyBool = (b: boolean): string => (b ? 'True' : 'False');
/** A shape as a Python tuple: `(4,)`, `(2, 3)`. */
export const pyTuple = (xs: readonly number[]): string => (xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`);
