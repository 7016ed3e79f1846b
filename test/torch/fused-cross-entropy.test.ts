// fused-cross-entropy.test.ts — F.fusedCrossEntropySum (native fusedCrossEntropy: the gradient made
// in the forward pass, used by the causal-LM loss in training) against libtorch's own
// cross_entropy + autograd, i.e. PyTorch's kernels: loss and dlogits to float32 rounding, for small
// and large vocabularies (several row blocks and threads), ignored rows, float64, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

const { F, tidy } = torch;

/** loss and dlogits of sum-reduced cross-entropy / count, by libtorch's cross_entropy and by the fused op. */
function both(n: number, v: number, ignoredEvery: number, dtype: 'float32' | 'float64' = 'float32') {
  return tidy(() => {
    const g = new torch.Generator().manualSeed(n * 7919 + v);
    const base = torch.randn([n, v], { generator: g, dtype }).mul(3);
    const target = torch.randint(0, v, [n], { generator: g });
    const t = ignoredEvery ? target.maskedFill(torch.arange(n).remainder(ignoredEvery).eq(0), -100) : target;
    const count = t.ne(-100).sum();
    const run = (fused: boolean): [number, Float64Array | Float32Array] => {
      const x = base.clone().requiresGrad_(true);
      const sum = fused ? F.fusedCrossEntropySum(x, t) : F.crossEntropy(x, t, { reduction: 'sum' });
      const loss = sum.div(count);
      loss.backward();
      return [loss.item(), x.grad!.toTypedArray() as Float32Array];
    };
    return { ref: run(false), got: run(true) };
  });
}

// rtol: the softmax denominators are float32 sums over V terms in another order (PyTorch's
// log_softmax sums lane-wise, ATen's sum() cascades): ~1e-6 relative at V = 70000
function assertGradClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 1e-5): void {
  assert.equal(got.length, want.length);
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!) - rtol * Math.abs(want[i]!);
    if (d > worst) { worst = d; at = i; }
  }
  assert.ok(worst <= atol, `dlogits: |Δ| over ${rtol} relative by ${worst.toExponential(2)} at ${at} (got ${got[at]}, torch ${want[at]})`);
}

for (const [n, v, ignoredEvery] of [[13, 7, 0], [37, 1000, 3], [300, 32000, 5], [9, 70000, 2]] as const) {
  test(`fusedCrossEntropySum = torch cross_entropy (sum) / count: ${n} rows x ${v} classes${ignoredEvery ? `, every ${ignoredEvery}th row ignored` : ''}`, () => {
    const { ref, got } = both(n, v, ignoredEvery);
    assert.ok(Math.abs(got[0] - ref[0]) <= 2e-6 * Math.abs(ref[0]), `loss ${got[0]} vs torch ${ref[0]}`);
    // softmax entries are <= 1 / count; float32 rounding of exp(x - m) / s vs exp(x - m - log s)
    assertGradClose(got[1], ref[1], 2e-8);
    // ignored rows get exactly zero
    if (ignoredEvery) for (let j = 0; j < v; j++) assert.equal(got[1][j], 0);
  });
}

test('fusedCrossEntropySum in float64 equals torch to 1e-14', () => {
  const { ref, got } = both(21, 513, 4, 'float64');
  assert.ok(Math.abs(got[0] - ref[0]) <= 1e-14 * Math.abs(ref[0]));
  assertGradClose(got[1], ref[1], 1e-16, 1e-12);
});

test('fusedCrossEntropySum: every row ignored gives 0 (sum) and NaN as mean, as torch', () => {
  tidy(() => {
    const x = torch.randn([3, 5]).requiresGrad_(true);
    const t = torch.tensor([-100, -100, -100], { dtype: 'int64' });
    assert.equal(F.fusedCrossEntropySum(x, t).item(), 0);
    assert.ok(Number.isNaN(F.crossEntropy(x, t).item()));
  });
});

test('fusedCrossEntropySum refuses bad input by name and runs backward once', () => {
  tidy(() => {
    const x = torch.randn([2, 4]).requiresGrad_(true);
    assert.throws(() => F.fusedCrossEntropySum(x, torch.tensor([1, 4], { dtype: 'int64' })), /target 4 of row 1 is out of bounds \(4 classes/);
    assert.throws(() => F.fusedCrossEntropySum(x, torch.tensor([1, -1], { dtype: 'int64' })), /target -1 of row 1/);
    assert.throws(() => F.fusedCrossEntropySum(x, torch.tensor([1, 2], { dtype: 'int32' })), /int64/);
    assert.throws(() => F.fusedCrossEntropySum(x.view(8), torch.tensor([1, 2], { dtype: 'int64' })), /\(N, V\)/);
    assert.throws(() => F.fusedCrossEntropySum(x.to('float16'), torch.tensor([1, 2], { dtype: 'int64' })), /float32 or float64/);
    const loss = F.fusedCrossEntropySum(x, torch.tensor([1, 2], { dtype: 'int64' }));
    loss.backward(undefined, { retainGraph: true });
    assert.throws(() => loss.backward(), /modified by an inplace operation|inplace/);
  });
});
