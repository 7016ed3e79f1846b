// ops.ts — torch.* functions that take several tensors (cat, stack, where, einsum, ...) and
// function forms of common methods.
import { native as N } from './native.js';
import { Tensor, wrap, hOf } from './tensor.js';

export function cat(tensors: Tensor[], dim = 0): Tensor { return wrap(N.cat(tensors.map((t) => hOf(t)), dim)); }
export function stack(tensors: Tensor[], dim = 0): Tensor { return wrap(N.stack(tensors.map((t) => hOf(t)), dim)); }
/** Elementwise select: a where cond is true, else b (either may be a number). */
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number') return wrap(typeof b === 'number' ? N.whereSS(hOf(cond), a, b) : N.whereST(hOf(cond), a, hOf(b)));
  return wrap(typeof b === 'number' ? N.whereTS(hOf(cond), hOf(a), b) : N.where(hOf(cond), hOf(a), hOf(b)));
}
export function matmul(a: Tensor, b: Tensor): Tensor { return wrap(N.matmul(hOf(a), hOf(b))); }
export function bmm(a: Tensor, b: Tensor): Tensor { return wrap(N.bmm(hOf(a), hOf(b))); }
export function mm(a: Tensor, b: Tensor): Tensor { return wrap(N.mm(hOf(a), hOf(b))); }
export function outer(a: Tensor, b: Tensor): Tensor { return wrap(N.outer(hOf(a), hOf(b))); }
/** beta * input + alpha * (a @ b) */
export function addmm(input: Tensor, a: Tensor, b: Tensor, opts: { beta?: number; alpha?: number } = {}): Tensor {
  return wrap(N.addmm(hOf(input), hOf(a), hOf(b), opts.beta ?? 1, opts.alpha ?? 1));
}
export function baddbmm(input: Tensor, a: Tensor, b: Tensor, opts: { beta?: number; alpha?: number } = {}): Tensor {
  return wrap(N.baddbmm(hOf(input), hOf(a), hOf(b), opts.beta ?? 1, opts.alpha ?? 1));
}
/** einsum('bij,bjk->bik', a, b) */
export function einsum(equation: string, ...operands: Tensor[]): Tensor { return wrap(N.einsum(equation, operands.map((t) => hOf(t)))); }
export function maximum(a: Tensor, b: Tensor): Tensor { return a.maximum(b); }
export function minimum(a: Tensor, b: Tensor): Tensor { return a.minimum(b); }
/** x ** t for a number base. */
export function powScalar(base: number, exponent: Tensor): Tensor { return wrap(N.powScalarBase(base, hOf(exponent))); }
export function triu(t: Tensor, diagonal = 0): Tensor { return t.triu(diagonal); }
export function tril(t: Tensor, diagonal = 0): Tensor { return t.tril(diagonal); }
export function allclose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean { return N.allclose(hOf(a), hOf(b), rtol, atol); }
/** Same shape and exactly the same values. */
export function equal(a: Tensor, b: Tensor): boolean { return N.equal(hOf(a), hOf(b)); }
export function setNumThreads(n: number): void { N.setNumThreads(n); }
export function getNumThreads(): number { return N.getNumThreads(); }
/** libtorch's version, e.g. `1.13.0`. */
export function version(): string { return N.torchVersion(); }
