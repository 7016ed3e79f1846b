// t5-heads.test.ts — T5's classification models against transformers 4.47.1 (test/fixtures/t5-heads, made through
// the harness by scripts/fixtures/gen_t5_heads.py): T5ForSequenceClassification (the decoder output at the last
// <eos> of input_ids, HF's T5ClassificationHead), its UMT5 twin with multi-label targets, T5ForTokenClassification
// (the encoder alone), T5ForQuestionAnswering (start / end logits over the decoder output, a position past the
// window ignored); logits, loss, every gradient; the Auto classes; a T5ForConditionalGeneration checkpoint loaded
// into them (the `transformer.` prefix added); HF's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as torch from '../../src/torch/index.js';
import {
  AutoModelForQuestionAnswering, AutoModelForSequenceClassification, AutoModelForTokenClassification, T5Config, T5ForQuestionAnswering,
  T5ForSequenceClassification, T5ForTokenClassification,
} from '../../src/models/index.js';
import { checkGrads, group, loadRef, maxExcess, noWarnings, type Ref } from './seq2seq-refs.js';
import { sharedDir } from '../helpers.js';

const DIR = new URL('../fixtures/t5-heads/', import.meta.url).pathname;
const load = (name: string): Promise<Ref> => loadRef(DIR, name);

for (const [name, cls, auto] of [
  ['t5_seqcls', 'T5ForSequenceClassification', AutoModelForSequenceClassification],
  ['umt5_seqcls', 'UMT5ForSequenceClassification', AutoModelForSequenceClassification],
  ['t5_tokcls', 'T5ForTokenClassification', AutoModelForTokenClassification],
  ['t5_qa', 'T5ForQuestionAnswering', AutoModelForQuestionAnswering],
] as const) {
  test(`${name}: ${cls} — logits, loss and every gradient match transformers 4.47.1`, async () => {
    const ref = await load(name);
    const model = await auto.fromPretrained(join(DIR, name), noWarnings);
    assert.equal(model.constructor.name, cls);
    model.train();
    torch.tidy(() => {
      const out = (model as unknown as { forward(i: Ref): Record<string, torch.Tensor> }).forward(group(ref, 'input.'));
      for (const k of ['logits', 'start_logits', 'end_logits'].filter((k) => ref[`output.${k}`])) {
        assert.deepEqual(out[k]!.shape, ref[`output.${k}`]!.shape, `${name}: ${k} shape`);
        assert.equal(maxExcess(out[k]!, ref[`output.${k}`]!), 0, `${name}: ${k}`);
      }
      assert.equal(maxExcess(out.loss!, ref['output.loss']!), 0, `${name}: loss`);
      out.loss!.backward();
    });
    checkGrads(model, ref);
    model.dispose();
    Object.values(ref).forEach((t) => t.dispose());
  });
}

test('a T5ForConditionalGeneration checkpoint loads into the heads under `transformer.` (the head new, lm_head left out)', async () => {
  const dir = sharedDir('fixtures/hf/models/t5_seq2seq');
  const warnings: string[] = [];
  const seq = await T5ForSequenceClassification.fromPretrained(dir, { onWarning: (w: string) => warnings.push(w) }) as T5ForSequenceClassification;
  assert.ok(warnings.some((w) => /newly initialized: \['classification_head\.dense\.bias', 'classification_head\.dense\.weight', 'classification_head\.out_proj\.bias', 'classification_head\.out_proj\.weight'\]/.test(w)), warnings.join('\n'));
  const file = await torch.safetensors.loadFile(join(dir, 'model.safetensors'));
  assert.ok(torch.equal(seq.transformer.shared.weight, file['shared.weight']!), 'the encoder-decoder weights are the checkpoint\'s');
  assert.ok(torch.equal(seq.transformer.decoder.block.at(1)!.layer.at(2)!.namedParameters()[0]![1], file[`decoder.block.1.layer.2.${seq.transformer.decoder.block.at(1)!.layer.at(2)!.namedParameters()[0]![0]}`]!));
  const tok = await T5ForTokenClassification.fromPretrained(dir, { onWarning: () => {} }) as T5ForTokenClassification;
  assert.ok(torch.equal(tok.transformer.shared.weight, file['shared.weight']!));
  const qaWarnings: string[] = [];
  const qa = await T5ForQuestionAnswering.fromPretrained(dir, { onWarning: (w: string) => qaWarnings.push(w) }) as T5ForQuestionAnswering;
  assert.ok(torch.equal(qa.shared.weight, file['shared.weight']!), 'QA holds shared / encoder / decoder itself (HF\'s keys)');
  assert.ok(qaWarnings.some((w) => /newly initialized: \['qa_outputs\.bias', 'qa_outputs\.weight'\]/.test(w)), qaWarnings.join('\n'));
  for (const m of [seq, tok, qa]) m.dispose();
  Object.values(file).forEach((t) => t.dispose());
});

test('bad input: HF\'s errors (unequal <eos> counts, inputs_embeds), and clear ones (no <eos>, decoder length)', () => {
  torch.manualSeed(0);
  const m = new T5ForSequenceClassification(new T5Config({ vocab_size: 16, d_model: 8, d_kv: 4, d_ff: 8, num_layers: 1, num_heads: 2, dropout_rate: 0, decoder_start_token_id: 0, num_labels: 2 }));
  const t = (rows: number[][]) => torch.tensor(rows, { dtype: 'int64' });
  torch.tidy(() => {
    assert.throws(() => m.forward({ input_ids: t([[3, 1, 4, 1], [3, 4, 5, 1]]) }), /^Error: All examples must have the same number of <eos> tokens\.$/);
    assert.throws(() => m.forward({ input_ids: t([[3, 4], [5, 6]]) }), /no <eos> token \(id 1\) in input_ids/);
    assert.throws(() => m.forward({ inputs_embeds: torch.zeros([1, 2, 8]) }), /Passing input embeddings is currently not supported for T5ForSequenceClassification/);
    assert.throws(() => m.forward({ input_ids: t([[3, 1]]), decoder_input_ids: t([[0, 3, 1]]) }), /decoder_input_ids must be as long as input_ids/);
    const ok = m.forward({ input_ids: t([[3, 1, 0], [4, 5, 1]]), labels: t([[1], [0]]).view(-1) });
    assert.deepEqual(ok.logits.shape, [2, 2]);
    assert.ok(Number.isFinite(ok.loss!.item()));
  });
  m.dispose();
});
