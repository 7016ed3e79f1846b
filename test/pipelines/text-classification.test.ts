// text-classification pipeline: labels and scores against softmax / sigmoid of the fixture
// models' own forward, HF's return shapes (legacy single dict in a list, top_k, top_k null),
// text pairs, batching with padding, function_to_apply, and pipeline() loading from a folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, tidy } from '../../src/torch/index.js';
import { AutoModelForSequenceClassification, type PreTrainedModel } from '../../src/models/index.js';
import type { PreTrainedTokenizerFast } from '../../src/tokenizers/index.js';
import { pipeline, TextClassificationPipeline, type LabelScore } from '../../src/pipelines/index.js';
import { assertClose } from '../helpers.js';
import { fixtureDir, fixturePath, tinyTokenizer } from './tiny.js';

const quiet = { onWarning: () => {} };

/** The model's own logits for one text (or pair), computed outside the pipeline. */
async function logitsOf(model: PreTrainedModel, tok: PreTrainedTokenizerFast, text: string, pair?: string): Promise<number[]> {
  const enc = await tok.call(text, { textPair: pair, returnTensors: 'pt' });
  const out = tidy(() => noGrad(() => (model.forward(enc.data as never) as { logits: { toArray(): unknown } }).logits.toArray() as number[][]));
  enc.dispose();
  return out[0]!;
}
const softmax = (x: number[]): number[] => {
  const e = x.map((v) => Math.exp(v - Math.max(...x)));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

test('a string gives [{label, score}] with the argmax of softmax(logits); top_k null gives every label sorted', async () => {
  const dir = fixtureDir('bert_seqcls');
  const clf = await pipeline('text-classification', { model: dir });
  assert.ok(clf instanceof TextClassificationPipeline);
  const text = 'john lives in new york.';
  const p = softmax(await logitsOf(clf.model, clf.tokenizer, text));
  const best = p.indexOf(Math.max(...p));
  const one = await clf(text);
  assert.equal(one.length, 1);
  assert.equal(one[0]!.label, `LABEL_${best}`);
  assertClose(one[0]!.score, p[best]!, { rtol: 1e-6, msg: 'float32 logits, float64 softmax' });

  const all = await clf(text, { top_k: null });
  const order = [0, 1, 2].sort((a, b) => p[b]! - p[a]!);
  assert.deepEqual(all.map((r) => r.label), order.map((i) => `LABEL_${i}`));
  assertClose(all.map((r) => r.score), order.map((i) => p[i]!), { rtol: 1e-6 });
  assertClose(all.reduce((s, r) => s + r.score, 0), 1, { rtol: 1e-6 });

  // top_k 2 over a list: one list per input; without top_k: one dict per input.
  const texts = ['the capital of france is paris.', 'win free money now!'];
  const two = await clf(texts, { top_k: 2 });
  assert.equal(two.length, 2);
  for (const [i, rows] of two.entries()) {
    const q = softmax(await logitsOf(clf.model, clf.tokenizer, texts[i]!));
    const top = [0, 1, 2].sort((a, b) => q[b]! - q[a]!).slice(0, 2);
    assert.deepEqual(rows.map((r) => r.label), top.map((k) => `LABEL_${k}`));
    assertClose(rows.map((r) => r.score), top.map((k) => q[k]!), { rtol: 1e-6 });
  }
  const flat = await clf(texts);
  assert.deepEqual(flat.map((r) => r.label), two.map((r) => r[0]!.label));
});

test('a text pair is encoded as two segments (token_type_ids) and gives a single dict', async () => {
  const tok = await tinyTokenizer();
  const model = await AutoModelForSequenceClassification.fromPretrained(fixturePath('bert_seqcls'), quiet);
  const clf = await pipeline('sentiment-analysis', { model, tokenizer: tok });
  const r = await clf({ text: 'where does john live?', text_pair: 'john lives in paris.' });
  assert.ok(!Array.isArray(r));
  const p = softmax(await logitsOf(model, tok, 'where does john live?', 'john lives in paris.'));
  const best = p.indexOf(Math.max(...p));
  assert.equal((r as LabelScore).label, `LABEL_${best}`);
  assertClose((r as LabelScore).score, p[best]!, { rtol: 1e-6 });
  // The pair is not the concatenated text: segment B has other embeddings.
  const joined = softmax(await logitsOf(model, tok, 'where does john live? john lives in paris.'));
  assert.ok(Math.abs(joined[best]! - p[best]!) > 1e-4, 'pair scores must differ from the single-segment text');
  await assert.rejects(clf([['a', 'b']] as never), /text pairs/);
});

test('batch_size pads to the longest input and gives the unbatched scores', async () => {
  const clf = await pipeline('text-classification', { model: fixtureDir('bert_seqcls') });
  const texts = ['paris', 'john lives in new york and works in london.', 'what is the capital of france?'];
  const a = await clf(texts, { top_k: null });
  const b = await clf(texts, { top_k: null, batch_size: 3 });
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(b[i]!.map((r) => r.label), a[i]!.map((r) => r.label));
    assertClose(b[i]!.map((r) => r.score), a[i]!.map((r) => r.score), { atol: 2e-6, msg: 'padding is masked; float32 reduction order differs' });
  }
});

test('function_to_apply: sigmoid for multi-label, none for regression, explicit overrides; id2label names', async () => {
  const tok = await tinyTokenizer();
  const text = 'mary works in london.';
  const multi = await AutoModelForSequenceClassification.fromPretrained(fixturePath('bert_seqcls_multilabel'), quiet);
  const ml = await pipeline('text-classification', { model: multi, tokenizer: tok });
  const z = await logitsOf(multi, tok, text);
  const sig = z.map((v) => 1 / (1 + Math.exp(-v)));
  const r = await ml(text, { top_k: null });
  const order = z.map((_, i) => i).sort((a, b) => sig[b]! - sig[a]!);
  assertClose(r.map((x) => x.score), order.map((i) => sig[i]!), { rtol: 1e-6 });
  const none = await ml(text, { top_k: null, function_to_apply: 'none' });
  assertClose(none.map((x) => x.score), [...z].sort((a, b) => b - a), { rtol: 1e-6 });
  const soft = await ml(text, { top_k: 1, function_to_apply: 'softmax' });
  assertClose(soft[0]!.score, Math.max(...softmax(z)), { rtol: 1e-6 });

  const reg = await pipeline('text-classification', { model: await AutoModelForSequenceClassification.fromPretrained(fixturePath('bert_seqcls_regression'), quiet), tokenizer: tok });
  const y = await logitsOf(reg.model, tok, text);
  const out = await reg(text);
  assert.equal(out[0]!.label, 'LABEL_0');
  assertClose(out[0]!.score, y[0]!, { rtol: 1e-6, msg: 'regression: the raw output' });

  const named = await pipeline('text-classification', { model: fixtureDir('bert_seqcls'), modelKwargs: { id2label: { 0: 'ham', 1: 'spam', 2: 'other' }, onWarning: () => {} } });
  assert.deepEqual((await named(text, { top_k: null })).map((x) => x.label).sort(), ['ham', 'other', 'spam']);
  await assert.rejects(named(text, { bogus: 1 } as never), /unknown option/);
  await assert.rejects(named(text, { function_to_apply: 'relu' as never }), /Unrecognized `function_to_apply`/);
});

test('truncation with max_length keeps long texts inside the position table', async () => {
  const clf = await pipeline('text-classification', { model: fixtureDir('bert_seqcls') });
  const long = Array.from({ length: 200 }, () => 'paris').join(' ');
  const r = await clf(long, { truncation: true, max_length: 16 });
  const p = softmax(await logitsOf(clf.model, clf.tokenizer, Array.from({ length: 14 }, () => 'paris').join(' ')));
  assertClose(r[0]!.score, Math.max(...p), { rtol: 1e-6, msg: '16 tokens = [CLS] + 14 words + [SEP]' });
});
