// test/nn/init.test.ts — nn.init: same seed gives PyTorch's values (fans, gains and RNG stream,
// from gen_nn.py), the default Linear/Embedding initialisation, and sample statistics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import * as nn from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';
import { fixture } from './fixture.js';

const { init } = nn;
// Same generator algorithm and bounds: differences are float rounding of the bound arithmetic.
const TOL = { rtol: 1e-6, atol: 1e-7 };

const FNS: Record<string, (t: Tensor) => Tensor> = {
  uniform: (t) => init.uniform_(t, -0.5, 1.5),
  normal: (t) => init.normal_(t, 0.25, 2.0),
  xavier_uniform: (t) => init.xavierUniform_(t, 1.5),
  xavier_normal: (t) => init.xavierNormal_(t),
  kaiming_uniform_a_sqrt5: (t) => init.kaimingUniform_(t, { a: Math.sqrt(5) }),
  kaiming_normal_fan_out_relu: (t) => init.kaimingNormal_(t, { mode: 'fan_out', nonlinearity: 'relu' }),
};

test('init functions reproduce torch.nn.init for the same seed', () => {
  const ref = fixture.init;
  assert.deepEqual(Object.keys(FNS), Object.keys(ref.fns));
  torch.tidy(() => {
    for (const [name, { seed, value }] of Object.entries(ref.fns)) {
      torch.manualSeed(seed);
      assertClose(FNS[name]!(torch.empty(ref.shape)), value.data, { ...TOL, msg: name });
    }
    const g = new torch.Generator(123);
    assertClose(init.uniform_(torch.empty([6]), -1, 1, { generator: g }), ref.generator123_uniform.data, TOL);
    assertClose(init.normal_(torch.empty([20]), 0, 2, { generator: g }), ref.generator123_then_normal.data, TOL);
  });
});

test('Linear and Embedding default initialisation match PyTorch for the same seed', () => {
  const ref = fixture.init;
  torch.manualSeed(3);
  const lin = new nn.Linear(5, 3);
  torch.manualSeed(4);
  const emb = new nn.Embedding(6, 4, { paddingIdx: 2 });
  assertClose(lin.weight, ref.linear_seed3.weight.data, TOL);
  assertClose(lin.bias!, ref.linear_seed3.bias.data, TOL);
  assertClose(emb.weight, ref.embedding_seed4.weight.data, TOL);
  lin.dispose();
  emb.dispose();
});

/** [mean, std, max |x|] of a tensor. */
function stats(t: Tensor): [number, number, number] {
  return torch.tidy(() => [t.mean().item(), t.std().item(), t.abs().max().item()]);
}

test('sample statistics over 1e6 draws', () => {
  const lin = new nn.Linear(1000, 1000);
  const bound = 1 / Math.sqrt(1000);
  const [, wStd, wMax] = stats(lin.weight);
  assert.ok(wMax <= bound && wMax > 0.999 * bound, `Linear weight max |w| ${wMax} vs bound ${bound}`);
  // sampling error of a std over 1e6 draws is ~0.1%; 2% leaves no room for a wrong formula
  assert.ok(Math.abs(wStd / (bound / Math.sqrt(3)) - 1) < 0.02, `Linear weight std ${wStd}`);
  assert.ok(stats(lin.bias!)[2] <= bound);
  lin.dispose();

  torch.tidy(() => {
    const t = torch.empty([1000, 1000]);
    const near = (got: number, want: number, what: string): void =>
      assert.ok(Math.abs(got / want - 1) < 0.02, `${what}: std ${got}, expected ${want}`);
    near(stats(init.xavierUniform_(t))[1], Math.sqrt(2 / 2000), 'xavierUniform_');
    near(stats(init.xavierNormal_(t, 2))[1], 2 * Math.sqrt(2 / 2000), 'xavierNormal_ gain 2');
    near(stats(init.kaimingNormal_(t, { nonlinearity: 'relu' }))[1], Math.sqrt(2 / 1000), 'kaimingNormal_ relu');
    const rect = torch.empty([500, 2000]);
    const kb = Math.sqrt(6 / 500); // fan_out = 500, gain sqrt(2): bound = sqrt(2) * sqrt(3 / 500)
    const kmax = stats(init.kaimingUniform_(rect, { mode: 'fan_out', nonlinearity: 'relu' }))[2];
    assert.ok(kmax <= kb && kmax > 0.999 * kb, `kaimingUniform_ fan_out bound ${kmax} vs ${kb}`);
    // N(0, 1) truncated to [-2, 2]: std = sqrt(1 - 4 phi(2) / (Phi(2) - Phi(-2))) = 0.87963
    const [m, s, mx] = stats(init.truncNormal_(t));
    assert.ok(mx <= 2 && Math.abs(m) < 0.005, `truncNormal_ mean ${m}, max ${mx}`);
    near(s, 0.87963, 'truncNormal_');
    // N(1, 0.5^2) on [0, 1.5] (alpha = -2, beta = 1): mean = 1 + 0.5 (phi(-2) - phi(1)) / Z = 0.88518
    const [m2] = stats(init.truncNormal_(t, 1, 0.5, 0, 1.5, { generator: new torch.Generator(1) }));
    assert.ok(torch.tidy(() => t.min().item() >= 0 && t.max().item() <= 1.5), 'within [a, b]');
    assert.ok(Math.abs(m2 - 0.88518) < 0.002, `shifted truncNormal_ mean ${m2}`);
    assert.deepEqual(stats(init.constant_(t, 0.5)), [0.5, 0, 0.5]);
    assert.equal(stats(init.ones_(t))[0], 1);
    assert.equal(stats(init.zeros_(t))[2], 0);
  });
});

test('fans and gains follow torch.nn.init', () => {
  torch.tidy(() => {
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([8, 4, 3, 3])), [36, 72]);
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([3, 5])), [5, 3]);
    assert.throws(() => init.calculateFanInAndFanOut(torch.empty([5])), /fewer than 2 dimensions/);
    assert.throws(() => init.kaimingUniform_(torch.empty([2, 2]), { mode: 'fan_avg' as 'fan_in' }), /Mode fan_avg not supported/);
  });
  assert.equal(init.calculateGain('relu'), Math.SQRT2);
  assert.equal(init.calculateGain('tanh'), 5 / 3);
  assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
  assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
  assert.equal(init.calculateGain('selu'), 0.75);
  assert.equal(init.calculateGain('conv2d'), 1);
});

test('init works on parameters (under noGrad) and with a Generator is reproducible', () => {
  const lin = new nn.Linear(4, 4);
  torch.tidy(() => {
    init.xavierUniform_(lin.weight, 1, { generator: new torch.Generator(9) });
    const a = lin.weight.clone();
    init.xavierUniform_(lin.weight, 1, { generator: new torch.Generator(9) });
    assert.ok(torch.equal(a, lin.weight));
    assert.ok(lin.weight.isLeaf && lin.weight.requiresGrad && lin.weight.gradFn === null);
  });
  lin.dispose();
});
