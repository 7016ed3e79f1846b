// attention.test.ts — the shared attention block (src/nn/attention.ts) against HF's eager
// formula written out op by op: padding mask, causal flag, scale, grouped-query heads, and the
// fully-masked row HF keeps finite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { attention, paddingMask, splitHeads, mergeHeads, repeatKv, FINFO_MIN } from '../../src/nn/index.js';
import { assertClose } from '../helpers.js';

/** HF eager: softmax(q k^T * scale + mask) v. */
function eager(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: torch.Tensor | null, scale = 1 / Math.sqrt(q.size(-1))): torch.Tensor {
  let s = q.matmul(k.transpose(-1, -2)).mul(scale); // (B, H, Tq, Tk)
  if (mask) s = s.add(mask);
  return s.softmax(-1).matmul(v); // (B, H, Tq, D)
}
const TOL = { rtol: 1e-5, atol: 1e-6 }; // float32 reassociation only

test('attention() equals the eager formula with a padding mask; padded query rows stay finite', () => {
  torch.manualSeed(1);
  torch.tidy(() => {
    const [q, k, v] = [0, 1, 2].map(() => torch.randn([2, 3, 5, 4]));
    const am = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], { dtype: 'int64' });
    const mask = paddingMask(am, 'float32'); // (B, 1, 1, T)
    assert.deepEqual(mask.shape, [2, 1, 1, 5]);
    assert.deepEqual((mask.select(0, 1).flatten().toArray() as number[]).map((x) => x + 0), [0, 0, 0, FINFO_MIN.float32, FINFO_MIN.float32]); // -0 as HF's (1 - 1) * min
    const out = attention(q!, k!, v!, { mask });
    assertClose(out, eager(q!, k!, v!, mask), TOL);
    assert.ok(out.isfinite().all().item());
    // Padded keys get no weight: changing their values changes nothing.
    const v2 = v!.clone();
    v2.select(0, 1).narrow(1, 3, 2).fill_(100);
    assertClose(attention(q!, k!, v2, { mask }), out, TOL);
    // Without a mask = all ones.
    assertClose(attention(q!, k!, v!), attention(q!, k!, v!, { mask: paddingMask(torch.onesLike(am), 'float32') }), TOL);
    // A (B, Tq, Tk) mask where a whole row is masked: uniform weights (HF), not NaN.
    const full = torch.ones([2, 5, 5], { dtype: 'int64' });
    full.select(1, 0).zero_();
    const out3 = attention(q!, k!, v!, { mask: paddingMask(full, 'float32') });
    assertClose(out3.select(2, 0), v!.mean(2), TOL);
  });
});

test('attention(): causal flag, custom scale, dropout only in training', () => {
  torch.manualSeed(2);
  torch.tidy(() => {
    const [q, k, v] = [0, 1, 2].map(() => torch.randn([1, 2, 6, 8]));
    const causal = torch.ones([6, 6]).triu(1).mul(FINFO_MIN.float32!); // (T, T) additive
    assertClose(attention(q!, k!, v!, { isCausal: true }), eager(q!, k!, v!, causal), TOL);
    assertClose(attention(q!, k!, v!, { scale: 1 }), eager(q!, k!, v!, null, 1), TOL);
    assertClose(attention(q!, k!, v!, { dropoutP: 0.5, training: false }), eager(q!, k!, v!, null), TOL);
    assert.ok(!torch.equal(attention(q!, k!, v!, { dropoutP: 0.5, training: true }), eager(q!, k!, v!, null)));
  });
});

test('attention(): grouped-query heads repeat each kv head (HF repeat_kv)', () => {
  torch.manualSeed(3);
  torch.tidy(() => {
    const q = torch.randn([2, 4, 5, 8]);
    const [k, v] = [0, 1].map(() => torch.randn([2, 2, 5, 8]));
    const kk = repeatKv(k!, 2), vv = repeatKv(v!, 2);
    assert.ok(torch.equal(kk.select(1, 1), k!.select(1, 0)) && torch.equal(kk.select(1, 2), k!.select(1, 1)));
    assertClose(attention(q, k!, v!), eager(q, kk, vv, null), TOL);
    assert.throws(() => attention(q, torch.randn([2, 3, 5, 8]), torch.randn([2, 3, 5, 8])), /4 query heads cannot share 3/);
  });
});

test('splitHeads / mergeHeads are inverse (B, T, H*D) <-> (B, H, T, D)', () => {
  torch.tidy(() => {
    const x = torch.arange(2 * 3 * 8).float().view(2, 3, 8);
    const h = splitHeads(x, 4);
    assert.deepEqual(h.shape, [2, 4, 3, 2]);
    assert.deepEqual(h.select(1, 1).select(0, 0).toArray(), [[2, 3], [10, 11], [18, 19]]);
    assert.ok(torch.equal(mergeHeads(h), x));
  });
});
