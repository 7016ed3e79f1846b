// gradcheck.ts — torch.autograd.gradcheck for tunekit: the full Jacobian from autograd (one
// backward per output element) against central finite differences (two forward passes per
// input element), in float64.
import { AssertionError } from 'node:assert';
import * as torch from '../src/torch/index.js';
import type { Tensor } from '../src/torch/index.js';

export interface GradcheckOptions {
  /** Finite-difference step. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Prefix of the failure message. */
  name?: string;
}

const isFloat = (t: Tensor): boolean => t.dtype === 'float64' || t.dtype === 'float32';
const list = (r: Tensor | Tensor[]): Tensor[] => (Array.isArray(r) ? r : [r]);

/**
 * Checks d out / d x for every output element and every element of every input that requires
 * grad: |autograd - numerical| <= atol + rtol * |numerical|.  Inputs that require grad must be
 * contiguous float64 CPU leaves (they are perturbed in place through dataView()); the others
 * (indices, masks, targets) are passed through unchanged.  Throws an AssertionError naming the
 * worst element.
 */
export function gradcheck(fn: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const eps = opts.eps ?? 1e-6, atol = opts.atol ?? 1e-5, rtol = opts.rtol ?? 1e-3;
  const name = opts.name ?? 'gradcheck';
  const diff = inputs.filter((x) => x.requiresGrad);
  if (!diff.length) throw new TypeError(`${name}: no input requires grad`);
  for (const x of diff)
    if (x.dtype !== 'float64' || !x.isLeaf || !x.isContiguous()) throw new TypeError(`${name}: inputs that require grad must be contiguous float64 leaves`);

  // ---- analytical: row r of the Jacobian is the gradient of output element r ----
  const ana = torch.tidy(() => {
    const all = list(fn(...inputs));
    const which = all.map((o) => isFloat(o) && o.requiresGrad);
    const outs = all.filter((_, k) => which[k]);
    if (!outs.length) throw new TypeError(`${name}: no differentiable output`);
    const rows: Float64Array[][] = diff.map(() => []);
    const sizes = outs.map((o) => o.numel());
    outs.forEach((o, k) => {
      for (let e = 0; e < sizes[k]!; e++) {
        torch.tidy(() => {
          const gouts = outs.map((oo, kk) => {
            const z = torch.zeros(oo.shape, { dtype: oo.dtype });
            if (kk === k) z.dataView()[e] = 1;
            return z;
          });
          const gs = torch.autograd.grad(outs, diff, { gradOutputs: gouts, retainGraph: true, allowUnused: true });
          gs.forEach((g, i) => rows[i]!.push(g ? (g.to('float64').toTypedArray() as Float64Array) : new Float64Array(diff[i]!.numel())));
        });
      }
    });
    return { rows, which };
  });

  // ---- numerical: column j is (f(x + eps e_j) - f(x - eps e_j)) / 2 eps ----
  const evaluate = (): Float64Array => torch.tidy(() => torch.noGrad(() => {
    const outs = list(fn(...inputs)).filter((_, k) => ana.which[k]);
    const parts = outs.map((o) => o.to('float64').toTypedArray() as Float64Array);
    const flat = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let off = 0;
    for (const p of parts) { flat.set(p, off); off += p.length; }
    return flat;
  }));
  let worst = { excess: 0, msg: '' };
  diff.forEach((x, i) => {
    const view = x.dataView() as Float64Array;
    for (let j = 0; j < view.length; j++) {
      const orig = view[j]!;
      view[j] = orig + eps;
      const fp = evaluate();
      view[j] = orig - eps;
      const fm = evaluate();
      view[j] = orig;
      for (let r = 0; r < fp.length; r++) {
        const num = (fp[r]! - fm[r]!) / (2 * eps);
        const a = ana.rows[i]![r]![j]!;
        const excess = Math.abs(a - num) - (atol + rtol * Math.abs(num));
        if (!(excess <= 0) && (Number.isNaN(excess) || excess > worst.excess))
          worst = { excess: Number.isNaN(excess) ? Infinity : excess, msg: `d output[${r}] / d input ${inputs.indexOf(x)}[${j}]: autograd ${a}, numerical ${num}` };
      }
    }
  });
  if (worst.msg) throw new AssertionError({ message: `${name}: ${worst.msg} (eps ${eps}, atol ${atol}, rtol ${rtol})` });
}
