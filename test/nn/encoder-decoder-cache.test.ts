// test/nn/encoder-decoder-cache.test.ts — DynamicCache.reorder permutes the filled positions in place
// (the buffer's spare room is not copied) and EncoderDecoderCache keeps or permutes the cross k/v.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DynamicCache, EncoderDecoderCache } from '../../src/nn/index.js';

const kv = (b: number, t: number, base: number): torch.Tensor => torch.arange(base, base + b * 2 * t * 3, 1).reshape(b, 2, t, 3); // (B, H=2, T, D=3)
const idx = (xs: number[]): torch.Tensor => torch.tensor(BigInt64Array.from(xs.map(BigInt)), { shape: [xs.length] });

test('DynamicCache.reorder: rows follow the index over every filled position; later appends land after them', () => {
  torch.noGrad(() => torch.tidy(() => {
    const c = new DynamicCache();
    c.update(kv(3, 2, 0), kv(3, 2, 1000), 0);
    c.update(kv(3, 1, 100), kv(3, 1, 2000), 0);
    const before = c.keys[0]!.clone();
    c.reorder(idx([2, 2, 0]));
    const k = c.keys[0]!;
    assert.deepEqual(k.shape, [3, 2, 3, 3]);
    assert.deepEqual(k.toArray(), torch.stack([before.select(0, 2), before.select(0, 2), before.select(0, 0)], 0).toArray());
    const [k2] = c.update(kv(3, 1, 500), kv(3, 1, 3000), 0);
    assert.deepEqual(k2.narrow(2, 3, 1).toArray(), kv(3, 1, 500).toArray());
    assert.deepEqual(k2.narrow(2, 0, 3).toArray(), k.toArray());
    // a different batch size (the index shrinks the batch) still works
    c.reorder(idx([1]));
    assert.deepEqual(c.keys[0]!.shape, [1, 2, 4, 3]);
    c.dispose();
  }));
});

test('EncoderDecoderCache.reorder: self-attention follows the index; cross-attention too, unless crossAttention: false', () => {
  torch.noGrad(() => torch.tidy(() => {
    for (const cross of [true, false]) {
      const c = new EncoderDecoderCache();
      c.update(kv(2, 1, 0), kv(2, 1, 10), 0);
      c.updateCross(kv(2, 4, 100), kv(2, 4, 200), 0);
      assert.ok(c.isUpdated(0) && !c.isUpdated(1));
      c.reorder(idx([1, 1]), { crossAttention: cross });
      assert.deepEqual(c.selfAttentionCache.keys[0]!.select(0, 0).toArray(), kv(2, 1, 0).select(0, 1).toArray());
      const [ck] = c.cross(0);
      assert.deepEqual(ck.select(0, 0).toArray(), kv(2, 4, 100).select(0, cross ? 1 : 0).toArray());
      assert.equal(c.getSeqLength(), 1);
      c.dispose();
      assert.throws(() => c.cross(0), /no cross-attention keys for layer 0/);
    }
  }));
});
