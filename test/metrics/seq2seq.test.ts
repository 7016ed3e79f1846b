// src/metrics/bleu.ts, sacrebleu.ts, rouge.ts and porter.ts against evaluate's bleu (tensorflow/nmt
// compute_bleu), sacrebleu 2.5.1 and rouge_score 0.1.2 (fixtures/hf/metrics/bleu.json,
// sacrebleu.json, rouge.json: every case and field; rouge's bootstrap aggregate is checked
// through the plain mean, as the fixture README prescribes), NLTK Porter stems and input errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bleu, load, porterStem, rouge, rougeTokenize, sacrebleu, tokenize13a, MetricError } from '../../src/metrics/index.js';
import { assertMatches, readMetricFixture } from './fixture.js';

interface Corpus { predictions: string[]; references: string[][] }
type Case<K> = { kwargs: K; references_override?: string[] | string[][] | null; outputs: Record<string, number | number[]>; mean_of_per_example?: Record<string, number> };

test('bleu.json: every case matches evaluate\'s bleu', () => {
  const f = readMetricFixture<Case<{ max_order?: number; smooth?: boolean }>>('bleu') as unknown as Corpus & { cases: (Case<{ max_order?: number; smooth?: boolean }> & { name: string })[] };
  for (const c of f.cases)
    assertMatches(bleu(f.predictions, c.references_override ?? f.references, { maxOrder: c.kwargs.max_order, smooth: c.kwargs.smooth }), c.outputs, c.name);
  assert.equal(f.cases.length, 3);
});

test('sacrebleu.json: every case matches sacrebleu corpus_bleu', () => {
  const f = readMetricFixture<Case<{ lowercase?: boolean }>>('sacrebleu') as unknown as Corpus & { cases: (Case<{ lowercase?: boolean }> & { name: string })[] };
  for (const c of f.cases) assertMatches(sacrebleu(f.predictions, c.references_override ?? f.references, { lowercase: c.kwargs.lowercase }), c.outputs, c.name);
  assert.equal(f.cases.length, 3);
});

test('rouge.json: every per-example case, and the mean of the per-example scores', () => {
  type K = { use_aggregator?: boolean; use_stemmer?: boolean };
  const f = readMetricFixture<Case<K>>('rouge') as unknown as Corpus & { cases: (Case<K> & { name: string })[] };
  let checked = 0;
  for (const c of f.cases) {
    const refs = c.references_override ?? f.references;
    if (c.kwargs.use_aggregator === false) {
      assertMatches(rouge(f.predictions, refs, { useAggregator: false, useStemmer: c.kwargs.use_stemmer }), c.outputs, c.name);
      assertMatches(rouge(f.predictions, refs, { useStemmer: c.kwargs.use_stemmer }), c.mean_of_per_example, `${c.name}/mean`);
      checked++;
    } else {
      // evaluate's default is a median of numpy-RNG bootstrap means: only the keys are comparable
      assert.deepEqual(Object.keys(rouge(f.predictions, refs)), Object.keys(c.outputs), c.name);
    }
  }
  assert.equal(checked, 3);
});

test('registry: bleu, sacrebleu, rouge through load()', () => {
  const b = readMetricFixture<Case<object>>('bleu') as unknown as Corpus & { cases: Case<object>[] };
  assertMatches(load('bleu').compute({ predictions: b.predictions, references: b.references }), b.cases[0]!.outputs, 'bleu');
  const s = readMetricFixture<Case<object>>('sacrebleu') as unknown as Corpus & { cases: Case<object>[] };
  assertMatches(load('sacrebleu').compute({ predictions: s.predictions, references: s.references }), s.cases[0]!.outputs, 'sacrebleu');
  const r = readMetricFixture<Case<object>>('rouge') as unknown as Corpus & { cases: Case<object>[] };
  assertMatches(load('rouge').compute({ predictions: r.predictions, references: r.references, useAggregator: false }), r.cases[0]!.outputs, 'rouge');
});

test('tokenizers: 13a and rouge\'s [a-z0-9]+', () => {
  assert.deepEqual(tokenize13a('Hello, world. It costs $1,000.50 in 2019-2020 &amp; more'),
    ['Hello', ',', 'world', '.', 'It', 'costs', '$', '1,000.50', 'in', '2019', '-', '2020', '&', 'more']);
  assert.deepEqual(rougeTokenize("Police killed the gunman's friend!"), ['police', 'killed', 'the', 'gunman', 's', 'friend']);
  assert.deepEqual(rougeTokenize('Running runners ran quickly', true), ['run', 'runner', 'ran', 'quickli']);
});

test('Porter stemmer (NLTK_EXTENSIONS): the paper\'s examples and NLTK\'s departures', () => {
  const cases: Record<string, string> = {
    caresses: 'caress', ponies: 'poni', ties: 'tie', cats: 'cat', feed: 'feed', hopping: 'hop', mating: 'mate',
    running: 'run', runners: 'runner', happy: 'happi', quickly: 'quickli', dying: 'die', sky: 'sky', is: 'is',
  };
  for (const [w, s] of Object.entries(cases)) assert.equal(porterStem(w), s, w);
});

test('bad input: length mismatch, empty, missing references, unequal reference counts, unknown options', () => {
  assert.throws(() => bleu(['a', 'b'], [['a']]), (e: unknown) => e instanceof MetricError && /2 predictions, 1 references/.test(e.message));
  assert.throws(() => bleu([], []), /empty/);
  assert.throws(() => bleu(['a'], [[]]), /no references/);
  assert.throws(() => sacrebleu(['a', 'b'], [['a', 'b'], ['c']]), /same number of references/);
  assert.throws(() => sacrebleu(['a'], ['a'], { smoothMethod: 'lin' as 'exp' }), /unknown smoothMethod/);
  assert.throws(() => rouge(['a'], ['a', 'b']), /1 predictions, 2 references/);
  assert.throws(() => rouge(['a'], ['a'], { rougeTypes: ['rougeX'] }), /Invalid rouge type: rougeX/);
  assert.equal(bleu(['a'], [['b']]).bleu, 0);
  assert.equal(sacrebleu(['a'], ['b']).score, 0);
});
