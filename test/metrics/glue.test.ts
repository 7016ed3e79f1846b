// src/metrics/glue.ts and correlation.ts against evaluate's glue metric (fixtures/hf/metrics/
// glue.json: every case, every field) and scipy's rankdata / pearsonr / spearmanr on tied data
// (reference values from numpy 2.4: scipy's formulas, average ranks, np.corrcoef).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { glue, GLUE_CONFIGS, pearsonr, rankdata, spearmanr, MetricError, type GlueConfig } from '../../src/metrics/index.js';
import { assertClose } from '../helpers.js';
import { assertMatches, collector, readMetricFixture, TOL } from './fixture.js';

interface Case { config_name: GlueConfig; references: number[]; predictions: number[]; outputs: Record<string, number> }
const fixture = readMetricFixture<Case>('glue');

test('glue.json: every case and field matches evaluate', () => {
  for (const c of fixture.cases) assertMatches(glue(c.config_name, c.predictions, c.references), c.outputs, c.name);
  assert.deepEqual(new Set(fixture.cases.map((c) => c.config_name)), new Set(['mrpc', 'qqp', 'cola', 'sst2', 'stsb']));
});

test('every accuracy-only config returns just accuracy', () => {
  for (const config of ['sst2', 'mnli', 'mnli_mismatched', 'mnli_matched', 'qnli', 'rte', 'wnli', 'hans'] as const)
    assert.deepEqual(glue(config, [0, 1, 2, 1], [0, 1, 1, 1]), { accuracy: 0.75 });
  assert.equal(GLUE_CONFIGS.length, 12);
});

test('rankdata averages tied ranks; spearman and pearson on tied data match scipy', () => {
  const x = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
  const y = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8];
  assert.deepEqual(rankdata(x), [4.5, 1.5, 6, 1.5, 7.5, 10, 3, 9, 7.5, 4.5]);
  assert.deepEqual(rankdata(y), [4, 6, 1.5, 8.5, 4, 8.5, 1.5, 8.5, 4, 8.5]);
  assertClose(spearmanr(x, y), 0.13471506281091267, TOL);
  assertClose(pearsonr(x, y), 0.10492284287735876, TOL);
  assertClose(pearsonr([1, 2, 3], [2, 4, 7]), 0.9933992677987828, TOL);
  assert.equal(pearsonr([1, 2], [5, 3]), -1, 'two points: the sign of the slope');
});

test('constant input: NaN with scipy\'s warning', () => {
  const { warnings, onWarning } = collector();
  assert.ok(Number.isNaN(pearsonr([1, 1, 1], [1, 2, 3], { onWarning })));
  assert.ok(Number.isNaN(spearmanr([1, 2, 3], [4, 4, 4], { onWarning })));
  assert.deepEqual(warnings, Array(2).fill('An input array is constant; the correlation coefficient is not defined.'));
  assert.ok(Number.isNaN(spearmanr([1], [2])));
});

test('bad input: unknown config, length mismatch, empty, non-integer class labels', () => {
  assert.throws(() => glue('sts' as GlueConfig, [1], [1]), (e: unknown) => e instanceof MetricError && /You should supply a configuration name selected in \["sst2"/.test(e.message));
  assert.throws(() => glue('mrpc', [1, 0, 1], [1, 0]), /3 predictions, 2 references/);
  assert.throws(() => glue('stsb', [1.5, 2], [1]), /2 predictions, 1 references/);
  assert.throws(() => glue('cola', [], []), /empty/);
  assert.throws(() => glue('sst2', [0.5, 1], [0, 1]), /integer class ids/);
  assert.throws(() => pearsonr([1], [1]), /length at least 2/);
  assert.throws(() => pearsonr([1, 2], [1]), /same length/);
});
