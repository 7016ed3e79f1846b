// mt5.test.ts — mT5 (model_type 'mt5') against transformers 5.18 (test/fixtures/mt5, scripts/fixtures/gen_mt5.py):
// one tiny model as google/mt5-* ship it (transformers 4: tie_word_embeddings false, a head of its own), the
// same saved again by transformers 5 (tie_word_embeddings true, no scale flag, the head still its own: 5.x
// does not tie a head the checkpoint holds with other values, and never rescales mT5's decoder output), and
// a fresh mT5 saved by transformers 5 (tied, not rescaled). Logits, loss and every gradient; the head's
// tying; greedy and beam generate(); the save round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import '../../src/generation/index.js';
import { AutoConfig, AutoModel, AutoModelForSeq2SeqLM, MT5Config, MT5ForConditionalGeneration, T5Config } from '../../src/models/index.js';
import { checkGrads, disposeRef, group, loadRef, maxExcess, noWarnings, type Ref } from './seq2seq-refs.js';

const DIR = new URL('../fixtures/mt5/', import.meta.url).pathname;
const load = (name: string): Promise<Ref> => loadRef(DIR, name);
const dispose = disposeRef;
const FIXTURES = ['mt5_v4_untied', 'mt5_v5_untied', 'mt5_v5_tied'] as const;

for (const name of FIXTURES) {
  test(`${name}: logits, loss and every gradient match transformers; the head tied as there`, async () => {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings) as MT5ForConditionalGeneration;
    assert.equal(model.constructor.name, 'MT5ForConditionalGeneration');
    assert.ok(model.config instanceof MT5Config);
    const tied = ref['meta.tied']!.item() === 1;
    assert.equal(model.lm_head.weight === model.shared.weight, tied, `${name}: lm_head tied = ${tied} in transformers`);
    assert.equal(model.config.scalesDecoderOutput, false, 'mT5 checkpoints never rescale the decoder output');
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

test('generate(): greedy and beam-3 tokens equal transformers\' for all three checkpoints', async () => {
  for (const name of FIXTURES) {
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

test('MT5Config: mT5-small defaults (transformers MT5Config), 4.x rescaling rule kept for configs 4.x wrote', () => {
  const c = new MT5Config();
  assert.deepEqual([c.vocab_size, c.d_model, c.d_kv, c.d_ff, c.num_layers, c.num_decoder_layers, c.num_heads, c.feed_forward_proj, c.activation, c.is_gated_act],
    [250112, 512, 64, 1024, 8, 8, 6, 'gated-gelu', 'gelu_new', true]);
  assert.deepEqual([c.tie_word_embeddings, c.decoder_start_token_id, c.pad_token_id, c.eos_token_id, c.tokenizer_class], [false, 0, 0, 1, 'T5Tokenizer']);
  assert.equal(new MT5Config({ num_layers: 3 }).num_decoder_layers, 3);
  // transformers 4.x's MT5ForConditionalGeneration (copied from T5) rescales when the config ties the head
  assert.equal(new MT5Config({ tie_word_embeddings: true, transformers_version: '4.47.1' }).scalesDecoderOutput, true);
  assert.equal(new MT5Config({ tie_word_embeddings: true, transformers_version: '5.18.0' }).scalesDecoderOutput, false);
  // T5 keeps its own defaults
  assert.deepEqual([new T5Config().vocab_size, new T5Config().feed_forward_proj, new T5Config().num_layers], [32128, 'relu', 6]);
});

test('AutoConfig / AutoModel resolve mt5 to the mT5 classes', async () => {
  const c = await AutoConfig.fromPretrained(join(DIR, 'mt5_v4_untied'));
  assert.ok(c instanceof MT5Config);
  const base = await AutoModel.fromPretrained(join(DIR, 'mt5_v4_untied'), { onWarning: () => {} });
  assert.equal(base.constructor.name, 'MT5Model');
  base.dispose();
});

test('savePretrained -> fromPretrained: model_type mt5, the head stored, tied again iff it was, the same logits', async () => {
  for (const name of FIXTURES) {
    const ref = await load(name);
    const model = await AutoModelForSeq2SeqLM.fromPretrained(join(DIR, name), noWarnings) as MT5ForConditionalGeneration;
    const out = mkdtempSync(join(tmpdir(), 'mt5-roundtrip-'));
    try {
      await model.savePretrained(out);
      const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
      assert.equal(cfg.model_type, 'mt5');
      assert.deepEqual(cfg.architectures, ['MT5ForConditionalGeneration']);
      // none of the three rescales: an untied head is saved as untied, so transformers 4 reads it untied (and
      // unscaled) too; mt5_v5_tied's tied head is saved as an untied one holding the same values, as 4.x would
      // read tie_word_embeddings true as "rescale" (transformers 5 and tunekit tie it again: a 5.x config)
      assert.equal(model.config.scalesDecoderOutput, false);
      assert.equal(cfg.tie_word_embeddings, false, `${name}: tie_word_embeddings written`);
      const stored = Object.keys((await torch.safetensors.readHeader(join(out, 'model.safetensors'))).tensors);
      const tied = ref['meta.tied']!.item() === 1;
      assert.equal(model.lm_head.weight === model.shared.weight, tied);
      assert.ok(stored.includes('lm_head.weight'), `${name}: lm_head.weight stored`);
      const back = await AutoModelForSeq2SeqLM.fromPretrained(out, noWarnings) as MT5ForConditionalGeneration;
      assert.equal(back.lm_head.weight === back.shared.weight, tied);
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
