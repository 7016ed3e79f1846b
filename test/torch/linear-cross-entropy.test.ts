// F.linearCrossEntropySum (native linearCrossEntropy: TRL's chunked_nll) against libtorch's own
// cross_entropy of the explicit projection: loss and every gradient, for block sizes that split
// the rows unevenly, with and without bias, ignored rows, a frozen weight (no weight gradient is
// made), float64, and the errors for bad shapes and out-of-range targets; linearCrossEntropyWithStats
// against TRL's token statistics (correct argmax, entropy) of the explicit logits.
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

// TRL's _chunk: correct = (logits.argmax(-1) == label).sum(), entropy = -(exp(log_p) * log_p).sum()
// over the counted rows, from the explicit (N, V) logits in float32.
function statsRef(hidden: T, weight: T, bias: T | null, target: T): { sum: number; correct: number; entropy: number } {
  return torch.noGrad(() => torch.tidy(() => {
    const acc = hidden.dtype === 'float64' ? 'float64' : 'float32';
    let logits = hidden.matmul(weight.transpose(0, 1)).to(acc);
    if (bias) logits = logits.add(bias.to(acc));
    const valid = target.ne(-100);
    const logp = logits.logSoftmax(-1); // (N, V)
    const sum = F.crossEntropy(logits, target, { reduction: 'sum' }).item();
    const correct = logits.argmax(-1).eq(target).logicalAnd(valid).sum().item();
    const entropy = logp.exp().mul(logp).sum(-1).neg().mul(valid.float()).sum().item();
    return { sum, correct, entropy };
  }));
}

for (const [dtype, withBias, grad] of [['float32', true, true], ['float32', false, false], ['float64', true, true], ['bfloat16', false, true]] as const) {
  test(`linearCrossEntropyWithStats, ${dtype}${withBias ? ', bias' : ''}${grad ? '' : ', no grad'}: loss, correct tokens and entropy as TRL's chunked pass, any block size; gradients unchanged`, () => {
    torch.tidy(() => {
      const s = setup(dtype === 'bfloat16' ? 'float32' : dtype, withBias);
      const cast = (t: T | null) => (t && dtype === 'bfloat16' ? t.detach().to('bfloat16').requiresGrad_(grad) : t && !grad ? t.detach() : t);
      const [hidden, weight, bias] = [cast(s.hidden)!, cast(s.weight)!, cast(s.bias)];
      // every third counted row's target is its argmax, so numCorrect is neither 0 nor all
      const top = torch.noGrad(() => (bias ? hidden.matmul(weight.transpose(0, 1)).add(bias) : hidden.matmul(weight.transpose(0, 1))).float().argmax(-1));
      const pick = torch.tensor(Array.from({ length: 37 }, (_, i) => i % 3 === 0 && i % 5 !== 0), { dtype: 'bool' });
      const target = torch.where(pick, top, s.target);
      const ref = statsRef(hidden, weight, bias, target);
      assert.ok(ref.correct > 0 && ref.correct < 29, `a test that can fail: ${ref.correct} of 29 rows correct`);
      const plain = F.linearCrossEntropySum(hidden, weight, bias, target, { chunkRows: 5 });
      if (grad) plain.backward();
      const want = grad ? [hidden, weight, ...(bias ? [bias] : [])].map((p) => { const g = p.grad!.clone(); p.grad = null; return g; }) : [];
      const tol = dtype === 'float64' ? 1e-12 : 1e-5;
      for (const chunkRows of [1, 7, 4096]) {
        const got = F.linearCrossEntropyWithStats(hidden, weight, bias, target, { chunkRows });
        assert.equal(got.numCorrect.item(), ref.correct, `chunk ${chunkRows}: correct`);
        assert.equal(got.numCorrect.requiresGrad, false);
        assert.ok(Math.abs(got.entropySum.item() - ref.entropy) <= tol * ref.entropy, `chunk ${chunkRows}: entropy ${got.entropySum.item()} vs ${ref.entropy}`);
        assert.ok(Math.abs(got.sum.item() - ref.sum) <= tol * ref.sum, `chunk ${chunkRows}: loss ${got.sum.item()} vs ${ref.sum}`);
        if (!grad) continue;
        got.sum.backward();
        [hidden, weight, ...(bias ? [bias] : [])].forEach((p, i) => {
          // bfloat16: the (r, H) products are made and rounded in bfloat16 per block (a 1-row block takes
          // another kernel): a few bfloat16 ulps of the largest entry
          const scale = dtype === 'bfloat16' ? 2 ** -5 * want[i]!.float().abs().max().item() : 1e-5;
          assert.ok(maxDiff(p.grad!.float(), want[i]!.float()) <= scale, `chunk ${chunkRows}: gradient ${i} off by ${maxDiff(p.grad!.float(), want[i]!.float())}`);
          p.grad = null;
        });
      }
      assert.throws(() => torch.noGrad(() => F.linearCrossEntropyWithStats(hidden.detach(), weight.detach(), null, target.narrow(0, 0, 5))), /target must be int64 \(N\)/);
    });
  });
}
