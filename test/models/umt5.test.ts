// umt5.test.ts — UMT5 (model_type 'umt5': a relative position bias table in every block) against transformers
// (test/fixtures/umt5, scripts/fixtures/gen_umt5.py): two tiny checkpoints written by transformers 4.47.1 (untied
// as google/umt5-* ship; tied and rescaled) and two by 5.18 (the untied one reloaded — 5.x forces the tie flag and
// so rescales — and a fresh tied one), each checked against the version that wrote it. Logits, loss, every
// gradient, the head's tying and rescaling, greedy and beam generate() (the decoder cache with per-block
// biases), the save round trip, the config defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import '../../src/generation/index.js';
import { AutoConfig, AutoModel, AutoModelForSeq2SeqLM, UMT5Config, UMT5ForConditionalGeneration } from '../../src/models/index.js';
import { checkGrads, disposeRef, group, loadRef, maxExcess, noWarnings, type Ref } from './seq2seq-refs.js';

const DIR = new URL('../fixtures/umt5/', import.meta.url).pathname;
const load = (name: string): Promise<Ref> => loadRef(DIR, name);
const dispose = disposeRef;
// [folder, transformers rescales its decoder output]
const FIXTURES = [['umt5_v4_untied', false], ['umt5_v4_tied', true], ['umt5_v5_reloaded', true], ['umt5_v5_tied', true]] as const;

for (const [name, rescales] of FIXTURES) {
  test(`${name}: logits, loss and every gradient match transformers; the head tied and rescaled as there`, async () => {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings) as UMT5ForConditionalGeneration;
    assert.equal(model.constructor.name, 'UMT5ForConditionalGeneration');
    assert.ok(model.config instanceof UMT5Config);
    const tied = ref['meta.tied']!.item() === 1;
    assert.equal(model.lm_head.weight === model.shared.weight, tied, `${name}: lm_head tied = ${tied} in transformers`);
    assert.equal(model.config.scalesDecoderOutput, rescales);
    // every block of both stacks owns a bias table (3 encoder blocks, 2 decoder blocks)
    const tables = model.namedParameters().filter(([n]) => n.endsWith('relative_attention_bias.weight')).map(([n]) => n);
    assert.deepEqual(tables, [0, 1, 2].map((i) => `encoder.block.${i}.layer.0.SelfAttention.relative_attention_bias.weight`)
      .concat([0, 1].map((i) => `decoder.block.${i}.layer.0.SelfAttention.relative_attention_bias.weight`)));
    model.train();
    torch.tidy(() => {
      const out = model.forward(group(ref, 'input.'));
      assert.equal(maxExcess(out.logits, ref['output.logits']!), 0, `${name}: logits`);
      assert.equal(maxExcess(out.loss!, ref['output.loss']!), 0, `${name}: loss`);
      out.loss!.backward();
    });
    checkGrads(model, ref);
    model.dispose();
    dispose(ref);
  });
}

test('generate(): greedy and beam-3 tokens equal transformers\' for all four checkpoints', async () => {
  for (const [name] of FIXTURES) {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings);
    model.eval();
    for (const [key, beams] of [['generate.greedy', 1], ['generate.beam3', 3]] as const) {
      const out = model.generate({ input_ids: ref['input.input_ids']!, attention_mask: ref['input.attention_mask']!, max_new_tokens: 8, do_sample: false, num_beams: beams });
      assert.deepEqual(out.toArray(), ref[key]!.toArray(), `${name}: ${key}`);
      out.dispose();
    }
    model.dispose();
    dispose(ref);
  }
});

test('the per-block tables matter: block 0\'s bias in every block (T5\'s rule) gives other logits', async () => {
  const ref = await load('umt5_v4_untied');
  const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, 'umt5_v4_untied'), noWarnings) as UMT5ForConditionalGeneration;
  model.eval();
  const inputs = group(ref, 'input.');
  torch.noGrad(() => torch.tidy(() => {
    const base = model.forward(inputs).logits;
    const first = (s: typeof model.encoder) => (s.block.at(0)!.layer.at(0) as unknown as { SelfAttention: { relative_attention_bias: { weight: torch.Tensor } } }).SelfAttention.relative_attention_bias.weight;
    for (const stack of [model.encoder, model.decoder])
      for (const block of [...stack.block].slice(1)) (block.layer.at(0) as unknown as { SelfAttention: { relative_attention_bias: { weight: torch.Tensor } } }).SelfAttention.relative_attention_bias.weight.copy_(first(stack));
    assert.ok(model.forward(inputs).logits.sub(base).abs().max().item() > 1e-3, 'logits unchanged: the other blocks\' tables were not used');
  }));
  model.dispose();
  dispose(ref);
});

test('savePretrained -> fromPretrained: model_type umt5, the head as it was, the same logits', async () => {
  for (const [name, rescales] of FIXTURES) {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings) as UMT5ForConditionalGeneration;
    const out = mkdtempSync(join(tmpdir(), 'umt5-roundtrip-'));
    try {
      await model.savePretrained(out);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(cfg.model_type, 'umt5');
      assert.deepEqual(cfg.architectures, ['UMT5ForConditionalGeneration']);
      // UMT5Config's default is tie_word_embeddings true: written only when false (HF's to_diff_dict)
      assert.equal(cfg.tie_word_embeddings ?? true, rescales, `${name}: tie_word_embeddings written`);
      const back = await AutoModelForSeq2SeqLM.fromPretrained(out, noWarnings) as UMT5ForConditionalGeneration;
      assert.equal(back.lm_head.weight === back.shared.weight, model.lm_head.weight === model.shared.weight);
      for (const m of [model, back]) m.eval();
      torch.noGrad(() => torch.tidy(() => {
        const inputs = group(ref, 'input.');
        assert.ok(torch.equal(back.forward(inputs).logits, model.forward(inputs).logits), `${name}: logits changed in the round trip`);
      }));
      back.dispose();
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    model.dispose();
    dispose(ref);
  }
});

test('UMT5Config: umt5-small\'s architecture defaults (transformers 4.47 UMT5Config); 5.x configs force the tie', async () => {
  const c = new UMT5Config();
  assert.deepEqual([c.vocab_size, c.d_model, c.d_kv, c.d_ff, c.num_layers, c.num_decoder_layers, c.num_heads, c.feed_forward_proj, c.activation, c.is_gated_act],
    [250112, 512, 64, 1024, 8, 8, 6, 'gated-gelu', 'gelu_new', true]);
  assert.deepEqual([c.tie_word_embeddings, c.decoder_start_token_id, c.pad_token_id, c.eos_token_id, c.tokenizer_class], [true, 0, 0, 1, 'T5Tokenizer']);
  assert.equal(c.relativeBiasPerLayer, true);
  assert.equal(new UMT5Config({ tie_word_embeddings: false, transformers_version: '4.47.1' }).scalesDecoderOutput, false);
  const v5 = new UMT5Config({ tie_word_embeddings: false, transformers_version: '5.18.0' });
  assert.deepEqual([v5.tie_word_embeddings, v5.scalesDecoderOutput], [true, true]);
  const auto = await AutoConfig.fromPretrained(join(DIR, 'umt5_v4_untied'));
  assert.ok(auto instanceof UMT5Config);
  const base = await AutoModel.fromPretrained(join(DIR, 'umt5_v4_untied'), { onWarning: () => {} });
  assert.equal(base.constructor.name, 'UMT5Model');
  base.dispose();
});
