// evaluate's call pattern: add_batch / add accumulate, compute() scores everything added (plus any
// predictions given to it) and empties the buffer; options in evaluate's snake_case or camelCase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combine, load, MetricError } from '../../src/metrics/index.js';

const P = [1, 0, 1, 1, 0, 2, 2, 1];
const R = [1, 1, 0, 1, 0, 2, 1, 1];

test('add_batch accumulates batches; compute() equals one compute over all of them, then the buffer is empty', () => {
  const acc = load('accuracy');
  acc.add_batch({ predictions: P.slice(0, 3), references: R.slice(0, 3) });
  acc.addBatch({ predictions: P.slice(3, 5), references: R.slice(3, 5) });
  assert.equal(acc.numPending, 5);
  // predictions given to compute are added to the buffer too (evaluate's compute)
  const got = acc.compute({ predictions: P.slice(5), references: R.slice(5) });
  assert.deepEqual(got, load('accuracy').compute({ predictions: P, references: R }));
  assert.deepEqual(got, { accuracy: 5 / 8 });
  assert.equal(acc.numPending, 0);
  assert.throws(() => acc.compute(), (e: unknown) => e instanceof MetricError && /nothing to compute/.test(e.message));
  // add: one example at a time
  const f1 = load('f1');
  P.forEach((p, i) => f1.add({ prediction: p, reference: R[i] }));
  assert.deepEqual(f1.compute({ average: 'macro' }), load('f1').compute({ predictions: P, references: R, average: 'macro' }));
});

test('options in snake_case equal camelCase; the option is applied', () => {
  const bin = { predictions: [1, 0, 1, 1], references: [1, 1, 0, 1] };
  assert.deepEqual(load('f1').compute(bin), { f1: 2 / 3 });
  // pos_label 0: no true positive for class 0
  assert.deepEqual(load('f1').compute({ ...bin, pos_label: 0, zero_division: 0 } as never), { f1: 0 });
  assert.deepEqual(load('f1').compute({ ...bin, posLabel: 0, zeroDivision: 0 }), { f1: 0 });
  const weighted = load('accuracy').compute({ ...bin, sample_weight: [1, 0, 0, 1] } as never);
  assert.deepEqual(weighted, { accuracy: 1 });
  assert.deepEqual(load('accuracy').compute({ ...bin, sampleWeight: [1, 0, 0, 1] }), weighted);
  const rouge = load('rouge').compute({ predictions: ['the cat sat'], references: ['the cat'], use_aggregator: false, rouge_types: ['rouge1'] } as never);
  assert.deepEqual(rouge, load('rouge').compute({ predictions: ['the cat sat'], references: ['the cat'], useAggregator: false, rougeTypes: ['rouge1'] }));
  assert.deepEqual(Object.keys(rouge), ['rouge1']);
  assert.ok(Array.isArray(rouge.rouge1));
  assert.throws(() => load('f1').compute({ ...bin, pos_label: 0, posLabel: 1 } as never), /f1: 'pos_label' and 'posLabel' are the same option, given different values/);
});

test('add_batch refuses options, missing features and unequal lengths; glue and combine accumulate too', () => {
  const acc = load('accuracy');
  assert.throws(() => acc.add_batch({ predictions: [1], references: [1], normalize: false } as never), /Bad inputs for evaluation module: \[normalize\]/);
  assert.throws(() => acc.add_batch({ predictions: [1] }), /missing 'references'/);
  assert.throws(() => acc.add_batch({ predictions: [1, 0], references: [1] }), /Mismatch in the number of predictions \(2\) and references \(1\)/);
  const glue = load('glue', 'mrpc');
  glue.add_batch({ predictions: P.slice(0, 4).map((x) => x % 2), references: R.slice(0, 4).map((x) => x % 2) });
  glue.add_batch({ predictions: P.slice(4).map((x) => x % 2), references: R.slice(4).map((x) => x % 2) });
  assert.deepEqual(glue.compute(), load('glue', 'mrpc').compute({ predictions: P.map((x) => x % 2), references: R.map((x) => x % 2) }));
  const both = combine(['accuracy', 'f1']);
  both.add_batch({ predictions: [1, 0], references: [1, 1] });
  both.add_batch({ predictions: [1, 1], references: [0, 1] });
  assert.deepEqual(both.compute(), { accuracy: 0.5, f1: 2 / 3 });
});
