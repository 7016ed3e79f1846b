// src/metrics/registry.ts (load / combine, evaluate's interface) over the same fixtures as the
// per-metric tests, and src/metrics/perplexity.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  combine, corpusPerplexity, load, METRIC_NAMES, perplexity, sequencePerplexities, MetricError, type GlueConfig,
  type SquadPrediction, type SquadReference, type SquadV2Prediction,
} from '../../src/metrics/index.js';
import { assertClose } from '../helpers.js';
import { assertMatches, readMetricFixture, TOL } from './fixture.js';

const quiet = { onWarning: () => {} };

test('load(): every classification fixture through evaluate-style compute', () => {
  const fx = readMetricFixture<{ references: number[]; predictions: number[]; outputs: Record<string, number | number[]> }>('classification');
  for (const c of fx.cases) {
    const io = { predictions: c.predictions, references: c.references, ...quiet };
    assertMatches(load('accuracy').compute(io), { accuracy: c.outputs.accuracy }, `${c.name}/accuracy`);
    assertMatches(load('matthews_correlation').compute(io), { matthews_correlation: c.outputs.matthews_correlation }, `${c.name}/mcc`);
    for (const avg of ['micro', 'macro', 'weighted'] as const) {
      assertMatches(load('f1').compute({ ...io, average: avg }), { f1: c.outputs[`f1_${avg}`] }, `${c.name}/f1_${avg}`);
      assertMatches(load('precision').compute({ ...io, average: avg }), { precision: c.outputs[`precision_${avg}`] }, `${c.name}/precision_${avg}`);
      assertMatches(load('recall').compute({ ...io, average: avg }), { recall: c.outputs[`recall_${avg}`] }, `${c.name}/recall_${avg}`);
    }
    assertMatches(load('f1').compute({ ...io, average: null }), { f1: c.outputs.f1_none }, `${c.name}/f1_none`);
  }
});

test('load(): glue, seqeval, squad, squad_v2 fixtures', () => {
  for (const c of readMetricFixture<{ config_name: GlueConfig; references: number[]; predictions: number[]; outputs: object }>('glue').cases)
    assertMatches(load('glue', c.config_name).compute(c), c.outputs, `glue/${c.name}`);
  for (const c of readMetricFixture<{ references: string[][]; predictions: string[][]; outputs: Record<string, object> }>('seqeval').cases) {
    assertMatches(load('seqeval').compute({ ...c, ...quiet }), c.outputs.evaluate_default, `seqeval/${c.name}`);
    assertMatches(load('seqeval').compute({ ...c, mode: 'strict', scheme: 'IOB2', ...quiet }), c.outputs.evaluate_strict_iob2, `seqeval/${c.name}/strict`);
  }
  for (const c of readMetricFixture<{ predictions: SquadPrediction[]; references: SquadReference[]; outputs: object }>('squad').cases)
    assertMatches(load('squad').compute(c), c.outputs, `squad/${c.name}`);
  for (const c of readMetricFixture<{ predictions: SquadV2Prediction[]; references: SquadReference[]; outputs_by_no_answer_threshold: Record<string, object> }>('squad_v2').cases)
    for (const [k, v] of Object.entries(c.outputs_by_no_answer_threshold))
      assertMatches(load('squad_v2').compute({ ...c, noAnswerThreshold: Number(k.replace('threshold_', '')) }), v, `squad_v2/${k}`);
});

test('evaluate returns a float for a one-label score array', () => {
  assert.deepEqual(load('f1').compute({ predictions: [1, 1], references: [1, 0], average: null, labels: [1] }), { f1: 2 / 3 });
});

test('combine(): merged dict, shared keys prefixed with the metric name', () => {
  const io = { predictions: [1, 0, 1, 1], references: [1, 1, 0, 1] };
  assert.deepEqual(combine(['accuracy', 'f1', 'precision', 'recall']).compute(io), { accuracy: 0.5, f1: 2 / 3, precision: 2 / 3, recall: 2 / 3 });
  assert.deepEqual(combine([load('glue', 'mrpc'), 'f1']).compute(io), { accuracy: 0.5, glue_f1: 2 / 3, f1_f1: 2 / 3 });
  assert.deepEqual(combine(['accuracy', 'accuracy']).compute(io), { accuracy_0_accuracy: 0.5, accuracy_1_accuracy: 0.5 });
  assert.deepEqual(combine(['accuracy'], { forcePrefix: true }).compute(io), { accuracy_accuracy: 0.5 });
});

test('load(): unknown metric, glue without or with a bad config, a config on other metrics', () => {
  assert.deepEqual(METRIC_NAMES, ['accuracy', 'precision', 'recall', 'f1', 'matthews_correlation', 'glue', 'seqeval', 'squad', 'squad_v2', 'perplexity', 'bleu', 'sacrebleu', 'rouge']);
  assert.throws(() => load('bleurt'), (e: unknown) => e instanceof MetricError && /Unknown metric "bleurt"/.test(e.message));
  assert.throws(() => load('glue' as 'accuracy'), /glue needs a configuration name/);
  assert.throws(() => load('glue', 'mprc' as GlueConfig), /You should supply a configuration name selected in/);
  assert.throws(() => load('accuracy', 'mrpc' as 'default'), /has no configuration "mrpc"/);
  assert.throws(() => load('accuracy').compute({ predictions: [1], references: [1, 0] }), /1 predictions, 2 references/);
});

test('perplexity: exp(mean loss), corpus and per-sequence forms', () => {
  assertClose(perplexity(Math.log(20)), 20, TOL);
  assert.equal(perplexity(0), 1);
  assert.equal(perplexity(1000), Infinity);
  assertClose(corpusPerplexity([2, 4], [1, 2]), Math.exp(2), TOL);
  const seq = sequencePerplexities([2, 3], [1, 3]);
  assertClose(seq.perplexities, [Math.exp(2), Math.exp(1)], TOL);
  assertClose(seq.mean_perplexity, (Math.exp(2) + Math.exp(1)) / 2, TOL);
  const out = load('perplexity').compute({ nllSums: [2, 3], tokenCounts: [1, 3] });
  assertClose(out.perplexity, Math.exp(5 / 4), TOL);
  assert.throws(() => corpusPerplexity([1, 2], [1]), /2 NLL sums, 1 token counts/);
  assert.throws(() => corpusPerplexity([], []), /empty/);
  assert.throws(() => sequencePerplexities([1], [0]), /tokenCounts\[0\] must be positive/);
  assert.throws(() => perplexity(NaN), /must be a number/);
});
