// src/metrics/classification.ts against scikit-learn 1.2.1 (fixtures/hf/metrics/classification.json:
// every case, every output field) plus the documented examples of sklearn's docstrings, the
// options (labels, zeroDivision, sampleWeight, posLabel) and the input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accuracyScore, confusionMatrix, f1Score, fbetaScore, matthewsCorrcoef, precisionRecallFscoreSupport, precisionScore,
  recallScore, MetricError, type Average, type Label,
} from '../../src/metrics/index.js';
import { assertClose } from '../helpers.js';
import { assertMatches, collector, readMetricFixture, TOL } from './fixture.js';

interface Case { references: number[]; predictions: number[]; outputs: Record<string, number | number[]> }
const fixture = readMetricFixture<Case>('classification');

const AVG: Record<string, Average> = { binary: 'binary', micro: 'micro', macro: 'macro', weighted: 'weighted', none: null };

test('classification.json: every case and field matches sklearn', () => {
  let fields = 0;
  for (const c of fixture.cases) {
    const { onWarning } = collector();
    for (const [key, expected] of Object.entries(c.outputs)) {
      const y = c.references, p = c.predictions;
      let got: number | number[];
      if (key === 'accuracy') got = accuracyScore(y, p);
      else if (key === 'matthews_correlation') got = matthewsCorrcoef(y, p);
      else {
        const m = /^(f1|precision|recall)_(binary|micro|macro|weighted|none)$/.exec(key);
        assert.ok(m, `${c.name}: unhandled output field ${key}`);
        const opts = { average: AVG[m[2]!]!, onWarning };
        got = m[1] === 'f1' ? f1Score(y, p, opts) : m[1] === 'precision' ? precisionScore(y, p, opts) : recallScore(y, p, opts);
      }
      assertMatches(got, expected, `${c.name}.${key}`);
      fields++;
    }
  }
  assert.ok(fields >= 3 * 14);
});

test('an unpredicted class: precision 0.0 with sklearn\'s warning (zero_division="warn")', () => {
  const c = fixture.cases.find((k) => k.name === 'multiclass_class_never_predicted')!;
  const { warnings, onWarning } = collector();
  assert.deepEqual(precisionScore(c.references, c.predictions, { average: null, onWarning }).at(-1), 0);
  assert.deepEqual(warnings, ['Precision is ill-defined and being set to 0.0 in labels with no predicted samples. Use `zero_division` parameter to control this behavior.']);
  // f1_score only warns when a label has neither true nor predicted samples (sklearn 1.2)
  const w2 = collector();
  f1Score(c.references, c.predictions, { average: 'macro', onWarning: w2.onWarning });
  assert.deepEqual(w2.warnings, []);
  assert.deepEqual(precisionScore(c.references, c.predictions, { average: null, zeroDivision: 1 }).at(-1), 1);
  assert.deepEqual(precisionScore(c.references, c.predictions, { average: null, zeroDivision: 0, onWarning }).at(-1), 0);
  assert.equal(warnings.length, 1, 'zeroDivision 0 does not warn');
});

// sklearn's docstring examples (sklearn/metrics/_classification.py, 1.2)
const yT = [0, 1, 2, 0, 1, 2];
const yP = [0, 2, 1, 0, 0, 1];

test('sklearn docstring examples: precision / recall / f1 / fbeta', () => {
  const q = { onWarning: () => {} };
  assertClose(precisionScore(yT, yP, { average: 'macro', ...q }), 2 / 9, TOL);
  assertClose(precisionScore(yT, yP, { average: 'micro', ...q }), 1 / 3, TOL);
  assertClose(precisionScore(yT, yP, { average: null, ...q }), [2 / 3, 0, 0], TOL);
  assertClose(recallScore(yT, yP, { average: 'weighted', ...q }), 1 / 3, TOL);
  assertClose(f1Score(yT, yP, { average: 'macro', ...q }), 0.26666666666666666, TOL);
  assertClose(f1Score(yT, yP, { average: null, ...q }), [0.8, 0, 0], TOL);
  assertClose(fbetaScore(yT, yP, 0.5, { average: 'macro', ...q }), 0.23809523809523805, TOL);
  assertClose(fbetaScore(yT, yP, 0.5, { average: null, ...q }), [0.7142857142857142, 0, 0], TOL);
  const allZero = [0, 0, 0, 0, 0, 0];
  assertClose(precisionScore(yT, allZero, { average: null, zeroDivision: 1 }), [1 / 3, 1, 1], TOL);
  // labels: scored in the given order, micro over that subset only
  assertClose(precisionScore(yT, yP, { average: null, labels: [2, 0], ...q }), [0, 2 / 3], TOL);
  assertClose(precisionScore(yT, yP, { average: 'micro', labels: [2, 0], ...q }), 0.5, TOL);
  const prfs = precisionRecallFscoreSupport(yT, yP, { average: null, ...q });
  assert.deepEqual(prfs.support, [2, 2, 2]);
  assert.equal(precisionRecallFscoreSupport(yT, yP, { average: 'macro', ...q }).support, null);
});

test('binary average: posLabel, string labels, a missing positive class', () => {
  const t: Label[] = ['a', 'b', 'b'], p: Label[] = ['a', 'b', 'a'];
  assert.equal(precisionScore(t, p, { posLabel: 'b' }), 1);
  assert.equal(recallScore(t, p, { posLabel: 'b' }), 0.5);
  assertClose(f1Score(t, p, { posLabel: 'b' }), 2 / 3, TOL);
  // a single class present: pos_label need not be present, every count is 0
  const { warnings, onWarning } = collector();
  assert.equal(f1Score([0, 0], [0, 0], { onWarning }), 0);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^F-score is ill-defined and being set to 0.0 due to no true nor predicted samples/);
});

test('accuracy: normalize, sampleWeight', () => {
  assert.equal(accuracyScore([0, 2, 1, 3], [0, 1, 2, 3]), 0.5);
  assert.equal(accuracyScore([0, 2, 1, 3], [0, 1, 2, 3], { normalize: false }), 2);
  assert.equal(accuracyScore([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3] }), 0.5);
  assert.equal(accuracyScore([0, 1, 1], [0, 1, 0], { sampleWeight: [1, 2, 3], normalize: false }), 3);
  assert.equal(accuracyScore(['x', 'y'], ['x', 'x']), 0.5);
});

test('matthews_corrcoef and confusion_matrix (docstring examples)', () => {
  assertClose(matthewsCorrcoef([1, 1, 1, -1], [1, -1, 1, 1]), -1 / 3, TOL);
  assert.equal(matthewsCorrcoef([1, 1, 1], [1, 1, 1]), 0, 'degenerate: 0, not NaN');
  assert.deepEqual(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]), [[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
  const t = ['cat', 'ant', 'cat', 'cat', 'ant', 'bird'], p = ['ant', 'ant', 'cat', 'cat', 'ant', 'cat'];
  assert.deepEqual(confusionMatrix(t, p, { labels: ['ant', 'bird', 'cat'] }), [[2, 0, 0], [0, 0, 1], [1, 0, 2]]);
  assert.deepEqual(confusionMatrix(t, p, { labels: ['cat', 'ant'] }), [[2, 1], [0, 2]], 'samples outside labels are dropped');
  assert.deepEqual(confusionMatrix([0, 1, 0, 1], [1, 1, 0, 0], { normalize: 'true' }), [[0.5, 0.5], [0.5, 0.5]]);
  assert.deepEqual(confusionMatrix([0, 0], [0, 0], { labels: [0, 1], normalize: 'pred' }), [[1, 0], [0, 0]], '0/0 becomes 0');
});

test('bad input: length mismatch, unknown average, continuous or mixed labels, empty input', () => {
  assert.throws(() => f1Score([0, 1], [0, 1, 1]), (e: unknown) => e instanceof MetricError && /3 predictions, 2 references/.test(e.message));
  assert.throws(() => accuracyScore([0, 1, 1, 0], [1]), /1 predictions, 4 references/);
  assert.throws(() => f1Score([0, 1], [0, 1], { average: 'samplez' as Average }), /average has to be one of/);
  assert.throws(() => f1Score(yT, yP), /Target is multiclass but average='binary'/);
  assert.throws(() => f1Score([0, 1], [0, 1], { posLabel: 2 }), /pos_label=2 is not a valid label/);
  assert.throws(() => accuracyScore([0.5, 1], [0, 1]), /continuous targets are not supported/);
  assert.throws(() => accuracyScore(['a', 1], ['a', 1]), /Mix of label input types/);
  assert.throws(() => accuracyScore([], []), /empty/);
  assert.throws(() => matthewsCorrcoef([], []), /empty/);
  assert.throws(() => f1Score([0, 1], [0, 1], { zeroDivision: 2 as 0 }), /zeroDivision=2/);
  assert.throws(() => fbetaScore([0, 1], [0, 1], -1), /beta should be >=0/);
  assert.throws(() => accuracyScore([0, 1], [0, 1], { sampleWeight: [1] }), /sampleWeight has 1 entries for 2 samples/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], { labels: [5] }), /At least one label specified must be in y_true/);
});
