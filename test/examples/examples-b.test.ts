// test/examples/examples-b.test.ts — smoke tests of the tutorial ports qa-squad-v2 and mlm-imdb
// (each run end to end in a child process with tiny settings, its RESULT line parsed and checked),
// plus hand-checkable unit tests of their helpers: the answer positions of
// prepare_train_features, the null/span choice of postprocess_qa_predictions, group_texts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { runExampleScript, type ExampleRun } from './child.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer } from '../../src/tokenizers/index.js';
import { SHARED_DATA } from '../../examples/qa/cli.js';
import { prepareTrainFeatures, prepareValidationFeatures } from '../../examples/qa/preprocess.js';
import { postprocessQaPredictions } from '../../examples/qa/postprocess.js';
import { groupTexts } from '../../examples/mlm/chunks.js';
import { SparseBertForMaskedLM } from '../../examples/mlm/sparse-head.js';
import { BertConfig, BertForMaskedLM } from '../../src/models/index.js';
import { manualSeed, tensor, tidy } from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';

const out = mkdtempSync(join(tmpdir(), 'tunekit-examples-b-'));
after(() => rmSync(out, { recursive: true, force: true }));

/** Runs an example with tiny settings; resolves with its exit code, output and parsed RESULT line. */
function runExample(name: string, flags: string[], outName = name): Promise<ExampleRun> {
  return runExampleScript(name, [...flags, '--out', join(out, outName)]);
}

// both children start at once, so the file's wall time is the slower of the two
const qaRun = runExample('qa-squad-v2', ['--max-train-questions', '96', '--max-eval-questions', '48', '--steps', '6', '--batch', '8', '--eval-every', '0']);
// the pipeline's own check: 50 updates on 40 questions, scored on those questions, must memorise them
const qaMemoRun = runExample('qa-squad-v2', ['--eval-on-train', '--max-train-questions', '40', '--steps', '50', '--batch', '8', '--eval-every', '0'], 'qa-memo');
const mlmRun = runExample('mlm-imdb', ['--max-reviews', '100', '--steps', '15', '--batch', '8', '--chunk-size', '64', '--vocab-size', '2000', '--eval-every', '0']);

test('qa-squad-v2 runs end to end and prints squad_v2 scores in [0, 100]', async () => {
  const { code, output, result } = await qaRun;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  for (const when of ['before', 'after'] as const)
    for (const k of ['exact', 'f1', 'HasAns_f1', 'NoAns_f1', 'best_f1']) {
      const v = result[when][k];
      assert.ok(typeof v === 'number' && v >= 0 && v <= 100, `${when}.${k} = ${v}`);
    }
  // 48 questions of the eval articles: the all-null baseline is their NoAns share
  assert.ok(result.baseline_no_answer_f1 > 0 && result.baseline_no_answer_f1 < 100);
});

test('qa-squad-v2 memorises its training questions (features, training, postprocessing and metric agree)', async () => {
  const { code, output, result } = await qaMemoRun;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  // measured: f1 0.6 -> 80.6, HasAns_f1 1.5 -> 72.1 (a broken offset or position mapping keeps HasAns_f1 near 0)
  assert.ok(result.after.HasAns_f1 > result.before.HasAns_f1 + 30, `HasAns_f1 ${result.before.HasAns_f1} -> ${result.after.HasAns_f1}`);
  assert.ok(result.after.f1 > result.baseline_no_answer_f1, `f1 ${result.after.f1} vs all-null ${result.baseline_no_answer_f1}`);
});

test('mlm-imdb runs end to end and its perplexity falls', async () => {
  const { code, output, result } = await mlmRun;
  assert.equal(code, 0, output.slice(-3000));
  assert.ok(result, `no RESULT line in:\n${output.slice(-3000)}`);
  const { perplexity_before: before, perplexity_after: after, vocab_size: V } = result;
  assert.ok(Number.isFinite(before) && Number.isFinite(after), `perplexities ${before} -> ${after}`);
  // an untrained model is close to uniform over the vocabulary: perplexity near V
  assert.ok(before > V / 3 && before < V * 3, `untrained perplexity ${before} vs vocab ${V}`);
  assert.ok(after < before, `perplexity did not fall: ${before} -> ${after}`);
});

test('prepare_train_features: positions cover the gold answer, [CLS] for no answer or an answer outside the window', async () => {
  const tok = await AutoTokenizer.fromPretrained(`${SHARED_DATA}/tokenizers/bert-base-uncased`);
  const context = 'The Normans were the people who in the 10th and 11th centuries gave their name to Normandy, a region in France.';
  const batch = {
    id: ['a', 'b', 'c'], question: ['  In what country is Normandy located?', 'When?', 'Who ruled?'], context: [context, context, context],
    answers: [{ text: ['France'], answer_start: [context.indexOf('France')] }, { text: ['10th and 11th centuries'], answer_start: [context.indexOf('10th')] }, { text: [], answer_start: [] }],
  };
  const f = await prepareTrainFeatures(tok, batch, { maxLength: 64, stride: 16 });
  const ids = f.input_ids as number[][], s = f.start_positions as number[], e = f.end_positions as number[];
  assert.equal(ids.length, 3);
  assert.equal(tok.decode(ids[0]!.slice(s[0]!, e[0]! + 1)), 'france');
  assert.equal(tok.decode(ids[1]!.slice(s[1]!, e[1]! + 1)), '10th and 11th centuries');
  assert.deepEqual([s[2], e[2]], [0, 0]);
  // windows of 24 tokens: the answer 'france' is only in the last window; the others point at [CLS]
  const w = await prepareTrainFeatures(tok, { ...batch, id: ['a'], question: ['Where?'], context: [context], answers: [batch.answers[0]!] }, { maxLength: 24, stride: 8 });
  const ws = w.start_positions as number[], we = w.end_positions as number[], wi = w.input_ids as number[][];
  assert.ok(wi.length > 1, 'expected several windows');
  const found = ws.flatMap((st, k) => (st === 0 ? [] : [tok.decode(wi[k]!.slice(st, we[k]! + 1))]));
  assert.deepEqual(found, ['france']);
  // validation features: offsets only inside the context
  const v = await prepareValidationFeatures(tok, { ...batch, id: ['a'], question: ['Where?'], context: [context], answers: [batch.answers[0]!] }, { maxLength: 24, stride: 8 });
  const offs = (v.offset_mapping as ([number, number] | null)[][])[0]!;
  assert.equal(offs[0], null); // [CLS]
  assert.deepEqual(offs.find((o) => o !== null), [0, 3]); // 'the', the first context token
  assert.deepEqual(v.example_id, (v.example_id as string[]).map(() => 'a'));
});

test('postprocess_qa_predictions: best span within the context, null answer when [CLS] scores higher', () => {
  const ctx = 'alpha beta gamma';
  // one feature: [CLS] q [SEP] alpha beta gamma [SEP]; offsets null outside the context
  const offsets: ([number, number] | null)[] = [null, null, null, [0, 5], [6, 10], [11, 16], null];
  const logits = (xs: number[]) => ({ data: Float32Array.from(xs), shape: [1, xs.length] });
  // span beta..gamma scores 3 + 3 = 6 > null 1 + 1 (a higher start logit on the question token is ignored)
  let [p] = postprocessQaPredictions([{ id: 'x', context: ctx }], [{ example_id: 'x', offset_mapping: offsets }], logits([1, 9, 0, 0, 3, 0, 0]), logits([1, 0, 0, 0, 0, 3, 0]));
  assert.equal(p!.prediction_text, 'beta gamma');
  assert.ok(p!.no_answer_probability > 0 && p!.no_answer_probability < 0.05);
  // null 4 + 4 = 8 beats the best span 6: predict '' but keep the best span for diagnostics
  [p] = postprocessQaPredictions([{ id: 'x', context: ctx }], [{ example_id: 'x', offset_mapping: offsets }], logits([4, 0, 0, 0, 3, 0, 0]), logits([4, 0, 0, 0, 0, 3, 0]));
  assert.equal(p!.prediction_text, '');
  assert.equal(p!.best_span_text, 'beta gamma');
  assert.equal(p!.score_diff, 2);
  // two features: the null score is the minimum over them (HF utils_qa.py)
  [p] = postprocessQaPredictions([{ id: 'x', context: ctx }], [{ example_id: 'x', offset_mapping: offsets }, { example_id: 'x', offset_mapping: offsets }],
    { data: Float32Array.from([4, 0, 0, 0, 3, 0, 0, 2, 0, 0, 0, 0, 0, 0]), shape: [2, 7] }, { data: Float32Array.from([4, 0, 0, 0, 0, 3, 0, 2, 0, 0, 0, 0, 0, 0]), shape: [2, 7] });
  assert.equal(p!.prediction_text, 'beta gamma'); // min null 2 + 2 = 4 < span 6
});

test('group_texts: concatenates, cuts into blocks, drops the remainder, labels copy input_ids', () => {
  const g = groupTexts({ input_ids: [[1, 2, 3], [4, 5, 6, 7]], attention_mask: [[1, 1, 1], [1, 1, 1, 1]] }, 3);
  assert.deepEqual(g.input_ids, [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(g.attention_mask, [[1, 1, 1], [1, 1, 1]]);
  assert.deepEqual(g.labels, g.input_ids);
});

test('the sparse MLM head gives the dense head loss (only the masked positions are scored)', () => {
  manualSeed(0);
  const config = new BertConfig({ vocab_size: 50, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
  const dense = BertForMaskedLM.fromConfig(config);
  const sparse = SparseBertForMaskedLM.fromConfig(config);
  sparse.loadStateDict(dense.stateDict());
  tidy(() => {
    const input_ids = tensor([[2, 7, 9, 11, 3], [2, 5, 6, 3, 0]], { dtype: 'int64' });
    const attention_mask = tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]], { dtype: 'int64' });
    const labels = tensor([[-100, 8, -100, 12, -100], [-100, -100, 40, -100, -100]], { dtype: 'int64' });
    const d = dense.forward({ input_ids, attention_mask, labels });
    const s = sparse.forward({ input_ids, attention_mask, labels });
    assert.deepEqual(s.logits.shape, [3, 50]); // 3 labelled positions
    assertClose(s.loss!, d.loss!, { rtol: 1e-6, msg: 'same positions, same head, same loss; float32 summation order only' });
    assert.equal(sparse.constructor.name, 'BertForMaskedLM'); // config.json architectures stays HF's
  });
});
