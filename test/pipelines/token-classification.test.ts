// token-classification pipeline: HF's aggregation strategies on hand-built token scores (pure
// functions, results derived by hand from token_classification.py), the same through pipeline()
// with a model whose per-token logits are chosen, the fixture model's own softmax for 'none',
// stride windows merged like HF's aggregate_overlapping_entities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noGrad, tidy } from '../../src/torch/index.js';
import {
  aggregate, aggregateOverlappingEntities, gatherPreEntities, getTag, groupEntities, pipeline, hasContinuingSubwordPrefix,
  type AggregationContext, type GroupedEntity, type TokenEntity,
} from '../../src/pipelines/index.js';
import { assertClose } from '../helpers.js';
import { fixtureDir, id, tableTokenModel, tinyTokenizer } from './tiny.js';

const LABELS = ['O', 'B-LOC', 'I-LOC', 'B-PER', 'I-PER'];
// Probabilities per token of "new york playing" (rows sum to 1).
const P: Record<string, number[]> = {
  new: [0.1, 0.7, 0.1, 0.05, 0.05], york: [0.1, 0.2, 0.6, 0.05, 0.05], play: [0.5, 0.1, 0.1, 0.2, 0.1], '##ing': [0.1, 0.1, 0.1, 0.6, 0.1],
};
const UNIFORM = [0.2, 0.2, 0.2, 0.2, 0.2];
const ctx: AggregationContext = { label: (i) => LABELS[i]!, tokensToString: (t) => t.join(' ').replace(/ ##/g, '') };
const wordPiece = { idToToken: (i: number) => ['[CLS]', 'new', 'york', 'play', '##ing', '[SEP]'][i]!, unkTokenId: 99, hasSubwordPrefix: true };
const SENTENCE = 'New York playing';
const OFFSETS: [number, number][] = [[0, 0], [0, 3], [4, 8], [9, 13], [13, 16], [0, 0]];
const SCORES = [UNIFORM, P.new!, P.york!, P.play!, P['##ing']!, UNIFORM];
const pre = (strategy: 'none' | 'simple' | 'first' | 'average' | 'max') =>
  gatherPreEntities(SENTENCE, [0, 1, 2, 3, 4, 5], SCORES, OFFSETS, [1, 0, 0, 0, 0, 1], strategy, wordPiece);
const dropO = <E extends { entity?: string; entity_group?: string }>(es: E[]): E[] => es.filter((e) => (e.entity ?? e.entity_group) !== 'O');

// Hand-derived from token_classification.py for the scores above.
const EXPECTED: Record<string, object[]> = {
  none: [
    { entity: 'B-LOC', score: 0.7, index: 1, word: 'new', start: 0, end: 3 },
    { entity: 'I-LOC', score: 0.6, index: 2, word: 'york', start: 4, end: 8 },
    { entity: 'B-PER', score: 0.6, index: 4, word: '##ing', start: 13, end: 16 },
  ],
  // B-LOC + I-LOC join (mean 0.65); 'play' is O; '##ing' alone is a B-PER group.
  simple: [{ entity_group: 'LOC', score: 0.65, word: 'new york', start: 0, end: 8 }, { entity_group: 'PER', score: 0.6, word: '##ing', start: 13, end: 16 }],
  // 'playing' takes its first token's label: O.
  first: [{ entity_group: 'LOC', score: 0.65, word: 'new york', start: 0, end: 8 }],
  // 'playing' takes the token with the highest score (##ing, 0.6 > 0.5): B-PER.
  max: [{ entity_group: 'LOC', score: 0.65, word: 'new york', start: 0, end: 8 }, { entity_group: 'PER', score: 0.6, word: 'playing', start: 9, end: 16 }],
  // mean of play and ##ing = [0.3, 0.1, 0.1, 0.4, 0.1]: B-PER 0.4.
  average: [{ entity_group: 'LOC', score: 0.65, word: 'new york', start: 0, end: 8 }, { entity_group: 'PER', score: 0.4, word: 'playing', start: 9, end: 16 }],
};
function assertEntities(actual: object[], expected: object[], msg: string): void {
  assert.equal(actual.length, expected.length, `${msg}: ${JSON.stringify(actual)}`);
  actual.forEach((a, i) => {
    const { score, ...rest } = a as { score: number };
    const { score: want, ...wantRest } = expected[i] as { score: number };
    assert.deepEqual(rest, wantRest, msg);
    assertClose(score, want, { rtol: 1e-6, msg: `${msg} score ${i}` });
  });
}

test('gatherPreEntities: specials dropped, ##-subwords by length, fallback heuristic and [UNK] without a prefix', () => {
  const p = pre('first');
  assert.deepEqual(p.map((e) => [e.word, e.index, e.start, e.end, e.is_subword]),
    [['new', 1, 0, 3, false], ['york', 2, 4, 8, false], ['play', 3, 9, 13, false], ['##ing', 4, 13, 16, true]]);
  // Without a continuing-subword prefix (byte-level BPE): a token is a subword when no space borders its start.
  const bpe = { idToToken: (i: number) => ['New', 'york', 'is', '<unk>'][i]!, unkTokenId: 3, hasSubwordPrefix: false };
  const q = gatherPreEntities('Newyork is ü', [0, 1, 2, 3], [UNIFORM, UNIFORM, UNIFORM, UNIFORM], [[0, 3], [3, 7], [8, 10], [11, 12]], [0, 0, 0, 0], 'none', bpe);
  assert.deepEqual(q.map((e) => [e.word, e.is_subword]), [['New', false], ['york', true], ['is', false], ['ü', false]]);
});

test('aggregate: none / simple / first / max / average as transformers groups them', () => {
  for (const s of ['none', 'simple', 'first', 'max', 'average'] as const) assertEntities(dropO(aggregate(pre(s), s, ctx) as never[]), EXPECTED[s]!, s);
});

test('group_entities: B- starts a group, I- of another tag too, unprefixed labels join', () => {
  const e = (entity: string, score: number, word: string): TokenEntity => ({ entity, score, word, index: 0, start: 0, end: 0 });
  const g = groupEntities([e('B-PER', 0.9, 'a'), e('B-PER', 0.8, 'b'), e('I-PER', 0.6, 'c'), e('I-LOC', 0.5, 'd'), e('LOC', 0.3, 'e'), e('O', 1, 'f')], ctx);
  assert.deepEqual(g.map((x) => [x.entity_group, x.word]), [['PER', 'a'], ['PER', 'b c'], ['LOC', 'd e'], ['O', 'f']]);
  assertClose(g.map((x) => x.score), [0.9, 0.7, 0.4, 1]);
  assert.deepEqual(getTag('B-MISC-X'), ['B', 'MISC-X']);
  assert.equal(groupEntities([e('B-MISC-X', 1, 'z')], ctx)[0]!.entity_group, 'MISC-X', "split('-', 1)");
});

test('aggregateOverlappingEntities: the longer span wins, then the higher score', () => {
  const s = (start: number, end: number, score: number) => ({ start, end, score });
  assert.deepEqual(aggregateOverlappingEntities([s(0, 8, 0.5), s(4, 8, 0.9), s(0, 8, 0.6), s(10, 12, 0.1)]), [s(0, 8, 0.6), s(10, 12, 0.1)]);
  assert.deepEqual(aggregateOverlappingEntities([s(2, 4, 0.5), s(0, 6, 0.1)]), [s(0, 6, 0.1)]);
});

/** Token logits = log of the chosen probabilities, so softmax gives them back. */
const logTable = (tokenId: number): number[] => {
  const tok = ['new', 'york', 'play', '##ing'].find((t) => id(t) === tokenId);
  return (tok ? P[tok]! : [0.9, 0.025, 0.025, 0.025, 0.025]).map(Math.log);
};

test('pipeline("ner") with chosen per-token logits reproduces every strategy, with real offsets and decoder', async () => {
  const tokenizer = await tinyTokenizer();
  assert.equal(hasContinuingSubwordPrefix(tokenizer), true);
  const ner = await pipeline('ner', { model: tableTokenModel(LABELS, logTable), tokenizer });
  for (const s of ['none', 'simple', 'first', 'max', 'average'] as const) {
    const out = await ner(SENTENCE, { aggregation_strategy: s });
    assertEntities(out, EXPECTED[s]!, `pipeline ${s}`);
  }
  // ignore_labels: [] keeps the O group; a list of texts gives one list each.
  const withO = await ner(SENTENCE, { aggregation_strategy: 'first', ignore_labels: [] });
  assert.deepEqual(withO.map((e) => [e.entity_group, e.word]), [['LOC', 'new york'], ['O', 'playing']]);
  const two = await ner([SENTENCE, 'new york'], { aggregation_strategy: 'simple' });
  assert.equal(two.length, 2);
  assert.deepEqual(two[1]!.map((e) => e.word), ['new york']);
  await assert.rejects(ner(SENTENCE, { aggregation_strategy: 'greedy' as never }), /aggregation_strategy must be one of/);
  await assert.rejects(ner(SENTENCE, { stride: 2 }), /aggregation_strategy="none"/);
});

test('stride: overlapping windows give the entities of the whole text', async () => {
  const table = (t: number): number[] => {
    const label = { john: 3, mary: 3, new: 1, york: 2, paris: 1 }[VOCAB_OF(t)] ?? 0;
    return LABELS.map((_, k) => (k === label ? 3 : 0));
  };
  const VOCAB_OF = (t: number): string => ['john', 'mary', 'new', 'york', 'paris'].find((w) => id(w) === t) ?? '';
  const text = 'john lives in new york and mary lives in paris';
  const full = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer: await tinyTokenizer(64) });
  const want = await full(text, { aggregation_strategy: 'simple' });
  assert.deepEqual(want.map((e) => [e.entity_group, e.word, e.start, e.end]),
    [['PER', 'john', 0, 4], ['LOC', 'new york', 14, 22], ['PER', 'mary', 27, 31], ['LOC', 'paris', 41, 46]]);
  // 8 tokens per window = 6 words: windows 'john .. and' and 'york .. paris' (2 shared tokens); the lone 'york' loses to 'new york'.
  const windowed = await pipeline('ner', { model: tableTokenModel(LABELS, table), tokenizer: await tinyTokenizer(8) });
  const got = await windowed(text, { aggregation_strategy: 'simple', stride: 2 });
  assertEntities(got, want, 'stride 2');
  const cut = await windowed(text, { aggregation_strategy: 'simple' });
  assert.deepEqual(cut.map((e) => e.word), ['john', 'new york'], 'without stride the text is truncated to one window');
});

test('the fixture model: each token gets the argmax of its own softmax (aggregation none)', async () => {
  const ner = await pipeline('token-classification', { model: fixtureDir('bert_tokcls') });
  const text = 'mary smith works in london.';
  const out = await ner(text, { ignore_labels: [] });
  const enc = await ner.tokenizer.call(text, { returnTensors: 'pt' });
  const logits = tidy(() => noGrad(() => (ner.model.forward(enc.data as never) as { logits: { toArray(): unknown } }).logits.toArray() as number[][][]))[0]!;
  const tokens = enc.tokens();
  enc.dispose();
  assert.equal(out.length, tokens.length - 2, 'every token but [CLS] and [SEP]');
  out.forEach((e, k) => {
    const row = logits[e.index]!;
    const ex = row.map((v) => Math.exp(v - Math.max(...row)));
    const p = ex.map((v) => v / ex.reduce((a, b) => a + b, 0));
    const best = p.indexOf(Math.max(...p));
    assert.equal(e.index, k + 1);
    assert.equal(e.word, tokens[k + 1]);
    assert.equal(e.entity, `LABEL_${best}`);
    assertClose(e.score, p[best]!, { rtol: 1e-6 });
  });
  assert.deepEqual([out[0]!.start, out[0]!.end, out[out.length - 1]!.start], [0, 4, 26]);
  const grouped = await ner(text, { aggregation_strategy: 'average', ignore_labels: [] }) as GroupedEntity[];
  assert.equal(grouped.map((g) => g.word).join('').replace(/ /g, ''), 'marysmithworksinlondon.', 'groups cover the words in order');
  assert.equal(grouped[0]!.start, 0);
  assert.equal(grouped[grouped.length - 1]!.end, text.length);
});
