// seq2seq-head.test.ts — src/models/t5/head.ts: the LM head's transposed product for a few decoder rows
// (generate()'s decode steps) gives libtorch's linear's logits, in every shape it takes, and is not used
// where a gradient is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { Linear } from '../../src/nn/index.js';
import { lmHeadLogits, decodeHeadWeight } from '../../src/models/t5/head.js';
import { T5Config, T5ForConditionalGeneration } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';
import '../../src/generation/index.js'; // generate()

// float32 products over d_model = 256 summed in another order: ~1e-6 relative; a tenfold margin
const RTOL = 1e-5, ATOL = 1e-5;

function head(): Linear {
  torch.manualSeed(0);
  return new Linear(256, 8192, { bias: false }); // 2M weights: above the cache-size threshold
}

test('lmHeadLogits: (B, T, V) logits equal to the linear for 1 .. 8 rows and beyond, under noGrad', () => {
  const lm = head();
  for (const shape of [[1, 1], [2, 1], [3, 1], [8, 1], [2, 4], [9, 1], [4, 5]] as const) {
    torch.tidy(() => {
      const h = torch.randn([...shape, 256]);
      const want = lm.forward(h).detach(); // (B, T, V)
      const got = torch.noGrad(() => lmHeadLogits(lm, h));
      assert.deepEqual(got.shape, [...shape, 8192], `shape for ${shape}`);
      // up to 8 rows: a view with the vocabulary as the outer axis in memory (no transposing copy)
      assert.equal(got.isContiguous(), shape[0] * shape[1] > 8, `layout for ${shape}`);
      assertClose(got, want, { rtol: RTOL, atol: ATOL, msg: `rows ${shape}` });
      // every row is its own: a wrong transpose mixes rows and vocabulary entries
      const rowArgmax = got.reshape(-1, 8192).argmax(-1).toArray();
      assert.deepEqual(rowArgmax, want.reshape(-1, 8192).argmax(-1).toArray(), `argmax per row for ${shape}`);
    });
  }
  lm.dispose();
});

test('lmHeadLogits: with a gradient to compute it is the linear itself (the weight gets its gradient)', () => {
  const lm = head();
  torch.tidy(() => {
    const h = torch.randn([2, 1, 256]);
    const out = lmHeadLogits(lm, h);
    assert.equal(out.requiresGrad, true);
    out.sum().backward();
    assert.ok(lm.weight.grad, 'weight.grad after backward');
    // d(sum)/dW[v, :] = sum over rows of h
    assertClose(lm.weight.grad!.narrow(0, 0, 1).reshape(256), h.sum([0, 1]), { rtol: RTOL, atol: ATOL });
  });
  lm.dispose();
});

test("T5 lossType 'chunked_nll': the same loss and gradients as the logits path, (B, 0, V) logits", () => {
  torch.manualSeed(0);
  const model = new T5ForConditionalGeneration(new T5Config({ vocab_size: 96, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_heads: 4, dropout_rate: 0, decoder_start_token_id: 0 }));
  const ids = torch.tensor([[5, 6, 7, 8, 1], [9, 10, 1, 0, 0]], { dtype: 'int64' }).keep();
  const mask = ids.ne(0).long().keep();
  const labels = torch.tensor([[11, 12, 13, 1], [14, 1, -100, -100]], { dtype: 'int64' }).keep();
  const run = (lossType: 'nll' | 'chunked_nll') => torch.tidy(() => {
    model.lossType = lossType;
    for (const p of model.parameters()) p.grad?.zero_();
    const out = model.forward({ input_ids: ids, attention_mask: mask, labels });
    out.loss!.backward();
    // the chunked forward's encoder skips the padding (T5Stack unpad): zeros there, values elsewhere
    const padRows = out.encoder_last_hidden_state!.select(0, 1).narrow(0, 3, 2).abs().max().item();
    assert.equal(padRows === 0, lossType === 'chunked_nll', `${lossType}: encoder output at the padding ${padRows}`);
    return { loss: out.loss!.item(), logits: out.logits.shape, grads: model.parameters().map((p) => p.grad!.clone().keep()) };
  });
  const want = run('nll'), got = run('chunked_nll');
  assert.deepEqual(got.logits, [2, 0, 96]);
  assert.deepEqual(want.logits, [2, 4, 96]);
  assertClose(got.loss, want.loss, { rtol: RTOL, atol: ATOL });
  got.grads.forEach((g, i) => assertClose(g, want.grads[i]!, { rtol: 1e-4, atol: 1e-6, msg: `grad ${i}` }));
  // without a gradient to make (evaluation) the logits are made as usual
  const evalOut = torch.noGrad(() => model.forward({ input_ids: ids, attention_mask: mask, labels }));
  assert.deepEqual(evalOut.logits.shape, [2, 4, 96]);
  assertClose(evalOut.loss!.item(), want.loss, { rtol: RTOL, atol: ATOL });
  model.dispose();
});

test('decodeHeadWeight: a transposed head for more than 8 rows gives the linear\'s logits; none for 8 rows or fewer', () => {
  const lm = head();
  assert.equal(decodeHeadWeight(lm, 8), null);
  const copy = decodeHeadWeight(lm, 32)!;
  assert.deepEqual(copy.weightT.shape, [256, 8192]);
  for (const shape of [[9, 1], [32, 1], [4, 5]] as const) {
    torch.tidy(() => {
      const h = torch.randn([...shape, 256]);
      const want = lm.forward(h).detach();
      const got = torch.noGrad(() => lmHeadLogits(lm, h, copy));
      assert.deepEqual(got.shape, [...shape, 8192]);
      assertClose(got, want, { rtol: RTOL, atol: ATOL, msg: `rows ${shape}` });
    });
  }
  // a weight written to after the copy (an optimizer step): the copy is stale and left alone
  torch.tidy(() => {
    torch.noGrad(() => lm.weight.mul_(2));
    const h = torch.randn([16, 1, 256]);
    assertClose(torch.noGrad(() => lmHeadLogits(lm, h, copy)), lm.forward(h).detach(), { rtol: RTOL, atol: ATOL, msg: 'after a write' });
  });
  // with a gradient to make it is the linear (the weight gets its gradient), copy or not
  torch.tidy(() => {
    const out = lmHeadLogits(lm, torch.randn([16, 1, 256]), copy);
    out.sum().backward();
    assert.ok(lm.weight.grad);
  });
  copy.weightT.dispose();
  lm.dispose();
});

test('T5 beam search over more than 8 rows: the same beams with and without the transposed head, which is freed after', () => {
  torch.manualSeed(5);
  // vocab x d_model = 32768 x 32: above head.ts' 1M-element threshold, so decode steps use the copy
  const model = new T5ForConditionalGeneration(new T5Config({ vocab_size: 32768, d_model: 32, d_kv: 8, d_ff: 64, num_layers: 2, num_heads: 4, dropout_rate: 0, decoder_start_token_id: 0 }));
  model.eval();
  const ids = torch.tensor([[5, 6, 7, 8, 1], [9, 10, 1, 0, 0], [11, 12, 13, 1, 0]], { dtype: 'int64' }).keep();
  const mask = ids.ne(0).long().keep();
  const gen = () => { const out = model.generate({ input_ids: ids, attention_mask: mask, num_beams: 4, max_new_tokens: 6, min_new_tokens: 6 }); const r = out.toArray(); out.dispose(); return r; };
  let ended = 0;
  const begin = model.beginDecoding.bind(model);
  model.beginDecoding = (o) => { assert.equal(o.rows, 12); const h = begin(o); return { dispose: () => { ended++; h.dispose(); } }; };
  const withCopy = gen();
  assert.equal(ended, 1, 'generate() ended the decoding scope');
  model.beginDecoding = () => ({ dispose: () => {} });
  assert.deepEqual(withCopy, gen());
  model.dispose();
});
