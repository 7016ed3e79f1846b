// t5-unpad.test.ts — T5Stack `unpad` (src/models/t5/stack.ts): the encoder run on the real tokens of
// a padded batch gives the padded forward's outputs at those tokens, zeros at the padding, and the
// same gradients for every parameter; generate() and the 'chunked_nll' training forward use it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import { T5Config, T5ForConditionalGeneration } from '../../src/models/index.js';
import '../../src/generation/index.js';
import { assertClose } from '../helpers.js';

// float32 products over other row counts: ~1e-6 relative; a tenfold margin.  Gradients are compared in
// float64, where the two paths agree to rounding (1e-12): in float32 the sums over other row counts
// differ by ~3e-7 of the largest gradient.
const TOL = { rtol: 1e-5, atol: 1e-5 };

function model(gated: boolean): T5ForConditionalGeneration {
  torch.manualSeed(gated ? 1 : 0);
  return new T5ForConditionalGeneration(new T5Config({
    vocab_size: 64, d_model: 32, d_kv: 8, d_ff: 48, num_layers: 2, num_decoder_layers: 2, num_heads: 4, dropout_rate: 0,
    decoder_start_token_id: 0, ...(gated ? { feed_forward_proj: 'gated-gelu', tie_word_embeddings: false } : {}),
  }));
}

// right padding, left padding, a hole, a full row
const MASK = [[1, 1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1, 1], [1, 1, 0, 1, 1, 1, 0], [1, 1, 1, 1, 1, 1, 1]];
const IDS = MASK.map((row, r) => row.map((m, j) => (m ? 3 + ((r * 7 + j * 5) % 60) : 0)));

for (const gated of [false, true]) {
  test(`T5 encoder unpad (${gated ? 'gated-gelu' : 'relu'}): real tokens as padded, zeros at the padding, the same gradients`, () => {
    const m = model(gated);
    m.to('float64');
    const enc = m.getEncoder();
    const ids = torch.tensor(IDS, { dtype: 'int64' }).keep(), mask = torch.tensor(MASK, { dtype: 'int64' }).keep();
    const keepF = mask.unsqueeze(-1).to('float64').keep(); // (B, T, 1)
    const weights = torch.randn([4, 7, 32]).to('float64').keep(); // a loss that reads every real position differently
    const run = (unpad: boolean) => torch.tidy(() => {
      for (const p of m.parameters()) p.grad?.zero_();
      const h = enc.forward({ input_ids: ids, attention_mask: mask, unpad }).last_hidden_state; // (B, T, d)
      h.mul(keepF).mul(weights).sum().backward();
      return { h: h.detach().clone().keep(), grads: m.parameters().map((p) => (p.grad ? p.grad.clone().keep() : null)) };
    });
    const want = run(false), got = run(true);
    assertClose(got.h.mul(keepF), want.h.mul(keepF), { rtol: 1e-10, atol: 1e-12, msg: 'real tokens' });
    assert.equal(got.h.mul(keepF.neg().add(1)).abs().max().item(), 0, 'zeros at the padding');
    assert.ok(want.h.mul(keepF.neg().add(1)).abs().max().item() > 0, 'the padded forward has values there (so the check can fail)');
    let compared = 0;
    got.grads.forEach((g, i) => {
      const w = want.grads[i];
      assert.equal(g === null, w === null, `grad ${i} present on both sides`);
      if (g && w) { assertClose(g, w, { rtol: 1e-10, atol: 1e-12, msg: `grad ${m.namedParameters()[i]?.[0] ?? i}` }); compared++; }
    });
    assert.ok(compared >= 10, `compared ${compared} encoder gradients`);
    // inputs_embeds take the same path
    const emb = m.shared.forward(ids).detach().keep();
    const viaEmb = torch.noGrad(() => enc.forward({ inputs_embeds: emb, attention_mask: mask, unpad: true }).last_hidden_state);
    assertClose(viaEmb, got.h, { rtol: 1e-10, atol: 1e-12, msg: 'inputs_embeds' });
    // float32: the real tokens' values to rounding
    m.to('float32');
    const h32 = (unpad: boolean) => torch.noGrad(() => enc.forward({ input_ids: ids, attention_mask: mask, unpad }).last_hidden_state.mul(keepF.float()));
    assertClose(h32(true), h32(false), { ...TOL, msg: 'float32 real tokens' });
    // no padding: the ordinary forward
    const full = torch.ones([2, 7], { dtype: 'int64' });
    const a = torch.noGrad(() => enc.forward({ input_ids: ids.narrow(0, 0, 2), attention_mask: full, unpad: true }).last_hidden_state);
    const b = torch.noGrad(() => enc.forward({ input_ids: ids.narrow(0, 0, 2), attention_mask: full }).last_hidden_state);
    assert.equal(a.sub(b).abs().max().item(), 0, 'no padding: bit-identical');
    m.dispose();
  });
}

test('T5 unpad: generate() (which unpads its encoder) gives the tokens of a decoder fed the padded encoder output', () => {
  const m = model(false);
  m.eval();
  const ids = torch.tensor(IDS, { dtype: 'int64' }), mask = torch.tensor(MASK, { dtype: 'int64' });
  const out = m.generate({ input_ids: ids, attention_mask: mask, max_new_tokens: 6, min_new_tokens: 6, do_sample: false }) as torch.Tensor;
  // greedy by hand with the padded encoder output and no cache: argmax of each step's last logits
  const encOut = torch.noGrad(() => m.getEncoder().forward({ input_ids: ids, attention_mask: mask }));
  let dec = torch.zeros([4, 1], { dtype: 'int64' });
  for (let s = 0; s < 6; s++) {
    const logits = torch.noGrad(() => m.forward({ encoder_outputs: encOut, attention_mask: mask, decoder_input_ids: dec }).logits);
    dec = torch.cat([dec, logits.select(1, logits.size(1) - 1).argmax(-1).unsqueeze(1)], 1);
  }
  assert.deepEqual(out.toArray(), dec.toArray());
  m.dispose();
});
