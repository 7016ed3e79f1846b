// gradcheck.test.ts — autograd against central finite differences (test/gradcheck.ts) for the
// differentiable ops, in float64: pointwise, reductions, linalg, nn.functional, indexing/shape.
// Inputs come from a seeded Generator and sit away from kinks (abs/relu/clamp/max ties).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';
import { gradcheck } from '../gradcheck.js';

const gen = new torch.Generator(20240611);
const f64 = { dtype: 'float64' as const, generator: gen };
const leaf = (t: Tensor): Tensor => t.detach().contiguous().requiresGrad_(true);
/** N(0, 1), a leaf that requires grad. */
const rn = (...s: number[]): Tensor => torch.randn(s, { ...f64, requiresGrad: true });
/** U(0.5, 2): log, sqrt, pow bases, prod. */
const pos = (...s: number[]): Tensor => leaf(torch.rand(s, f64).mul(1.5).add(0.5));
/** |x| >= 0.2: abs, relu, divisors. */
const away = (...s: number[]): Tensor => { const x = torch.randn(s, f64); return leaf(x.add(x.sign().mul(0.2))); };
/** Pairwise >= 0.37 apart: max, sort, topk, norm inf. */
const distinct = (...s: number[]): Tensor => {
  const n = s.reduce((a, b) => a * b, 1);
  return leaf(torch.randperm(n, { generator: gen }).to('float64').sub(n / 2).mul(0.37).add(0.01).reshape(...s));
};
const ints = (high: number, ...s: number[]): Tensor => torch.randint(0, high, s, { generator: gen });
const mask = (...s: number[]): Tensor => torch.rand(s, { generator: gen }).lt(0.5);
const probs = (...s: number[]): Tensor => { const u = torch.rand(s, f64).add(0.1); return leaf(u.div(u.sum(-1, true))); };
const idx = (...v: number[]): Tensor => torch.tensor(v, { dtype: 'int64' });

type Case = [name: string, inputs: () => Tensor[], fn: (...x: Tensor[]) => Tensor | Tensor[], opts?: { eps?: number; atol?: number; rtol?: number }];
const CASES: Case[] = [
  // ---- pointwise ----
  ['add', () => [rn(3, 4), rn(4)], (a, b) => a!.add(b!, 2)],
  ['sub', () => [rn(3, 4), rn(3, 1)], (a, b) => a!.sub(b!, 0.5)],
  ['mul', () => [rn(2, 3, 4), rn(4)], (a, b) => a!.mul(b!)],
  ['div', () => [rn(3, 4), away(3, 4)], (a, b) => a!.div(b!)],
  ['pow', () => [pos(3, 4), rn(3, 4)], (a, b) => a!.pow(b!)],
  ['pow scalar', () => [rn(3, 4)], (a) => a!.pow(3)],
  ['exp', () => [rn(3, 4)], (a) => a!.exp()],
  ['log', () => [pos(3, 4)], (a) => a!.log()],
  ['sqrt', () => [pos(3, 4)], (a) => a!.sqrt()],
  ['rsqrt', () => [pos(3, 4)], (a) => a!.rsqrt()],
  ['tanh', () => [rn(3, 4)], (a) => a!.tanh()],
  ['sigmoid', () => [rn(3, 4)], (a) => a!.sigmoid()],
  ['silu', () => [rn(3, 4)], (a) => F.silu(a!)],
  ['gelu', () => [rn(3, 4)], (a) => F.gelu(a!)],
  ['gelu tanh', () => [rn(3, 4)], (a) => F.gelu(a!, { approximate: 'tanh' })],
  ['softplus', () => [rn(3, 4)], (a) => F.softplus(a!, 2)],
  ['elu', () => [away(3, 4)], (a) => F.elu(a!, 0.5)],
  ['leakyRelu', () => [away(3, 4)], (a) => F.leakyRelu(a!, 0.2)],
  ['logsigmoid', () => [rn(3, 4)], (a) => F.logsigmoid(a!)],
  ['erf', () => [rn(3, 4)], (a) => a!.erf()],
  ['abs', () => [away(3, 4)], (a) => a!.abs()],
  ['relu', () => [away(3, 4)], (a) => a!.relu()],
  ['clamp', () => [rn(3, 4)], (a) => a!.clamp(-0.5, 0.5)],
  ['clamp tensor bounds', () => [rn(3, 4), rn(4), rn(3, 4)], (x, lo, hi) => x!.clamp(lo!.sub(1), hi!.add(1))],
  ['where', () => [mask(3, 4), rn(3, 4), rn(4)], (c, a, b) => torch.where(c!, a!, b!)],
  ['maskedFill tensor value', () => [rn(3, 4), mask(3, 4), rn()], (x, m, v) => x!.maskedFill(m!, v!)],
  ['lerp', () => [rn(3, 4), rn(3, 4), pos(3, 4)], (a, b, w) => a!.lerp(b!, w!)],
  ['addcmul', () => [rn(3, 4), rn(3, 4), rn(4)], (a, b, c) => a!.addcmul(b!, c!, 0.5)],
  ['addcdiv', () => [rn(3, 4), rn(3, 4), away(3, 4)], (a, b, c) => a!.addcdiv(b!, c!, 2)],
  ['maximum', () => [rn(3, 4), rn(3, 4)], (a, b) => a!.maximum(b!)],
  ['atan2', () => [rn(3, 4), away(3, 4)], (a, b) => a!.atan2(b!)],
  // ---- reductions ----
  ['sum', () => [rn(2, 3, 4)], (a) => a!.sum([0, 2], true)],
  ['mean', () => [rn(2, 3, 4)], (a) => a!.mean(1)],
  ['prod', () => [pos(3, 4)], (a) => a!.prod(1)],
  ['var', () => [rn(3, 4)], (a) => a!.var(1)],
  ['std biased', () => [rn(3, 4)], (a) => a!.std(undefined, { unbiased: false })],
  ['norm', () => [rn(3, 4)], (a) => a!.norm()],
  ['norm p1', () => [away(3, 4)], (a) => a!.norm(1, 1)],
  ['norm inf', () => [distinct(3, 4)], (a) => a!.norm(Infinity, 0)],
  ['logsumexp', () => [rn(2, 3, 4)], (a) => a!.logsumexp([1, 2])],
  ['amax', () => [distinct(2, 3, 4)], (a) => a!.amax([0, 2])],
  ['max dim', () => [distinct(3, 4)], (a) => a!.max(1).values],
  ['cumsum', () => [rn(3, 4)], (a) => a!.cumsum(1)],
  ['cumprod', () => [pos(3, 4)], (a) => a!.cumprod(0)],
  ['topk', () => [distinct(3, 5)], (a) => a!.topk(2).values],
  ['sort', () => [distinct(3, 4)], (a) => a!.sort(0, true).values],
  // ---- linalg ----
  ['matmul', () => [rn(3, 4), rn(4, 5)], (a, b) => torch.matmul(a!, b!)],
  ['matmul batch broadcast', () => [rn(2, 1, 3, 4), rn(3, 4, 2)], (a, b) => a!.matmul(b!)],
  ['matmul 1d', () => [rn(4), rn(2, 4, 3)], (a, b) => a!.matmul(b!)],
  ['bmm', () => [rn(2, 3, 4), rn(2, 4, 2)], (a, b) => torch.bmm(a!, b!)],
  ['dot', () => [rn(5), rn(5)], (a, b) => a!.dot(b!)],
  ['outer', () => [rn(3), rn(4)], (a, b) => torch.outer(a!, b!)],
  ['linear', () => [rn(2, 3, 4), rn(5, 4), rn(5)], (x, w, b) => F.linear(x!, w!, b!)],
  ['addmm', () => [rn(5), rn(3, 4), rn(4, 5)], (c, a, b) => torch.addmm(c!, a!, b!, { beta: 0.5, alpha: 2 })],
  ['baddbmm', () => [rn(2, 3, 5), rn(2, 3, 4), rn(2, 4, 5)], (c, a, b) => torch.baddbmm(c!, a!, b!, { beta: 0.25, alpha: 1.5 })],
  ['einsum', () => [rn(2, 3, 4), rn(2, 5, 4)], (a, b) => torch.einsum('bij,bkj->bik', a!, b!)],
  // ---- nn.functional ----
  ['softmax', () => [rn(3, 4)], (a) => F.softmax(a!, -1)],
  ['logSoftmax', () => [rn(2, 3, 4)], (a) => F.logSoftmax(a!, 1)],
  ['layerNorm', () => [rn(2, 3, 4), rn(4), rn(4)], (x, w, b) => F.layerNorm(x!, [4], w!, b!)],
  ['layerNorm no affine', () => [rn(2, 3, 4)], (x) => F.layerNorm(x!, [3, 4])],
  // HF RMSNorm computes its statistics in float32 even for float64 input, so the forward is only
  // float32-accurate: with eps 1e-3 the FD noise is ~1e-7 * |f| / eps ~ 1e-4, hence atol 1e-3.
  // A wrong formula (say, a dropped mean term) is off by ~|w x| / n ~ 0.1, far above it.
  ['rmsNorm', () => [rn(2, 3, 4), rn(4)], (x, w) => F.rmsNorm(x!, w!, 1e-6), { eps: 1e-3, atol: 1e-3 }],
  ['crossEntropy ignoreIndex', () => [rn(5, 4), idx(1, -100, 3, -100, 0)], (x, t) => F.crossEntropy(x!, t!)],
  ['crossEntropy weight smoothing', () => [rn(5, 3), idx(0, -100, 2, 1, 2), pos(3).detach()],
    (x, t, w) => F.crossEntropy(x!, t!, { weight: w!, labelSmoothing: 0.1 })],
  ['crossEntropy sum (N,C,d)', () => [rn(2, 4, 3), ints(4, 2, 3)], (x, t) => F.crossEntropy(x!, t!, { reduction: 'sum' })],
  ['crossEntropy probabilities', () => [rn(4, 5), probs(4, 5)], (x, p) => F.crossEntropy(x!, p!, { labelSmoothing: 0.1 })],
  ['nllLoss', () => [rn(5, 3), idx(0, -100, 2, 1, 2), pos(3).detach()], (x, t, w) => F.nllLoss(x!, t!, { weight: w! })],
  ['mseLoss', () => [rn(3, 4), rn(3, 4)], (a, b) => F.mseLoss(a!, b!)],
  ['l1Loss', () => [rn(3, 4), rn(3, 4)], (a, b) => F.l1Loss(a!, b!, { reduction: 'sum' })],
  ['bceWithLogits posWeight', () => [rn(3, 4), probs(3, 4), pos(4).detach()], (x, y, pw) => F.binaryCrossEntropyWithLogits(x!, y!, { posWeight: pw! })],
  ['sdpa causal', () => [rn(1, 2, 4, 3), rn(1, 2, 4, 3), rn(1, 2, 4, 3)], (q, k, v) => F.scaledDotProductAttention(q!, k!, v!, { isCausal: true })],
  ['sdpa float mask', () => [rn(1, 2, 3, 4), rn(1, 2, 5, 4), rn(1, 2, 5, 2), rn(3, 5)],
    (q, k, v, m) => F.scaledDotProductAttention(q!, k!, v!, { attnMask: m!, scale: 0.3 })],
  ['sdpa bool mask', () => {
    const m = mask(1, 1, 3, 5).logicalOr(torch.tensor([true, false, false, false, false]));
    return [rn(1, 2, 3, 4), rn(1, 2, 5, 4), rn(1, 2, 5, 2), m];
  }, (q, k, v, m) => F.scaledDotProductAttention(q!, k!, v!, { attnMask: m! })],
  // (paddingIdx is left out on purpose: its row's zero gradient is by design, not a derivative.)
  ['embedding weight', () => [idx(0, 2, 0, 1, 4, 1), rn(5, 3)], (i, w) => F.embedding(i!.view(2, 3), w!)],
  // ---- indexing and shape ----
  ['gather', () => [rn(3, 4), ints(4, 3, 2)], (x, i) => x!.gather(1, i!)],
  ['indexSelect', () => [rn(4, 3), idx(3, 0, 3)], (x, i) => x!.indexSelect(0, i!)],
  ['scatter', () => [rn(3, 5), torch.tensor([[0, 3], [4, 1], [2, 0]], { dtype: 'int64' }), rn(3, 2)], (x, i, s) => x!.scatter(1, i!, s!)],
  ['scatterAdd', () => [rn(3, 5), ints(5, 3, 4), rn(3, 4)], (x, i, s) => x!.scatterAdd(1, i!, s!)],
  ['indexAdd', () => [rn(5, 3), idx(0, 2, 0, 4), rn(4, 3)], (x, i, s) => x!.indexAdd(0, i!, s!)],
  ['index', () => [rn(4, 5), idx(3, 0, 3), idx(1, 4, 1)], (x, i, j) => x!.index([i!, j!])],
  ['maskedSelect', () => [rn(3, 4), mask(4)], (x, m) => x!.maskedSelect(m!)],
  ['cat', () => [rn(2, 3), rn(2, 1), rn(2, 2)], (a, b, c) => torch.cat([a!, b!, c!], 1)],
  ['stack', () => [rn(3, 4), rn(3, 4)], (a, b) => torch.stack([a!, b!], -1)],
  ['split', () => [rn(3, 6)], (x) => x!.split([1, 2, 3], 1)],
  ['chunk', () => [rn(5, 4)], (x) => x!.chunk(3)],
  ['unbind', () => [rn(3, 4)], (x) => x!.unbind(1)],
  ['permute reshape', () => [rn(2, 3, 4)], (x) => x!.permute(2, 0, 1).reshape(4, 6)],
  ['expand', () => [rn(3, 1)], (x) => x!.expand(2, 3, 4)],
  ['repeat', () => [rn(2, 3)], (x) => x!.repeat(2, 1, 2)],
  ['repeatInterleave', () => [rn(2, 3)], (x) => x!.repeatInterleave(2, 1)],
  ['pad', () => [rn(3, 4)], (x) => F.pad(x!, [1, 0, 2, 1], 0.5)],
  ['flip', () => [rn(3, 4)], (x) => x!.flip([0, 1])],
  ['roll', () => [rn(3, 4)], (x) => x!.roll([1, -2], [0, 1])],
  ['triu', () => [rn(3, 4)], (x) => x!.triu(1)],
  ['slice narrow select', () => [rn(6, 5)], (x) => [x!.slice(0, 1, 5, 2), x!.narrow(1, 1, 3), x!.select(1, -1)]],
];

const start = torch.liveTensorCount();

test(`gradcheck covers at least 40 ops (${CASES.length})`, () => {
  assert.ok(CASES.length >= 40);
});

for (const [name, inputs, fn, opts] of CASES) {
  test(`gradcheck ${name}`, () => {
    torch.tidy(() => gradcheck(fn, inputs(), { ...opts, name }));
  });
}

test('gradcheck catches a wrong gradient', () => {
  // x * x.detach() has autograd gradient x, but the function's derivative is 2x.
  assert.throws(() => torch.tidy(() => gradcheck((x) => x!.mul(x!.detach()), [rn(3)])), /autograd .* numerical/);
});

test('gradcheck leaks nothing', () => {
  assert.equal(torch.liveTensorCount(), start);
});
