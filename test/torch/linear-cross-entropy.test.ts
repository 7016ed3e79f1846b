// F.linearCrossEntropySum (native linearCrossEntropy: TRL's chunked_nll) against libtorch's own
// cross_entropy of the explicit projection: loss and every gradient, for block sizes that split
// the rows unevenly, with and without bias, ignored rows, a frozen weight (no weight gradient is
// made), float64, and the errors for bad shapes and out-of-range targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';

const { F } = torch;
type T = torch.Tensor;
const maxDiff = (a: T, b: T): number => torch.tidy(() => a.sub(b).abs().max().item());

function setup(dtype: 'float32' | 'float64', withBias: boolean) {
  const g = new torch.Generator().manualSeed(11);
  const n = 37, h = 16, v = 101;
  const hidden = torch.randn([n, h], { generator: g, dtype }).requiresGrad_(true);
  const weight = torch.randn([v, h], { generator: g, dtype }).mul(0.3).detach().requiresGrad_(true);
  const bias = withBias ? torch.randn([v], { generator: g, dtype }).detach().requiresGrad_(true) : null;
  // every 5th row ignored; targets spread over the vocabulary (0 and v - 1 included)
  const target = torch.tensor(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -100 : i === 1 ? 0 : i === 2 ? v - 1 : (i * 7) % v)), { dtype: 'int64' });
  return { hidden, weight, bias, target, params: [hidden, weight, ...(bias ? [bias] : [])] };
}

for (const [dtype, withBias] of [['float32', true], ['float32', false], ['float64', true]] as const) {
  test(`linearCrossEntropySum = cross_entropy(hidden @ W^T${withBias ? ' + b' : ''}, reduction sum), ${dtype}: loss and gradients, any block size`, () => {
    torch.tidy(() => {
      const { hidden, weight, bias, target, params } = setup(dtype, withBias);
      const logits = hidden.matmul(weight.transpose(0, 1));
      const ref = F.crossEntropy(bias ? logits.add(bias) : logits, target, { reduction: 'sum' }).div(13);
      ref.backward();
      const want = params.map((p) => p.grad!.clone());
      for (const p of params) p.grad!.zero_();
      for (const chunkRows of [1, 7, 29, 4096]) {
        const got = F.linearCrossEntropySum(hidden, weight, bias, target, { chunkRows }).div(13);
        assert.equal(got.dtype, dtype);
        // float32 sums in another order: a few ulps of a loss near 40
        assert.ok(Math.abs(got.item() - ref.item()) <= (dtype === 'float64' ? 1e-12 : 1e-5) * Math.abs(ref.item()), `chunk ${chunkRows}: loss ${got.item()} vs ${ref.item()}`);
        got.backward();
        params.forEach((p, i) => {
          assert.equal(p.grad!.dtype, dtype);
          assert.ok(maxDiff(p.grad!, want[i]!) < 1e-6, `chunk ${chunkRows}: gradient ${i} off by ${maxDiff(p.grad!, want[i]!)}`);
          p.grad!.zero_();
        });
      }
    });
  });
}

test('linearCrossEntropySum: a frozen weight gets no gradient; all rows ignored gives 0; bad input is a TorchError', () => {
  torch.tidy(() => {
    const { hidden, weight, target } = setup('float32', false);
    const frozen = weight.detach();
    const l = F.linearCrossEntropySum(hidden, frozen, null, target);
    l.backward();
    assert.equal(frozen.grad, null);
    assert.ok(hidden.grad !== null);
    const none = F.linearCrossEntropySum(hidden, frozen, null, torch.full([37], -100, { dtype: 'int64' }));
    assert.equal(none.item(), 0);
    assert.throws(() => F.linearCrossEntropySum(hidden, frozen, null, torch.full([37], 101, { dtype: 'int64' })), /target 101 is out of bounds \(101 classes/);
    assert.throws(() => F.linearCrossEntropySum(hidden, frozen.narrow(1, 0, 8), null, target), /same H/);
    assert.throws(() => F.linearCrossEntropySum(hidden, frozen, null, target.float()), /target must be int64/);
    assert.throws(() => F.linearCrossEntropySum(hidden, frozen, null, target, { chunkRows: 0 }), /chunkRows must be >= 1/);
    assert.throws(() => F.linearCrossEntropySum(hidden, frozen.double(), null, target), /share one floating dtype/);
  });
});
