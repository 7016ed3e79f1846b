// src/metrics/squad.ts and squad-v2.ts against the official SQuAD v1.1 / v2.0 scoring through
// evaluate (fixtures/hf/metrics/squad.json and squad_v2.json: every case, every threshold, every
// field), Python's normalisation details (Unicode \b and str.split), unanswered questions and
// the input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computeExact, computeF1, normalizeAnswer, squad, squadF1, squadV2, MetricError,
  type SquadPrediction, type SquadReference, type SquadV2Prediction,
} from '../../src/metrics/index.js';
import { assertMatches, collector, readMetricFixture } from './fixture.js';

interface V1Case { predictions: SquadPrediction[]; references: SquadReference[]; outputs: Record<string, number> }
interface V2Case { predictions: SquadV2Prediction[]; references: SquadReference[]; outputs_by_no_answer_threshold: Record<string, Record<string, number>> }
const v1 = readMetricFixture<V1Case>('squad');
const v2 = readMetricFixture<V2Case>('squad_v2');

test('squad.json: every case matches the official v1.1 script', () => {
  for (const c of v1.cases) assertMatches(squad(c.predictions, c.references), c.outputs, c.name);
});

test('squad_v2.json: every case and no_answer_threshold matches the official v2.0 script', () => {
  let n = 0;
  for (const c of v2.cases)
    for (const [key, expected] of Object.entries(c.outputs_by_no_answer_threshold)) {
      const m = /^threshold_([0-9.]+)$/.exec(key);
      assert.ok(m, `unexpected key ${key}`);
      assertMatches(squadV2(c.predictions, c.references, { noAnswerThreshold: Number(m[1]) }), expected, `${c.name}/${key}`);
      n++;
    }
  assert.ok(n >= 2);
});

test('normalize_answer: lower-case, ASCII punctuation, articles, whitespace as Python does', () => {
  assert.equal(normalizeAnswer('The  Eiffel Tower!'), 'eiffel tower');
  assert.equal(normalizeAnswer("St. Peter's"), 'st peters');
  assert.equal(normalizeAnswer('An apple a day'), 'apple day');
  assert.equal(normalizeAnswer('theatre anthem'), 'theatre anthem', 'articles only as whole words');
  // Python's \b is Unicode-aware: é is a word character, so "éa" keeps its a
  assert.equal(normalizeAnswer('éa b'), 'éa b');
  assert.equal(normalizeAnswer('a_b'), 'ab', '_ is punctuation, removed before the articles');
  assert.equal(normalizeAnswer('x\u00a0\u3000y'), 'x y', 'str.split() splits on Unicode spaces');
  assert.equal(normalizeAnswer('x\ufeffy'), 'x\ufeffy', 'but not on U+FEFF');
  assert.equal(normalizeAnswer('¿Qué?'), '¿qué', 'only string.punctuation is removed');
  assert.equal(squadF1('the cat sat', 'a cat sat down'), 0.8);
  assert.equal(squadF1('', 'cat'), 0);
  assert.equal(computeF1('', ''), 1, 'v2: both empty agree');
  assert.equal(computeF1('cat', ''), 0);
  assert.equal(computeExact('The Cat', 'cat'), 1);
});

test('squad: an unanswered question scores 0 with the official warning', () => {
  const refs: SquadReference[] = [
    { id: 'q1', answers: { text: ['Denver Broncos'], answer_start: [0] } },
    { id: 'q2', answers: { text: ['Paris'], answer_start: [0] } },
  ];
  const preds: SquadPrediction[] = [{ id: 'q1', prediction_text: 'denver broncos' }, { id: 'q9', prediction_text: 'Paris' }];
  const { warnings, onWarning } = collector();
  assert.deepEqual(squad(preds, refs, { onWarning }), { exact_match: 50, f1: 50 });
  assert.deepEqual(warnings, ['Unanswered question q2 will receive score 0.']);
});

test('squad_v2: answerable questions only; a missing prediction is an error (the script raises KeyError)', () => {
  const refs: SquadReference[] = [{ id: 'a', answers: { text: ['blue whale'], answer_start: [3] } }];
  const out = squadV2([{ id: 'a', prediction_text: 'the blue whale', no_answer_probability: 0.1 }], refs);
  assert.deepEqual(out, { exact: 100, f1: 100, total: 1, HasAns_exact: 100, HasAns_f1: 100, HasAns_total: 1, best_exact: 100, best_exact_thresh: 0.1, best_f1: 100, best_f1_thresh: 0.1 });
  // no probability: 0.0, as the official script without a na-prob file
  assert.equal(squadV2([{ id: 'a', prediction_text: 'whale' }], refs).best_f1_thresh, 0);
  assert.throws(() => squadV2([{ id: 'b', prediction_text: 'x', no_answer_probability: 0 }], refs), (e: unknown) => e instanceof MetricError && /no prediction for question id\(s\) a/.test(e.message));
});

test('bad input: length mismatch, empty, malformed records, v1 question without answers', () => {
  const c = v1.cases[0]!;
  assert.throws(() => squad(c.predictions.slice(1), c.references), new RegExp(`${c.predictions.length - 1} predictions, ${c.references.length} references`));
  assert.throws(() => squadV2(v2.cases[0]!.predictions, v2.cases[0]!.references.slice(2)), /10 predictions, 8 references/);
  assert.throws(() => squad([], []), /empty/);
  assert.throws(() => squadV2([], []), /empty/);
  assert.throws(() => squad([{ id: 'q' } as SquadPrediction], [{ id: 'q', answers: { text: ['x'] } }]), /string id and prediction_text/);
  assert.throws(() => squad([{ id: 'q', prediction_text: 'x' }], [{ id: 'q', answers: { text: [] } }]), /has no gold answers/);
  assert.throws(() => squadV2([{ id: 'q', prediction_text: 'x', no_answer_probability: NaN }], [{ id: 'q', answers: { text: [] } }]), /no_answer_probability of q must be a number/);
});
