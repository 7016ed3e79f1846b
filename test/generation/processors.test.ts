// processors.test.ts — each logits processor / warper against values computed by hand from
// transformers' definitions (logits_process.py), and the order generate() applies them in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../../src/torch/index.js';
import {
  RepetitionPenaltyLogitsProcessor, NoRepeatNGramLogitsProcessor, NoBadWordsLogitsProcessor, MinLengthLogitsProcessor,
  MinNewTokensLengthLogitsProcessor, TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper, MinPLogitsWarper,
  TypicalLogitsWarper, EpsilonLogitsWarper, EtaLogitsWarper, ForcedBOSTokenLogitsProcessor, ForcedEOSTokenLogitsProcessor,
  SuppressTokensLogitsProcessor, SuppressTokensAtBeginLogitsProcessor, InfNanRemoveLogitsProcessor, LogitNormalization,
  LogitsProcessorList, type LogitsProcessor,
} from '../../src/generation/index.js';
import { prepareRun, type CausalLM } from '../../src/generation/setup.js';
import { LlamaConfig, LlamaForCausalLM } from '../../src/models/index.js';
import { assertClose } from '../helpers.js';

const NEG = -Infinity;
const ids = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'int64' });
const f32 = (rows: number[][]): torch.Tensor => torch.tensor(rows, { dtype: 'float32' });
/** Runs a processor and returns its output rows (inputs must be unchanged). */
function apply(p: LogitsProcessor, inputIds: number[][], scores: number[][]): number[][] {
  return torch.tidy(() => {
    const s = f32(scores);
    const out = p.call(ids(inputIds), s);
    assert.deepEqual(s.toArray(), f32(scores).toArray(), 'the input scores are not modified');
    return out.toArray() as number[][];
  });
}
/** Kept (finite) positions of each row. */
const kept = (rows: number[][]): number[][] => rows.map((r) => r.flatMap((x, i) => (x === NEG ? [] : [i])));
const logp = (ps: number[]): number[] => ps.map(Math.log);
const P = [0.5, 0.3, 0.15, 0.05]; // probabilities used by the warper tests (as log-probabilities)

test('repetition penalty, the CTRL rule: seen tokens / penalty if > 0, * penalty if < 0; unseen and out-of-vocab ids untouched', () => {
  const out = apply(new RepetitionPenaltyLogitsProcessor(2), [[0, 1, 1, 7], [4, 4, 4, 4]], [[2, -1, 0.5, -3, 1], [2, -1, 0.5, -3, 1]]);
  assert.deepEqual(out, [[1, -2, 0.5, -3, 1], [2, -1, 0.5, -3, 0.5]]);
  assert.deepEqual(apply(new RepetitionPenaltyLogitsProcessor(0.5), [[3]], [[2, -1, 0.5, -3, 1]]), [[2, -1, 0.5, -1.5, 1]]);
  assert.throws(() => new RepetitionPenaltyLogitsProcessor(0), /repetition_penalty has to be a number > 0/);
});

test('no_repeat_ngram: bans the tokens that followed earlier occurrences of the last n - 1 tokens', () => {
  const s = [[0, 0, 0, 0, 0]];
  assert.deepEqual(kept(apply(new NoRepeatNGramLogitsProcessor(2), [[1, 2, 3, 1]], s)), [[0, 1, 3, 4]]); // "1 2" seen: 2 banned after 1
  assert.deepEqual(kept(apply(new NoRepeatNGramLogitsProcessor(3), [[1, 2, 3, 1, 2]], s)), [[0, 1, 2, 4]]); // "1 2 3": 3 banned after "1 2"
  assert.deepEqual(kept(apply(new NoRepeatNGramLogitsProcessor(2), [[1, 2, 1, 4, 1]], s)), [[0, 1, 3]]); // 1 was followed by 2 and by 4
  assert.deepEqual(kept(apply(new NoRepeatNGramLogitsProcessor(3), [[1]], s)), [[0, 1, 2, 3, 4]]); // no complete n-gram yet
  assert.deepEqual(kept(apply(new NoRepeatNGramLogitsProcessor(2), [[1, 2, 3], [3, 3, 3]], [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]])), [[0, 1, 2, 3, 4], [0, 1, 2, 4]]);
});

test('bad_words_ids: one-token words always banned, longer ones when the sequence ends with their prefix; EOS words dropped', () => {
  const p = new NoBadWordsLogitsProcessor([[3], [1, 4], [2]], [2]);
  assert.deepEqual(p.badWords, [[3], [1, 4]]);
  const s = [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0]];
  assert.deepEqual(kept(apply(p, [[0, 1], [1, 0]], s)), [[0, 1, 2], [0, 1, 2, 4]]);
  assert.throws(() => new NoBadWordsLogitsProcessor([[]]), /non-empty lists of token ids/);
});

test('min_length and min_new_tokens: EOS gets -inf until the length is reached', () => {
  const s = [[1, 2, 3, 4]];
  assert.deepEqual(apply(new MinLengthLogitsProcessor(5, [2, 3]), [[0, 0, 0, 0]], s), [[1, 2, NEG, NEG]]);
  assert.deepEqual(apply(new MinLengthLogitsProcessor(5, [2]), [[0, 0, 0, 0, 0]], s), s);
  assert.deepEqual(apply(new MinNewTokensLengthLogitsProcessor(3, 2, [0]), [[0, 0, 0, 0]], s), [[NEG, 2, 3, 4]]);
  assert.deepEqual(apply(new MinNewTokensLengthLogitsProcessor(3, 2, [0]), [[0, 0, 0, 0, 0]], s), s);
});

test('forced BOS / EOS, suppress_tokens, begin_suppress_tokens, remove_invalid_values, renormalize', () => {
  const s = [[1, 2, 3, 4]];
  assert.deepEqual(apply(new ForcedBOSTokenLogitsProcessor(2), [[5]], s), [[NEG, NEG, 0, NEG]]);
  assert.deepEqual(apply(new ForcedBOSTokenLogitsProcessor(2), [[5, 6]], s), s);
  assert.deepEqual(apply(new ForcedEOSTokenLogitsProcessor(4, [1, 3]), [[5, 6, 7]], s), [[NEG, 0, NEG, 0]]);
  assert.deepEqual(apply(new ForcedEOSTokenLogitsProcessor(4, [1]), [[5, 6]], s), s);
  assert.deepEqual(apply(new SuppressTokensLogitsProcessor([0, 3]), [[5]], s), [[NEG, 2, 3, NEG]]);
  assert.deepEqual(apply(new SuppressTokensAtBeginLogitsProcessor([1], 2), [[5, 6]], s), [[1, NEG, 3, 4]]);
  assert.deepEqual(apply(new SuppressTokensAtBeginLogitsProcessor([1], 2), [[5, 6, 7]], s), s);
  const fixed = apply(new InfNanRemoveLogitsProcessor(), [[0]], [[NaN, Infinity, -Infinity, 1]]);
  assert.deepEqual(fixed, [[0, 3.4028234663852886e38, -3.4028234663852886e38, 1]]);
  const norm = apply(new LogitNormalization(), [[0]], [[1, 2, 3, 4]]);
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3) + Math.exp(4));
  assertClose(norm[0]!, [1 - lse, 2 - lse, 3 - lse, 4 - lse], { rtol: 1e-6 });
});

test('temperature divides; top-k keeps the k best (ties with the k-th too), at least min_tokens_to_keep', () => {
  assert.deepEqual(apply(new TemperatureLogitsWarper(0.5), [[0]], [[1, -2, 3]]), [[2, -4, 6]]);
  assert.throws(() => new TemperatureLogitsWarper(0), /temperature has to be a number > 0.*do_sample: false/);
  assert.deepEqual(apply(new TopKLogitsWarper(2), [[0]], [[1, 4, 2, 3]]), [[NEG, 4, NEG, 3]]);
  assert.deepEqual(kept(apply(new TopKLogitsWarper(2), [[0]], [[1, 3, 2, 3]])), [[1, 3]]);
  assert.deepEqual(kept(apply(new TopKLogitsWarper(2), [[0]], [[3, 3, 2, 3]])), [[0, 1, 3]]);
  assert.deepEqual(kept(apply(new TopKLogitsWarper(1, 3), [[0]], [[1, 4, 2, 3]])), [[1, 2, 3]]);
  assert.deepEqual(kept(apply(new TopKLogitsWarper(10), [[0]], [[1, 4, 2, 3]])), [[0, 1, 2, 3]]);
});

test('top-p keeps the smallest set of most likely tokens with probability >= p, and min_tokens_to_keep', () => {
  const s = [logp(P)];
  assert.deepEqual(kept(apply(new TopPLogitsWarper(0.6), [[0]], s)), [[0, 1]]); // 0.5 < 0.6 <= 0.5 + 0.3
  assert.deepEqual(kept(apply(new TopPLogitsWarper(0.45), [[0]], s)), [[0]]); // 0.5 alone
  assert.deepEqual(kept(apply(new TopPLogitsWarper(0.9), [[0]], s)), [[0, 1, 2]]); // 0.8 < 0.9 <= 0.95
  assert.deepEqual(kept(apply(new TopPLogitsWarper(0.45, 3), [[0]], s)), [[0, 1, 2]]);
  assert.deepEqual(kept(apply(new TopPLogitsWarper(1.0), [[0]], s)), [[0, 1, 2, 3]]);
  const kept2 = apply(new TopPLogitsWarper(0.6), [[0]], s)[0]!;
  assertClose([kept2[0]!, kept2[1]!], [Math.log(0.5), Math.log(0.3)], { rtol: 1e-6, msg: 'kept scores unchanged' });
});

test('min-p keeps tokens with probability >= min_p * the top probability, at least min_tokens_to_keep', () => {
  const s = [logp(P)];
  assert.deepEqual(kept(apply(new MinPLogitsWarper(0.4), [[0]], s)), [[0, 1]]); // threshold 0.2
  assert.deepEqual(kept(apply(new MinPLogitsWarper(0.25), [[0]], s)), [[0, 1, 2]]); // threshold 0.125
  assert.deepEqual(kept(apply(new MinPLogitsWarper(0.4, 3), [[0]], s)), [[0, 1, 2]]);
  assert.deepEqual(kept(apply(new MinPLogitsWarper(0.9), [[0]], s)), [[0]]);
});

test('typical-p: tokens sorted by |-log p - H| kept until their mass reaches typical_p', () => {
  // H = 1.14212 nats; |-log p - H| = 0.449 (p .5), 0.062 (.3), 0.755 (.15), 1.854 (.05); cumulative mass .3, .8, .95, 1
  const s = [logp(P)];
  assert.deepEqual(kept(apply(new TypicalLogitsWarper(0.5), [[0]], s)), [[0, 1]]);
  assert.deepEqual(kept(apply(new TypicalLogitsWarper(0.2), [[0]], s)), [[1]]); // the most typical token is not the most likely
  assert.deepEqual(kept(apply(new TypicalLogitsWarper(0.9), [[0]], s)), [[0, 1, 2]]);
  assert.deepEqual(kept(apply(new TypicalLogitsWarper(0.2, 2), [[0]], s)), [[0, 1]]);
});

test('epsilon and eta cutoffs', () => {
  const s = [logp(P)];
  assert.deepEqual(kept(apply(new EpsilonLogitsWarper(0.1), [[0]], s)), [[0, 1, 2]]);
  assert.deepEqual(kept(apply(new EpsilonLogitsWarper(0.6), [[0]], s)), [[0]]); // the top token always stays (min_tokens_to_keep 1)
  // eta 0.3: min(0.3, sqrt(0.3) * exp(-1.14212)) = 0.1748 -> 0.15 and 0.05 dropped; eta 0.2: 0.1427 -> only 0.05
  assert.deepEqual(kept(apply(new EtaLogitsWarper(0.3), [[0]], s)), [[0, 1]]);
  assert.deepEqual(kept(apply(new EtaLogitsWarper(0.2), [[0]], s)), [[0, 1, 2]]);
});

test('generate() applies processors in transformers\' order: penalties and constraints, custom ones, then the warpers', () => {
  const model = new LlamaForCausalLM(new LlamaConfig({ vocab_size: 32, hidden_size: 16, intermediate_size: 32, num_hidden_layers: 1, num_attention_heads: 2, max_position_embeddings: 64 })) as unknown as CausalLM;
  const custom: LogitsProcessor = { call: (_i, s) => s };
  const input = ids([[1, 2, 3]]);
  const run = prepareRun(model, {
    input_ids: input, do_sample: true, temperature: 0.7, top_k: 10, top_p: 0.9, min_p: 0.05, typical_p: 0.95, epsilon_cutoff: 0.01, eta_cutoff: 0.01,
    repetition_penalty: 1.2, no_repeat_ngram_size: 3, bad_words_ids: [[5]], min_new_tokens: 2, eos_token_id: 2, renormalize_logits: true,
    suppress_tokens: [7], logits_processor: [custom], max_new_tokens: 4,
  });
  assert.deepEqual(run.processors.processors.map((p) => (p === custom ? 'custom' : p.constructor.name)), [
    'RepetitionPenaltyLogitsProcessor', 'NoRepeatNGramLogitsProcessor', 'NoBadWordsLogitsProcessor', 'MinLengthLogitsProcessor',
    'MinNewTokensLengthLogitsProcessor', 'SuppressTokensLogitsProcessor', 'custom', 'TemperatureLogitsWarper', 'TopKLogitsWarper',
    'TopPLogitsWarper', 'MinPLogitsWarper', 'TypicalLogitsWarper', 'EpsilonLogitsWarper', 'EtaLogitsWarper', 'LogitNormalization',
  ]);
  // greedy: no warpers (HF applies them only when sampling); the default top_k 50 applies when sampling
  const greedy = prepareRun(model, { input_ids: input, temperature: 0.7, top_k: 3, max_new_tokens: 4 });
  assert.equal(greedy.processors.length, 0);
  const sample = prepareRun(model, { input_ids: input, do_sample: true, max_new_tokens: 4 });
  assert.deepEqual(sample.processors.processors.map((p) => p.constructor.name), ['TopKLogitsWarper']);
  assert.equal((sample.processors.processors[0] as TopKLogitsWarper).topK, 50);
  // beam sampling keeps one token besides each EOS
  const beams = prepareRun(model, { input_ids: input, do_sample: true, num_beams: 2, top_k: 1, eos_token_id: [2, 3], max_new_tokens: 4 });
  assert.equal((beams.processors.processors[0] as TopKLogitsWarper).topK, 3);
  // penalties before temperature: the order changes the result
  const list = new LogitsProcessorList([new RepetitionPenaltyLogitsProcessor(2), new TemperatureLogitsWarper(0.5)]);
  assert.deepEqual(apply(list, [[0]], [[-1, 1]]), [[-4, 2]]);
  input.dispose();
});
