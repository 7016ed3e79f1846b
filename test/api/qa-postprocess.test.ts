// postprocessQaPredictions (transformers' examples utils_qa.py) on hand-made logits: the best
// span inside the context, the null answer of SQuAD v2 (the minimum over an example's windows)
// against null_score_diff_threshold, n_best_size / max_answer_length / token_is_max_context, HF's
// 'empty' fallback, Trainer-style arrays as input, and the errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postprocessQaPredictions, postprocessQaPredictionsWithDetails } from '../../src/pipelines/qa-postprocess.js';
import { HostArray } from '../../src/trainer/arrays.js';
import { assertClose } from '../helpers.js';

const CONTEXT = 'alpha beta gamma';
// [CLS] q [SEP] alpha beta gamma [SEP]: offsets null outside the context
const OFFSETS = [null, null, null, [0, 5], [6, 10], [11, 16], null] as const;
const ex = [{ id: 'x', context: CONTEXT }];
const feat = [{ example_id: 'x', offset_mapping: OFFSETS }];
const arr = (...rows: number[][]) => new HostArray(Float32Array.from(rows.flat()), [rows.length, rows[0]!.length]);

test('the best span inside the context; the question token and [CLS] are never a span', () => {
  // start 9 on the question token is ignored; beta..gamma scores 3 + 3 = 6
  const start = [1, 9, 0, 0, 3, 0, 0], end = [1, 0, 0, 0, 0, 3, 0];
  assert.deepEqual(postprocessQaPredictions(ex, feat, [arr(start), arr(end)]), { x: 'beta gamma' });
  // nested arrays work as well
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]]), { x: 'beta gamma' });
  const d = postprocessQaPredictionsWithDetails(ex, feat, [[start], [end]], { version_2_with_negative: true });
  assert.deepEqual(d.predictions, { x: 'beta gamma' });
  assert.deepEqual(d.scores_diff, { x: 2 - 6 }); // null 1 + 1 minus the span's 3 + 3
  // n-best: the 6 spans of {alpha, beta, gamma} plus the null answer, softmax over their scores
  const nb = d.nbest.x!;
  assert.equal(nb.length, 7);
  assert.deepEqual(nb[0]!.text, 'beta gamma');
  const z = Math.exp(6) + 3 * Math.exp(3) + Math.exp(2) + 2 * Math.exp(0);
  assertClose(nb[0]!.probability, Math.exp(6) / z, { rtol: 1e-6 });
  assertClose(nb.reduce((s, e) => s + e.probability, 0), 1, { rtol: 1e-9 });
  assert.deepEqual(nb.find((e) => e.text === '')!.start_logit, 1);
});

test('SQuAD v2: the null answer wins past null_score_diff_threshold; its score is the minimum over windows', () => {
  const start = [4, 0, 0, 0, 3, 0, 0], end = [4, 0, 0, 0, 0, 3, 0]; // null 8 > span 6
  const v2 = { version_2_with_negative: true };
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], v2), { x: '' });
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], { ...v2, null_score_diff_threshold: 2.5 }), { x: 'beta gamma' });
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], { version2WithNegative: true, nullScoreDiffThreshold: 2.5 }), { x: 'beta gamma' });
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]]), { x: 'beta gamma' }); // v1: no null answer
  // a second window with null 2 + 2 = 4: the minimum, below the span's 6
  const two = [{ example_id: 'x', offset_mapping: OFFSETS }, { example_id: 'x', offset_mapping: OFFSETS }];
  const d = postprocessQaPredictionsWithDetails(ex, two, [arr(start, [2, 0, 0, 0, 0, 0, 0]), arr(end, [2, 0, 0, 0, 0, 0, 0])], v2);
  assert.deepEqual(d.predictions, { x: 'beta gamma' });
  assert.deepEqual(d.scores_diff, { x: 4 - 6 });
});

test('max_answer_length, n_best_size, token_is_max_context, and HF\'s "empty" fallback', () => {
  const start = [1, 9, 0, 0, 3, 0, 0], end = [1, 0, 0, 0, 0, 3, 0];
  // one token at most: beta (3 + 0) and gamma (0 + 3) tie; beta comes first (its start ranks higher)
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], { max_answer_length: 1 }), { x: 'beta' });
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], { maxAnswerLength: 1 }), { x: 'beta' });
  // n_best_size 1: only the top start (the question token) and top end (gamma): no valid span
  assert.deepEqual(postprocessQaPredictions(ex, feat, [[start], [end]], { n_best_size: 1 }), { x: 'empty' });
  // 2: starts {question, beta} x ends {gamma, [CLS]}: beta..gamma is the one span
  assert.deepEqual(postprocessQaPredictionsWithDetails(ex, feat, [[start], [end]], { n_best_size: 2 }).nbest.x!.map((e) => e.text), ['beta gamma']);
  // a window that is not beta's best context cannot start an answer there
  const maxCtx = [{ ...feat[0]!, token_is_max_context: { 3: true, 4: false, 5: true } }];
  assert.deepEqual(postprocessQaPredictions(ex, maxCtx, [[start], [end]]), { x: 'gamma' });
  // no span at all: HF predicts the text 'empty' (v1), and in v2 compares the null score against it
  const none = [{ example_id: 'x', offset_mapping: OFFSETS.map(() => null) }];
  assert.deepEqual(postprocessQaPredictions(ex, none, [[start], [end]]), { x: 'empty' });
  assert.deepEqual(postprocessQaPredictions(ex, none, [[start], [end]], { version_2_with_negative: true }), { x: '' });
  assert.deepEqual(postprocessQaPredictions(ex, none, [[start], [end]], { version_2_with_negative: true, null_score_diff_threshold: 5 }), { x: 'empty' });
});

test('errors: the predictions pair, counts, unknown example ids, examples without windows, options', () => {
  const l = [[0, 0, 0, 0, 0, 0, 0]];
  assert.throws(() => postprocessQaPredictions(ex, feat, [l]), /should be a tuple with two elements \(start_logits, end_logits\)/);
  assert.throws(() => postprocessQaPredictions(ex, feat, [[...l, ...l], [...l, ...l]]), /Got 2 predictions and 1 features/);
  assert.throws(() => postprocessQaPredictions(ex, [{ example_id: 'y', offset_mapping: OFFSETS }], [l, l]), /features\[0\] belongs to example 'y', which is not among the examples/);
  assert.throws(() => postprocessQaPredictions([...ex, { id: 'z', context: 'c' }], feat, [l, l]), /example 'z' has no features/);
  assert.throws(() => postprocessQaPredictions(ex, feat, [l, l], { n_best_sise: 3 } as never), /unknown option 'n_best_sise' — did you mean 'n_best_size'\?/);
});
