// fused.test.ts — torch.fused (the optimizer kernels over tensor lists), the option forms of
// normal_ / uniform_, and setData: the public API that nn and optim use instead of raw handles.
// AdamW/SGD/clipping against PyTorch's own numbers are in test/optim/optim.test.ts; here the
// formulas are checked in float64 against the same arithmetic in JS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

const { fused, tidy } = torch;
const f64 = { dtype: 'float64' } as const;
const values = (t: torch.Tensor): number[] => [...(t.toTypedArray() as Float64Array)];

/** A float64 leaf with the given values and gradient. */
function param(data: number[], grad: number[]): torch.Tensor {
  const p = torch.tensor(data, { ...f64, requiresGrad: true }).keep();
  p.grad = torch.tensor(grad, f64);
  return p;
}

test('fused.adamwStep is torch 1.13 AdamW (float64, two steps, against the formula)', () => {
  const lr = 0.1, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.01;
  const p = param([1, -2], [0.5, 0.25]);
  const m = torch.zerosLike(p).keep(), v = torch.zerosLike(p).keep();
  const ref = { p: [1, -2], m: [0, 0], v: [0, 0] };
  for (const step of [1, 2]) {
    fused.adamwStep([p], [m], [v], [step], { lr, betas: [b1, b2], eps, weightDecay: wd });
    const g = [0.5, 0.25];
    for (let i = 0; i < 2; i++) {
      ref.p[i] = ref.p[i]! * (1 - lr * wd);
      ref.m[i] = ref.m[i]! * b1 + (1 - b1) * g[i]!;
      ref.v[i] = ref.v[i]! * b2 + (1 - b2) * g[i]! * g[i]!;
      const denom = Math.sqrt(ref.v[i]!) / Math.sqrt(1 - b2 ** step) + eps;
      ref.p[i] = ref.p[i]! - (lr / (1 - b1 ** step)) * ref.m[i]! / denom;
    }
  }
  // the kernel and JS round the same float64 operations in the same order, up to 1 ulp in sqrt/div
  values(p).forEach((x, i) => assert.ok(Math.abs(x - ref.p[i]!) <= 1e-15, `p[${i}] ${x} vs ${ref.p[i]}`));
  values(m).forEach((x, i) => assert.ok(Math.abs(x - ref.m[i]!) <= 1e-16, `m[${i}]`));
  [p, m, v].forEach((t) => t.dispose());
});

test('fused.sgdStep creates momentum buffers on the first step and reuses them after', () => {
  const p = param([1, 2], [0.5, -1]);
  const bufs = tidy(() => fused.sgdStep([p], [null], { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0 }).map((b) => b?.keep() ?? null));
  assert.deepEqual(values(p), [1 - 0.1 * 0.5, 2 + 0.1 * 1]);
  assert.ok(bufs[0] instanceof torch.Tensor);
  assert.deepEqual(values(bufs[0]!), [0.5, -1]); // buf = g on the first step
  const again = fused.sgdStep([p], bufs, { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0 });
  assert.deepEqual(again, [null]); // nothing new was created
  assert.deepEqual(values(bufs[0]!), [0.5 * 0.9 + 0.5, -1 * 0.9 - 1]);
  // momentum 0 makes no buffer
  assert.deepEqual(fused.sgdStep([p], [null], { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0 }), [null]);
  p.dispose();
  bufs[0]!.dispose();
});

test('fused.clipGradNorm returns the total norm and scales the gradients; gradNorm and zeroGrad', () => {
  const a = param([0, 0], [3, 0]), b = param([0], [4]);
  assert.equal(fused.gradNorm([a, b]), 5);
  assert.equal(fused.clipGradNorm([a, b], 1), 5);
  const coef = 1 / (5 + 1e-6); // torch: clamp(max_norm / (total + 1e-6), max=1)
  assert.deepEqual(values(a.grad!), [3 * coef, 0]);
  assert.deepEqual(values(b.grad!), [4 * coef]);
  assert.equal(fused.clipGradNorm([a, b], 100, Infinity), Math.max(3, 4) * coef);
  fused.zeroGrad([a], false);
  assert.deepEqual(values(a.grad!), [0, 0]);
  fused.zeroGrad([a, b]);
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
  assert.equal(fused.gradNorm([a, b]), 0); // no gradient: 0, as torch
  assert.throws(() => fused.clipGradNorm([a, 3 as never], 1), (e: Error) => e instanceof torch.TorchError && /clipGradNorm: params\[1\] is not a Tensor/.test(e.message));
  a.dispose();
  b.dispose();
});

test('normal_ / uniform_ take {mean, std, generator} / {a, b, generator} and draw what the positional forms draw', () => {
  tidy(() => {
    torch.manualSeed(7);
    const pos = torch.empty([6], f64).normal_(1, 2);
    const opt = torch.empty([6], f64).normal_({ mean: 1, std: 2, generator: new torch.Generator(7) });
    assert.deepEqual(values(opt), values(pos)); // a Generator seeded 7 replays the default generator seeded 7
    torch.manualSeed(8);
    const u = torch.empty([6], f64).uniform_(-3, 5);
    const uo = torch.empty([6], f64).uniform_({ a: -3, b: 5, generator: new torch.Generator(8) });
    assert.deepEqual(values(uo), values(u));
    assert.ok(values(u).every((x) => x >= -3 && x < 5));
    torch.manualSeed(9);
    const d = torch.empty([4], f64).normal_();
    torch.manualSeed(9);
    assert.deepEqual(values(torch.empty([4], f64).normal_({})), values(d)); // defaults N(0, 1)
  });
});

test('setData swaps the data in place: same object, new shape/dtype; the source stays usable', () => {
  const t = torch.zeros([2]).keep();
  t.requiresGrad_(true);
  const src = torch.tensor([1, 2, 3], f64);
  assert.equal(t.setData(src), t);
  assert.deepEqual(t.shape, [3]);
  assert.equal(t.dtype, 'float64');
  assert.equal(t.requiresGrad, true); // autograd identity kept
  assert.deepEqual(values(src), [1, 2, 3]);
  t.dispose();
  src.dispose();
});
