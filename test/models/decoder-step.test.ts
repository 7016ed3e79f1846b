// decoderStep (src/models/causal-lm.ts): which attention each step gets. Plain causal steps use SDPA's
// is_causal with no mask; one-token decode steps without padding need no mask; a mask whose rows
// are all masked (left padding) runs the explicit math while gradients are on — libtorch 2.x's
// fused CPU kernel backpropagates such rows differently from HF's eager attention (the
// llama_qa left-padding fixture in heads.test.ts fails on 2.x without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { DynamicCache } from '../../src/nn/index.js';
import { decoderStep } from '../../src/models/index.js';

const ids = (b: number, t: number) => torch.zeros([b, t], { dtype: 'int64' });

test('plain causal, decode steps and padded steps get the attention they need', () => {
  torch.tidy(() => {
    const plain = decoderStep({ input_ids: ids(2, 4) }, 2, 4).attentionFor(null);
    assert.deepEqual([plain.mask, plain.isCausal, plain.eager], [null, true, false]);
    const ones = decoderStep({ input_ids: ids(2, 4), attention_mask: torch.ones([2, 4], { dtype: 'int64' }) }, 2, 4).attentionFor(null);
    assert.deepEqual([ones.mask, ones.isCausal], [null, true]);
    // right padding: every row keeps a key (its own position or earlier tokens)
    const right = decoderStep({ input_ids: ids(2, 4), attention_mask: torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]], { dtype: 'int64' }) }, 2, 4).attentionFor(null);
    assert.ok(right.mask);
    assert.equal(right.eager, false);
    // left padding: row 1's first two queries see only padding
    const leftMask = torch.tensor([[1, 1, 1, 1], [0, 0, 1, 1]], { dtype: 'int64' });
    const left = decoderStep({ input_ids: ids(2, 4), attention_mask: leftMask }, 2, 4).attentionFor(null);
    assert.deepEqual(left.mask!.shape, [2, 1, 4, 4]);
    assert.equal(left.eager, true, 'fully masked rows with gradients on: the explicit math');
    const inference = torch.noGrad(() => decoderStep({ input_ids: ids(2, 4), attention_mask: leftMask }, 2, 4).attentionFor(null));
    assert.equal(inference.eager, false, 'without gradients the fused kernel is exact');
    // a one-token decode step after 4 cached tokens, no padding: no mask at all
    const cache = new DynamicCache();
    cache.update(torch.zeros([2, 1, 4, 2]), torch.zeros([2, 1, 4, 2]), 0);
    const step = decoderStep({ input_ids: ids(2, 1), attention_mask: torch.ones([2, 5], { dtype: 'int64' }), past_key_values: cache }, 2, 1).attentionFor(null);
    assert.deepEqual([step.mask, step.isCausal], [null, false]);
    // ...but a window shorter than the past needs its mask
    const windowed = decoderStep({ input_ids: ids(2, 1), past_key_values: cache }, 2, 1).attentionFor(2);
    assert.deepEqual(windowed.mask!.shape, [2, 1, 1, 5]);
    cache.dispose();
  });
});
